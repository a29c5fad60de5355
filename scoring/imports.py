"""Score sheets and external results from CSV or XLSX: every row checked, and what each would do, before
anything is stored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from scoring.campaign import Campaign
from scoring.import_files import LIMITS, ImportRejected, Limits, RowProblem, Table, read_table
from scoring.values import BadScore, echo, parse_score

SCORE_COLUMNS = ("rater", "group", "department", "score")
RESULT_COLUMNS = ("department", "score")


def _require(table: Table, columns: Iterable[str], source: str) -> None:
    present = set(table[0][1])
    missing = [c for c in columns if c not in present]
    if missing:
        raise ImportRejected(
            [RowProblem(source, 1, f"missing column(s) {', '.join(missing)}; expected {','.join(columns)}")]
        )


@dataclass(frozen=True, slots=True)
class ScoreRow:
    rater: str
    group: str
    department: str
    value: float
    comment: str | None
    line: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rater, self.group, self.department)


@dataclass(frozen=True, slots=True)
class ResultRow:
    department: str
    value: float
    line: int = 0


def _too_long(row: dict[str, str]) -> list[str]:
    """A cell longer than the limit (the reader cut it to one character over): its row is refused."""
    return [f"column {col[:20]}: longer than {LIMITS.max_cell:,} characters"
            for col, text in row.items() if len(text) > LIMITS.max_cell]


def _unknown(what: str, text: str) -> str:
    return f"unknown {what} '{echo(text)}'"


def parse_scores(
    campaign: Campaign,
    table: Table,
    source: str,
    assignments: set[tuple[str, str, str]],
    locked: Collection[tuple[str, str]] = frozenset(),
) -> list[ScoreRow]:
    """Every row checked; raters, groups and departments by key or by a unique name."""
    _require(table, SCORE_COLUMNS, source)
    raters = _lookup((r.key, r.name) for r in campaign.raters)
    depts = _lookup((d.key, d.name) for d in campaign.departments)
    groups = _lookup((g.key, g.name) for _, g in campaign.groups())
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for line, row in table:
        if long := _too_long(row):
            problems.append(RowProblem(source, line, "; ".join(long)))
            continue
        rater, group, dept = raters.get(row["rater"]), groups.get(row["group"]), depts.get(row["department"])
        bad = [
            _unknown(what, row[col]) if val is None else f"'{echo(row[col])}' names more than one {what}; use the key"
            for what, col, val in (("rater", "rater", rater), ("group", "group", group),
                                   ("department", "department", dept))
            if val is None or val == _AMBIGUOUS
        ]
        try:
            value = parse_score(row["score"], campaign.scale)
        except BadScore as exc:
            bad.append(str(exc))
            value = None
        if not bad:
            key = (rater, group, dept)
            if key not in assignments:
                bad.append(f"{rater} is not assigned {dept} in group {group}")
            elif (rater, group) in locked:
                bad.append(f"the sheet of {rater} in {group} is submitted and locked (reopen it first)")
            elif key in seen:
                bad.append(f"duplicate of line {seen[key]}")
            else:
                seen[key] = line
        if bad:
            problems.append(RowProblem(source, line, "; ".join(bad)))
        else:
            out.append(ScoreRow(rater, group, dept, value, row.get("comment") or None, line))
    if problems:
        raise ImportRejected(problems)
    return out


def parse_results(campaign: Campaign, table: Table, source: str) -> list[ResultRow]:
    """Final scores of `external` departments."""
    _require(table, RESULT_COLUMNS, source)
    depts = _lookup((d.key, d.name) for d in campaign.departments)
    profiles = {d.key: d.profile for d in campaign.departments}
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    out = []
    for line, row in table:
        if long := _too_long(row):
            problems.append(RowProblem(source, line, "; ".join(long)))
            continue
        dept = depts.get(row["department"])
        bad = []
        if dept is None:
            bad.append(_unknown("department", row["department"]))
        elif dept == _AMBIGUOUS:
            bad.append(f"'{echo(row['department'])}' names more than one department; use the key")
        elif not campaign.is_external(profiles[dept]):
            bad.append(f"{dept} is not assessed externally (profile {profiles[dept]})")
        elif dept in seen:
            bad.append(f"duplicate of line {seen[dept]}")
        try:
            value = parse_score(row["score"], campaign.scale)
        except BadScore as exc:
            bad.append(str(exc))
        if bad:
            problems.append(RowProblem(source, line, "; ".join(bad)))
        else:
            seen[dept] = line
            out.append(ResultRow(dept, value, line))
    if problems:
        raise ImportRejected(problems)
    return out


def read_import(
    data: bytes, source: str, campaign: Campaign, assignments: set[tuple[str, str, str]],
    locked: Collection[tuple[str, str]] = frozenset(), limits: Limits = LIMITS,
) -> tuple[str, list[ScoreRow] | list[ResultRow]]:
    """A file's bytes -> ('scores', rows) or ('results', rows), by its columns; ImportRejected otherwise."""
    table = read_table(data, source, limits)
    columns = set(table[0][1])
    if set(SCORE_COLUMNS) <= columns:
        return "scores", parse_scores(campaign, table, source, assignments, locked)
    if set(RESULT_COLUMNS) <= columns:
        return "results", parse_results(campaign, table, source)
    raise ImportRejected([RowProblem(source, 1, "columns not recognised: scores need "
                                     f"{','.join(SCORE_COLUMNS)}[,comment]; results need {','.join(RESULT_COLUMNS)}")])


