"""Who may see what of the result: the two views (ADMIN, STAFF) and the staff view's rule, stated once, here.

What a rendering may show of each department (`reports.chart_types.Disclosure`) is presentation: see `reports`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from scoring.campaign import Campaign
from scoring.engine import Adjustment, Flag, FlagKind, Report, Tallies, Tally, compute_tallied

ADMIN, STAFF = "admin", "staff"  # the two views of the result: the full one, and what a non-admin may see
VIEWS = (ADMIN, STAFF)


# -- the staff view: what a non-admin may see of the result ------------------------------------------------
#
# The promise (DESIGN.md, "view"): no two staff views that a non-admin can obtain, at any two moments, differ
# in a way that depends on fewer than k = `report_min_raters` raters of a confidential group. The design:
#
# 1. A staff view counts, in a confidential group, only *handed-in* sheets: submitted, or filled by an
#    import (the file is that body's submission); in a group that needs approval, only approved ones.
#    A tap on an open sheet moves nothing a non-admin can see, not even a count (pending, late, answered).
# 2. For each (group, department) the handed-in values are lined up in the order they were handed in, and
#    the view counts the first k·⌊s/k⌋ of the s there are (`released`). So the counted set only ever grows
#    by whole blocks of k values: between any two views it is the same, or differs by at least k values of
#    k different raters. A remainder of fewer than k values is never counted in a staff view (the admin's
#    result counts it; the staff view says how many values it leaves out).
# 3. Groups, parts and totals are then computed by the engine from those counted values alone: a part or
#    total that would contain a withheld contribution is computed without it (and flagged `withheld`).
#    Groups marked `confidential: false` (a panel's verdict, one body's score) are shown as they are.
# 4. Minimum, maximum and spread of a confidential group are never shown in a staff view: the minimum and
#    the maximum are each one rater's value, whatever n is, and with the mean and the spread they fix
#    three values of n = 3. (The issue allowed n >= k + 2; showing none is the bound we can defend simply.)
#
# What this does not cover, said plainly: when an admin reopens a handed-in sheet, or a new import replaces
# an imported one, the sheet leaves the line and comes back at its end, so the two views around it may
# differ by that one rater's change; both are admin acts, recorded in the audit log and told to the rater.
# Ties in the hand-in time are broken by the sheet's id (the store stamps each write to the microsecond).


def released(handed_in: int, k: int) -> int:
    """How many of a confidential group's handed-in values for a department a staff view counts."""
    return handed_in if k <= 1 else k * (handed_in // k)


@dataclass(slots=True)
class HandedIn:
    """What the handed-in sheets of a confidential group gave a department, in hand-in order."""

    answered: int = 0  # values and recusals
    recused: int = 0
    pending: int = 0  # values waiting for the sheet's approval (not in the line yet)
    late: int = 0  # answers entered after the group's milestone
    cents: list[int] = field(default_factory=list)  # the values in hundredths, in the order they were handed in


def staff_tallies(
    campaign: Campaign, tallies: Tallies, handed_in: Mapping[tuple[str, str], HandedIn]
) -> tuple[dict[tuple[str, str], Tally], dict[tuple[str, str], int]]:
    """The tallies a staff view is computed from, and per (group, department) how many values it leaves out.

    `tallies` are the admin's (every value that counts); `handed_in` the confidential groups' handed-in values.
    """
    k = campaign.report_min_raters
    bodies = open_groups(campaign)
    out: dict[tuple[str, str], Tally] = {}
    withheld: dict[tuple[str, str], int] = {}
    for key, t in tallies.items():
        if key[0] in bodies:
            out[key] = t
            continue
        got = handed_in.get(key) or HandedIn()
        shown = released(len(got.cents), k)
        # every count from handed-in sheets alone: a tap on an open sheet changes nothing here, not even a count
        out[key] = Tally(t.expected, got.answered, got.recused, got.pending, got.late, got.cents[:shown])
        # handed-in values past the last block: not counted yet
        if len(got.cents) > shown:
            withheld[key] = len(got.cents) - shown
    return out, withheld


def open_groups(campaign: Campaign) -> frozenset[str]:
    """Groups marked `confidential: false`: a body's verdict, shown as it is."""
    return frozenset(g.key for _, g in campaign.groups() if not g.confidential)


def staff_report(
    campaign: Campaign,
    tallies: Tallies,
    handed_in: Mapping[tuple[str, str], HandedIn],
    adjustments: Iterable[Adjustment] = (),
    external: Mapping[str, float] = MappingProxyType({}),
) -> Report:
    """The result as a non-admin may see it: the one function behind `report --view staff` and the chat."""
    counted, withheld = staff_tallies(campaign, tallies, handed_in)
    report = compute_tallied(campaign, counted, adjustments, external)
    bodies = open_groups(campaign)
    departments = []
    for dept in report.departments:
        parts = {
            key: replace(part, groups={
                g: r if g in bodies else replace(r, min=None, max=None, stdev=None) for g, r in part.groups.items()
            })
            for key, part in dept.parts.items()
        }
        hidden = tuple(Flag(FlagKind.WITHHELD, g) for p in dept.parts.values() for g in p.groups
                       if withheld.get((g, dept.key)))
        flags = dept.flags + hidden
        departments.append(replace(dept, parts=parts, flags=flags, complete=dept.complete and not hidden))
    return Report(report.campaign, departments)
