"""The scoring engine: raw scores -> weighted, ranked results, exactly as DESIGN.md's "Scoring" says.

1. group score: mean / median / trimmed mean of the values of the raters who
   scored the department (recusals, unscored and unapproved sheets excluded);
   fewer than `min_raters` values -> no score.
2. part score: weighted mean of the group scores that exist (weights renormalised).
3. points = part score x the part's weight in the department's profile / 100.
4. total = sum of points + adjustments (clamped to the cap); external profiles
   take the imported final score.
5. competition ranking (1, 2, 2, 4) within each profile.
6. full precision inside; `round_half_up` only for display.

"Full precision" is taken literally: scores carry at most two decimals
(`Scale.decimals <= 2`, checked on entry), so each value is an exact number of
hundredths and every score, points figure and total is computed as an exact
fraction. Mathematically equal totals therefore tie even when they were
reached by different routes, and no order of the rows can change a result.
The report carries the correctly rounded floats of those fractions.

Cost is linear in the rows: one pass files every row under its (group,
department) as a `Tally` (or the store adds the tallies up in SQL and calls
`compute_tallied`); everything after that works per (group, department).
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from scoring.assignments import Assignment
from scoring.campaign import Campaign, Department, Group, Method, Part

# Values are read as whole hundredths: exact, and integer arithmetic is fast.
_HUNDREDTHS = 100
_EMPTY: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One stored answer. `compute` also takes the plain tuple
    `(rater, group, department, value, approved, late)` in the same order,
    which is what the storage layer reads from SQLite without building objects.
    """

    rater: str
    group: str
    department: str
    value: float | None  # None = recused (counts as not scoring)
    approved: bool = True  # False while the sheet in a group that requires approval is not approved
    late: bool = False  # entered after the group's milestone


class FlagKind(StrEnum):
    MISSING_GROUP = "missing_group"  # a group that should score the department has too few values
    MISSING_PART = "missing_part"  # no group of the part has a score: the part counts 0 points
    PENDING_APPROVAL = "pending_approval"  # scores exist but their sheet is not approved yet
    INCOMPLETE = "incomplete"  # an assignment has no answer, or the group has only recusals
    LATE = "late"  # scores entered after the group's milestone (they count; staff should know)
    MISSING_EXTERNAL = "missing_external"  # an external department without an imported result
    WITHHELD = "withheld"  # staff view only: values of a confidential group not counted yet (scoring.disclosure)


@dataclass(frozen=True, slots=True)
class Flag:
    kind: FlagKind
    key: str | None = None  # the group (or part, for MISSING_PART) it concerns; None: the department

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.key}" if self.key else self.kind.value


@dataclass(frozen=True, slots=True)
class AdjustmentItem:
    """One adjustment in force (not revoked) as the report lists it."""

    id: int | None  # the register's id; None when the caller gave bare (department, points) pairs
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """Bonus (+) or deduction (-) points for a department, as the register holds them."""

    department: str
    points: float
    id: int | None = None  # the register's id; None in a calculation outside the register
    reason: str = ""


@dataclass(frozen=True, slots=True)
class GroupResult:
    score: float | None  # None: fewer values than the group's min_raters
    n: int  # values counted
    expected: int  # assignments of the group for the department
    recused: int
    pending: int  # values waiting for approval (not counted)
    late: int  # answers entered after the milestone (counted)
    min: float | None
    max: float | None
    stdev: float | None  # population standard deviation of the counted values; None when n == 0


@dataclass(frozen=True, slots=True)
class PartResult:
    score: float | None  # 0-100; None: no group present
    points: float  # score x weight / 100; 0 when the score is missing
    weight: float  # the part's weight in the department's profile
    groups: dict[str, GroupResult]


