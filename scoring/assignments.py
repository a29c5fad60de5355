"""Assignment rules: who must score which department in which group."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from scoring.campaign import AssignRule, Campaign, Department, ListRule, Rater, SectorRule


@dataclass(frozen=True, slots=True)
class Assignment:
    rater: str
    group: str
    department: str


def rule_targets(
    rule: AssignRule, rater: Rater, departments: list[Department]
) -> list[Department]:
    """Departments a rule names, before profile and conflict filtering."""
    own = next((d for d in departments if d.key == rater.department), None)
    if rule == "all":
        return list(departments)
    if rule == "own":
        return [own] if own else []
    if rule == "peers":
        if own is None:
            return []
        return [d for d in departments if d.sector == own.sector and d.key != own.key]
    if isinstance(rule, SectorRule):
        return [d for d in departments if d.sector == rule.sector]
    if isinstance(rule, ListRule):
        wanted = set(rule.departments)
        return [d for d in departments if d.key in wanted]
    raise ValueError(f"unknown assignment rule {rule!r}")


def expand(campaign: Campaign) -> list[Assignment]:
    """Materialise every assignment, in the order of the file.

    A department is assigned in a group only when the group's part carries
    weight in the department's profile (a vertical department is never asked
    for key work, an external one never at all), and never to a rater who
    declared a conflict with it.
    """
    return list(_iter(campaign))


def _iter(campaign: Campaign) -> Iterator[Assignment]:
    part_of = {g.key: p.key for p, g in campaign.groups()}
    groups = {g.key: g for _, g in campaign.groups()}
    for rater in campaign.raters:
        conflicts = set(rater.conflicts)
        for membership in rater.memberships():
            group = groups.get(membership.group)
            if group is None:
                continue
            rule = membership.assign if membership.assign is not None else group.assign
            part = part_of[group.key]
            for dept in rule_targets(rule, rater, campaign.departments):
                if dept.key in conflicts:
                    continue
                if campaign.part_weight(dept.profile, part) <= 0:
                    continue
                yield Assignment(rater.key, group.key, dept.key)


def owing_departments(campaign: Campaign, material: str) -> list[str]:
    """Departments that owe a kind of materials: those assigned in a group the materials are shown to."""
    return _owing(campaign)[material]


# campaign (by identity) -> kind -> owing departments; a campaign is frozen, and the few in use are kept
_OWING: dict[int, tuple[Campaign, dict[str, list[str]]]] = {}


def _owing(campaign: Campaign) -> dict[str, list[str]]:
    cached = _OWING.get(id(campaign))
    if cached is not None and cached[0] is campaign:
        return cached[1]
    assigned: dict[str, set[str]] = {}
    for a in expand(campaign):
        assigned.setdefault(a.group, set()).add(a.department)
    owing = {}
    for kind in campaign.materials:
        depts = set().union(*(assigned.get(g, set()) for g in kind.shown_to))
        owing[kind.key] = [d.key for d in campaign.departments if d.key in depts]
    if len(_OWING) >= 16:
        _OWING.clear()
    _OWING[id(campaign)] = (campaign, owing)
    return owing


def contacts_of(campaign: Campaign, department: str) -> list[str]:
    """The raters who speak for a department (`department: KEY`): they hand in its materials."""
    return [r.key for r in campaign.raters if r.department == department]


def owed_by(campaign: Campaign, department: str) -> list[str]:
    """The kinds of materials a department owes, in the file's order."""
    return [m.key for m in campaign.materials if department in owing_departments(campaign, m.key)]


def missing_materials(
    campaign: Campaign, handed_in: set[tuple[str, str]], milestone: str | None = None,
) -> dict[str, list[str]]:
    """department -> the kinds it owes and has not handed in (only those due at `milestone`, when given)."""
    missing: dict[str, list[str]] = {}
    for kind in campaign.materials:
        if milestone is not None and kind.milestone != milestone:
            continue
        for dept in owing_departments(campaign, kind.key):
            if (kind.key, dept) not in handed_in:
                missing.setdefault(dept, []).append(kind.key)
    return {d.key: missing[d.key] for d in campaign.departments if d.key in missing}
