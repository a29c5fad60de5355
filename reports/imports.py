"""Score sheets and external results from CSV or XLSX: every row's cells checked against the campaign (a key
or a unique name, the scale, the assignments, locked sheets) before anything is stored. What the rows would
do to the record (new, changed, unchanged, overwrites) is the domain's: `scoring.imports`."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from reports.import_files import LIMITS, Limits, Table, read_table
from scoring.campaign import Campaign
from scoring.imports import ImportRejected, ResultRow, RowProblem, ScoreRow
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
        # with nothing bad, every name resolved and the score parsed (the second test narrows the types)
        if bad or rater is None or group is None or dept is None or value is None:
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
        if bad or dept is None:  # dept is None only with a problem: the second test narrows its type
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