@dataclass(frozen=True, slots=True)
class DepartmentResult:
    key: str
    name: str
    name_en: str | None
    sector: str
    profile: str
    parts: dict[str, PartResult]  # only parts with weight > 0 in the profile; {} for external
    adjustment: float  # clamped sum of adjustments (0 for external departments)
    total: float | None  # None: cannot be known (an external department without its imported result)
    rank: int | None  # None exactly when the total is unknown: unknown is not zero, and is not ranked
    complete: bool  # no flags other than LATE
    flags: tuple[Flag, ...]
    external: bool = False  # total is an imported final score
    adjustments: tuple[AdjustmentItem, ...] = ()  # the adjustments in force that make up `adjustment`
    adjustment_clamped: bool = False  # their sum went past the campaign's cap: `adjustment` is the cap

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "name_en": self.name_en,
            "sector": self.sector,
            "profile": self.profile,
            "external": self.external,
            "parts": {key: _part_json(part) for key, part in self.parts.items()},
            "adjustment": self.adjustment,
            "adjustments": [{"id": a.id, "points": a.points, "reason": a.reason} for a in self.adjustments],
            "adjustment_clamped": self.adjustment_clamped,
            "total": self.total,
            "rank": self.rank,
            "complete": self.complete,
            "flags": [{"kind": f.kind.value, "key": f.key} for f in self.flags],
        }


@dataclass(frozen=True, slots=True)
class Report:
    campaign: str  # the campaign's key
    departments: list[DepartmentResult]  # by profile (file order), then rank, then file order

    def department(self, key: str) -> DepartmentResult:
        return next(d for d in self.departments if d.key == key)

    def by_profile(self) -> dict[str, list[DepartmentResult]]:
        grouped: dict[str, list[DepartmentResult]] = {}
        for dept in self.departments:
            grouped.setdefault(dept.profile, []).append(dept)
        return grouped

    def to_json_dict(self) -> dict[str, Any]:
        """DESIGN.md's `report --format json` shape, unrounded, with a few extra keys alongside."""
        return {"campaign": self.campaign, "departments": [d.to_json_dict() for d in self.departments]}


def _part_json(part: PartResult) -> dict[str, Any]:
    return {
        "score": part.score,
        "points": part.points,
        "weight": part.weight,
        "groups": {
            key: {
                "score": g.score,
                "n": g.n,
                "expected": g.expected,
                "recused": g.recused,
                "pending": g.pending,
                "late": g.late,
                "min": g.min,
                "max": g.max,
                "stdev": g.stdev,
            }
            for key, g in part.groups.items()
        },
    }


# -- display rounding -----------------------------------------------------------


def round_half_up(x: float, places: int = 2) -> Decimal:
    """`x` rounded half up (ties away from zero) to `places` decimals: 2.675 -> Decimal('2.68').

    The float is read through its shortest repr, i.e. the decimal the user
    would write, so 2.675 (stored as 2.67499999...) still rounds up. Zero never
    comes out as '-0.00'.
    """
    rounded = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded == 0 else rounded


def format_points(x: float, places: int = 2) -> str:
    """Display text of a score, points figure or total: '83.13'."""
    return str(round_half_up(x, places))


# -- aggregation ----------------------------------------------------------------


def aggregate(values: Sequence[float], method: Method) -> float:
    """A group's method over its (non-empty) values, exact to the hundredth input grid."""
    # 87.3 * 100 == 8729.999999999998: round() restores the hundredth the user entered
    return float(_aggregate([round(v * _HUNDREDTHS) for v in values], method))


def _aggregate(cents: list[int], method: Method) -> Fraction:
    """Exact group score from values in hundredths."""
    n = len(cents)
    if method == Method.MEDIAN:
        ordered = sorted(cents)
        mid = n // 2
        if n % 2:
            return Fraction(ordered[mid], _HUNDREDTHS)
        return Fraction(ordered[mid - 1] + ordered[mid], 2 * _HUNDREDTHS)
    if method == Method.TRIMMED_MEAN and n >= 3:
        # dropping the single highest and lowest: one of each, even when tied
        return Fraction(sum(cents) - max(cents) - min(cents), (n - 2) * _HUNDREDTHS)
    return Fraction(sum(cents), n * _HUNDREDTHS)


