"""What an import is in the domain: its rows, its problems, and what it would do to the record.

The plan (each row new, changed or unchanged; whether it would replace what a person entered) is the
"nothing silent" rule, written once here for the chat, the CLI and the store. Reading a file's cells and
checking them against the campaign is `reports.imports`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowProblem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class ImportRejected(ValueError):
    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
        by_person = f" (entered by the rater via {self.old.source})" if self.old and self.overwrites else ""
        return f"{where}: changed {old_text(self.old)} -> {r.value:g}{by_person}"


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


def plan_digest(plan: list[Planned] | list[PlannedResult]) -> str:
    """What a preview showed, as one string: a confirmation acts only while the store still matches it."""

    def old(p: Planned | PlannedResult) -> object:
        if isinstance(p, PlannedResult):
            return p.old
        return None if p.old is None else [p.old.value, p.old.recused, p.old.comment, p.old.source]

    items = [[getattr(p.row, "key", None) or p.row.department, p.row.value, p.kind, old(p)] for p in plan]
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()