# -- what an import would do ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store holds for one assignment now."""

    value: float | None
    recused: bool
    comment: str | None
    source: str  # 'bot', 'proxy' or 'import'


NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
ENTERED_BY_PEOPLE = ("bot", "proxy")  # a value the rater (or their collector, from paper) entered


@dataclass(frozen=True, slots=True)
class Planned:
    row: ScoreRow
    kind: str  # NEW | CHANGED | UNCHANGED
    old: Stored | None

    @property
    def overwrites(self) -> bool:
        """It would replace what a person entered (a value, a recusal or a comment)."""
        return self.kind == CHANGED and self.old is not None and self.old.source in ENTERED_BY_PEOPLE

    def describe(self) -> str:
        r = self.row
        where = f"{r.rater}/{r.group}/{r.department}"
        if self.kind == NEW:
            return f"{where}: new {r.value:g}"
        if self.kind == UNCHANGED:
            return f"{where}: unchanged {r.value:g}"
        return f"{where}: changed {old_text(self.old)} -> {r.value:g}" + (
            f" (entered by the rater via {self.old.source})" if self.overwrites else "")


def old_text(old: Stored | None) -> str:
    if old is None or (old.value is None and not old.recused):
        return "—"
    return "recused" if old.recused else f"{old.value:g}"


def plan_scores(rows: list[ScoreRow], stored: Mapping[tuple[str, str, str], Stored]) -> list[Planned]:
    """Each row: new (nothing stored), unchanged (the same value, and comment if it has one), or changed."""
    plan = []
    for row in rows:
        old = stored.get(row.key)
        same_comment = row.comment is None or (old is not None and old.comment == row.comment)
        if old is None or (old.value is None and not old.recused and (row.comment is None or old.comment is None)):
            kind = NEW
        elif not old.recused and old.value == row.value and same_comment:
            kind = UNCHANGED
        else:
            kind = CHANGED
        plan.append(Planned(row, kind, old))
    return plan


def overwrite_problems(plan: list[Planned], source: str) -> list[RowProblem]:
    return [RowProblem(source, p.row.line, f"{p.describe()}: it would replace what the rater entered")
            for p in plan if p.overwrites]


@dataclass(frozen=True, slots=True)
class PlannedResult:
    row: ResultRow
    kind: str
    old: float | None

    def describe(self) -> str:
        r = self.row
        if self.kind == NEW:
            return f"{r.department}: new {r.value:g}"
        if self.kind == UNCHANGED:
            return f"{r.department}: unchanged {r.value:g}"
        return f"{r.department}: changed {self.old:g} -> {r.value:g}"


def plan_results(rows: list[ResultRow], stored: Mapping[str, float]) -> list[PlannedResult]:
    plan = []
    for row in rows:
        old = stored.get(row.department)
        kind = NEW if old is None else UNCHANGED if old == row.value else CHANGED
        plan.append(PlannedResult(row, kind, old))
    return plan


def counts(plan: list[Planned] | list[PlannedResult]) -> dict[str, int]:
    found = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
    for p in plan:
        found[p.kind] += 1
    return found


class NeedsOverwrite(ImportRejected):
    """Rows would replace values raters entered themselves: nothing imported without an explicit overwrite."""


class PlanChanged(Exception):
    """What the store holds changed since the preview was shown: the confirmation no longer means the same."""


_AMBIGUOUS = ""  # a name several entries share (keys are never empty): the key must be used


def _lookup(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Cell text -> key; a key or a unique Chinese name both work (a shared name maps to _AMBIGUOUS)."""
    pairs = list(pairs)
    keys = {key for key, _ in pairs}
    table: dict[str, str] = {}
    for key, name in pairs:
        if name not in keys:  # a key always means itself
            table[name] = key if table.get(name, key) == key else _AMBIGUOUS
    table.update((key, key) for key in keys)
    return table


def plan_digest(plan: list[Planned] | list[PlannedResult]) -> str:
    """What a preview showed, as one string: a confirmation acts only while the store still matches it."""

    def old(p: Planned | PlannedResult) -> object:
        if isinstance(p, PlannedResult):
            return p.old
        return None if p.old is None else [p.old.value, p.old.recused, p.old.comment, p.old.source]

    items = [[getattr(p.row, "key", None) or p.row.department, p.row.value, p.kind, old(p)] for p in plan]
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()