def _pstdev(cents: list[int]) -> float:
    """Population standard deviation, from exact integer sums (what statistics.pstdev computes)."""
    n = len(cents)
    total = sum(cents)
    squares = sum(map(operator.mul, cents, cents))  # no Python-level loop per value
    # int / int is correctly rounded, as float(Fraction(...)) is, without making the Fraction
    return math.sqrt((n * squares - total * total) / (n * n * _HUNDREDTHS * _HUNDREDTHS))


@lru_cache(maxsize=1024)
def _share(weight: float) -> Fraction:
    """A part's weight as the exact factor from its 0-100 score to its points (15 -> 3/20)."""
    return _exact(weight) / 100


@lru_cache(maxsize=4096)  # the same few weights come back for every department
def _exact(x: float) -> Fraction:
    """The decimal a weight, adjustment or imported result was written as (0.1 -> 1/10)."""
    return Fraction(repr(float(x)))


# -- the single pass over the rows ------------------------------------------------


@dataclass(slots=True)
class Tally:
    """What one (group, department) received: the counted values in hundredths and the counts around them.

    The engine works per tally, never per row, so a tally can come from rows
    (`tally`) or straight from the store, which adds them up in SQL.
    Mutable on purpose: built row by row.
    """

    expected: int = 0  # assignments of the group for the department
    answered: int = 0  # assignments with a value or a recusal
    recused: int = 0
    pending: int = 0  # values waiting for their sheet's approval (not counted)
    late: int = 0  # answers entered after the group's milestone
    cents: list[int] = field(default_factory=list)  # the counted values, in hundredths (exact integers)


Tallies = Mapping[tuple[str, str], Tally]


def tally(
    campaign: Campaign,
    assignments: Iterable[Assignment | tuple[str, str, str]] | Mapping[tuple[str, str], int],
    scores: Iterable[ScoreRow | tuple[str, str, str, float | None, bool, bool]],
) -> dict[tuple[str, str], Tally]:
    """(group, department) -> its Tally, from the assignments (or their counts) and one pass over the rows."""
    needs_approval = frozenset(g.key for _, g in campaign.groups() if g.requires_approval)
    tallies: dict[tuple[str, str], Tally] = {key: Tally(expected=n) for key, n in _expected(assignments).items()}
    find = tallies.get
    for row in scores:
        if isinstance(row, ScoreRow):
            group, dept, value, approved, late = row.group, row.department, row.value, row.approved, row.late
        else:
            _, group, dept, value, approved, late = row
        key = (group, dept)
        t = find(key)
        if t is None:
            t = tallies[key] = Tally()
        t.answered += 1
        if late:
            t.late += 1
        if value is None:
            t.recused += 1
        elif not approved and group in needs_approval:
            t.pending += 1
        else:
            # 87.3 * 100 == 8729.999999999998: round() restores the hundredth the user entered
            t.cents.append(round(value * _HUNDREDTHS))
    return tallies


def _expected(
    assignments: Iterable[Assignment | tuple[str, str, str]] | Mapping[tuple[str, str], int],
) -> Mapping[tuple[str, str], int]:
    if isinstance(assignments, Mapping):
        return assignments  # already counted per (group, department), e.g. by the store's GROUP BY
    return Counter(
        (a.group, a.department) if isinstance(a, Assignment) else (a[1], a[2]) for a in assignments
    )


@dataclass(frozen=True, slots=True)
class _Adjusted:
    """A department's adjustments: the clamped exact sum, whether the cap cut it, the items."""

    total: Fraction = Fraction(0)
    clamped: bool = False
    items: tuple[AdjustmentItem, ...] = ()


_NOT_ADJUSTED = _Adjusted()


def _adjustments(adjustments: Iterable[Adjustment], cap: float | None) -> dict[str, _Adjusted]:
    sums: dict[str, Fraction] = {}
    items: dict[str, list[AdjustmentItem]] = {}
    for adjustment in adjustments:
        dept = adjustment.department
        sums[dept] = sums.get(dept, Fraction(0)) + _exact(adjustment.points)
        items.setdefault(dept, []).append(AdjustmentItem(adjustment.id, float(adjustment.points), adjustment.reason))
    limit = None if cap is None else _exact(cap)
    out = {}
    for dept, total in sums.items():
        kept = total if limit is None else max(-limit, min(limit, total))
        # in the register's order (by id), so the order they come in never changes the report
        listed = sorted(items[dept], key=lambda a: (a.id is None, a.id or 0, a.points, a.reason))
        out[dept] = _Adjusted(kept, kept != total, tuple(listed))
    return out


# -- per department -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scored:
    """A department before ranking: the result without its rank, and its exact total."""

    dept: Department
    parts: dict[str, PartResult]
    adjustment: Fraction
    total: Fraction | None  # None: unknown
    flags: tuple[Flag, ...]
    external: bool
    adjusted: _Adjusted = _NOT_ADJUSTED


def compute(
    campaign: Campaign,
    assignments: Iterable[Assignment | tuple[str, str, str]] | Mapping[tuple[str, str], int],
    scores: Iterable[ScoreRow | tuple[str, str, str, float | None, bool, bool]],
    adjustments: Iterable[Adjustment] = (),
    external: Mapping[str, float] = _EMPTY,
) -> Report:
    """The campaign's report from its assignments, stored scores, adjustments and imported results.

    `assignments` are the assignments themselves, or their number per
    (group, department). `scores` holds one row per answered assignment (as
    the store keeps them); rows of unknown groups or departments are ignored.
    `adjustments` are (department, points) pairs, or (department, points, id,
    reason) for a report that lists them; `external` maps an external
    department to its imported final score.
    """
    return compute_tallied(campaign, tally(campaign, assignments, scores), adjustments, external)


def compute_tallied(
    campaign: Campaign,
    tallies: Tallies,
    adjustments: Iterable[Adjustment] = (),
    external: Mapping[str, float] = _EMPTY,
) -> Report:
    """`compute` from tallies already made, e.g. added up by the store in SQL."""
    adjust = _adjustments(adjustments, campaign.adjustment_cap)
    scored = [
        _external(d, external) if campaign.is_external(d.profile)
        else _assessed(campaign, d, tallies, adjust.get(d.key, _NOT_ADJUSTED))
        for d in campaign.departments
    ]
    return Report(campaign.key, _ranked(campaign, scored))


def _external(dept: Department, results: Mapping[str, float]) -> _Scored:
    # the imported final score is final: no parts, and no adjustment on top of it
    if dept.key in results:
        return _Scored(dept, {}, Fraction(0), _exact(results[dept.key]), (), True)
    # unknown is not zero: no total, so no rank either
    return _Scored(dept, {}, Fraction(0), None, (Flag(FlagKind.MISSING_EXTERNAL),), True)


def _assessed(
    campaign: Campaign,
    dept: Department,
    tallies: Tallies,
    adjusted: _Adjusted,
) -> _Scored:
    parts: dict[str, PartResult] = {}
    flags: list[Flag] = []
    points = Fraction(0)
    for part in campaign.parts:
        weight = campaign.part_weight(dept.profile, part.key)
        if weight <= 0:
            continue  # a 0-weight part is not assigned at all for this profile
        result, part_points = _part(part, weight, dept.key, tallies, flags)
        parts[part.key] = result
        points += part_points
    return _Scored(dept, parts, adjusted.total, points + adjusted.total, tuple(flags), False, adjusted)


def _part(
    part: Part,
    weight: float,
    dept: str,
    tallies: Tallies,
    flags: list[Flag],
) -> tuple[PartResult, Fraction]:
    groups: dict[str, GroupResult] = {}
    present: list[tuple[Fraction, Fraction]] = []  # (exact group score, group weight)
    for group in part.groups:
        result, exact = _group(group, tallies.get((group.key, dept)), flags)
        groups[group.key] = result
        # a 0-weight group is shown but never moves the part (and cannot make it present alone)
        if exact is not None and group.weight > 0:
            present.append((exact, _exact(group.weight)))
    if not present:
        flags.append(Flag(FlagKind.MISSING_PART, part.key))
        return PartResult(None, 0.0, weight, groups), Fraction(0)
    # weights renormalised over the groups present
    # one group present is the usual case: its score, without three Fraction operations
    score = present[0][0] if len(present) == 1 else (
        sum((s * w for s, w in present), Fraction(0)) / sum((w for _, w in present), Fraction(0)))
    points = score * _share(weight)
    return PartResult(float(score), float(points), weight, groups), points


def _group(group: Group, found: Tally | None, flags: list[Flag]) -> tuple[GroupResult, Fraction | None]:
    got = found or Tally()
    cents = got.cents
    n = len(cents)
    exact = _aggregate(cents, group.method) if n >= group.min_raters else None
    result = GroupResult(
        score=None if exact is None else float(exact),
        n=n,
        expected=got.expected,
        recused=got.recused,
        pending=got.pending,
        late=got.late,
        min=min(cents) / _HUNDREDTHS if n else None,
        max=max(cents) / _HUNDREDTHS if n else None,
        stdev=_pstdev(cents) if n else None,
    )
    flags.extend(Flag(kind, group.key) for kind in _group_flags(result, got.answered))
    return result, exact


def _group_flags(g: GroupResult, answered: int) -> list[FlagKind]:
    kinds = []
    # a group with no assignment for the department does not apply to it (e.g. another sector's panel)
    if g.score is None and (g.expected > 0 or answered > 0):
        kinds.append(FlagKind.MISSING_GROUP)
    if g.pending:
        kinds.append(FlagKind.PENDING_APPROVAL)
    if answered < g.expected or (answered > 0 and g.recused == answered):
        kinds.append(FlagKind.INCOMPLETE)
    if g.late:
        kinds.append(FlagKind.LATE)
    return kinds


# -- ranking --------------------------------------------------------------------


def competition_ranks(totals: Sequence[Fraction | float | None]) -> list[int | None]:
    """Rank of each total, highest first; ties share a rank and leave a gap (1, 2, 2, 4).

    An unknown total (None) gets no rank and takes no place: the known ones are ranked among themselves.
    """
    known = [(i, x) for i, x in enumerate(totals) if x is not None]
    order = [i for i, _ in sorted(known, key=lambda known_total: known_total[1], reverse=True)]
    ranks: list[int | None] = [None] * len(totals)
    for position, i in enumerate(order):
        tied = position > 0 and totals[order[position - 1]] == totals[i]
        ranks[i] = ranks[order[position - 1]] if tied else position + 1
    return ranks


def _ranked(campaign: Campaign, scored: list[_Scored]) -> list[DepartmentResult]:
    by_profile: dict[str, list[_Scored]] = {name: [] for name in campaign.profiles}
    for s in scored:
        by_profile.setdefault(s.dept.profile, []).append(s)
    results: list[DepartmentResult] = []
    for members in by_profile.values():
        ranks = competition_ranks([s.total for s in members])
        # sorted() is stable: equal ranks keep the order of the file; the unranked come last
        unranked = len(members) + 1
        for rank, s in sorted(zip(ranks, members, strict=True),
                              key=lambda pair: unranked if pair[0] is None else pair[0]):
            results.append(_result(s, rank))
    return results


def _result(s: _Scored, rank: int | None) -> DepartmentResult:
    return DepartmentResult(
        key=s.dept.key,
        name=s.dept.name,
        name_en=s.dept.name_en,
        sector=s.dept.sector,
        profile=s.dept.profile,
        parts=s.parts,
        adjustment=float(s.adjustment),
        total=None if s.total is None else float(s.total),
        rank=rank,
        complete=all(f.kind == FlagKind.LATE for f in s.flags),
        flags=s.flags,
        external=s.external,
        adjustments=s.adjusted.items,
        adjustment_clamped=s.adjusted.clamped,
    )
