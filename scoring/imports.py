"""Score sheets and external results from CSV or XLSX: every row checked before anything is stored."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from scoring.campaign import Campaign
from scoring.values import BadScore, parse_score

SCORE_COLUMNS = ("rater", "group", "department", "score")
RESULT_COLUMNS = ("department", "score")
MAX_ROWS = 200_000


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


Table = list[tuple[int, dict[str, str]]]  # (line or row number, column -> cell text)


def read_table(data: bytes, source: str) -> Table:
    """CSV (UTF-8, with or without BOM; GBK as Excel in China writes it) or XLSX by content."""
    if data[:2] == b"PK":
        return _read_xlsx(data, source)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowProblem(source, 1, "not a CSV in UTF-8 or GBK, nor an XLSX file")])
    reader = csv.reader(io.StringIO(text))
    # a record's own first line (reader.line_num is its last one; a quoted
    # comment may span several lines)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for record in reader:
        rows.append((start, record))
        start = reader.line_num + 1
    return _to_dicts(rows, source)


def _read_xlsx(data: bytes, source: str) -> Table:
    from openpyxl import load_workbook  # only when a workbook arrives

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportRejected([RowProblem(source, 1, f"cannot read the workbook: {exc}")]) from None
    sheet = book.worksheets[0]
    rows = [
        (n, ["" if c is None else _cell(c) for c in r])
        for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)
    ]
    book.close()
    return _to_dicts(rows, source)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_dicts(rows: list[tuple[int, list[str]]], source: str) -> Table:
    rows = [(n, r) for n, r in rows if any(str(c).strip() for c in r)]
    if not rows:
        raise ImportRejected([RowProblem(source, 1, "the file is empty")])
    if len(rows) > MAX_ROWS + 1:
        raise ImportRejected([RowProblem(source, 1, f"more than {MAX_ROWS} rows")])
    names = [str(h).strip().lower() for h in rows[0][1]]
    if len(rows) == 1:
        raise ImportRejected([RowProblem(source, rows[0][0], "no rows after the header")])
    # a short row leaves its missing cells empty, so they are reported, not a crash
    return [(n, {name: (str(r[i]).strip() if i < len(r) else "") for i, name in enumerate(names)})
            for n, r in rows[1:]]


def _require(table: Table, columns: Iterable[str], source: str) -> None:
    present = set(table[0][1])
    missing = [c for c in columns if c not in present]
    if missing:
        raise ImportRejected(
            [RowProblem(source, 1, f"missing column(s) {', '.join(missing)}; expected {','.join(columns)}")]
        )


def parse_scores(
    campaign: Campaign,
    table: Table,
    source: str,
    assignments: set[tuple[str, str, str]],
    locked: set[tuple[str, str]] = frozenset(),
) -> list[tuple[str, str, str, float, str | None]]:
    """Rows as (rater, group, department, value, comment); raters and departments by key or name."""
    _require(table, SCORE_COLUMNS, source)
    raters = _lookup((r.key, r.name) for r in campaign.raters)
    depts = _lookup((d.key, d.name) for d in campaign.departments)
    groups = _lookup((g.key, g.name) for _, g in campaign.groups())
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for line, row in table:
        rater, group, dept = raters.get(row["rater"]), groups.get(row["group"]), depts.get(row["department"])
        bad = [
            f"unknown {what} '{row[col]}'" if val is None else f"'{row[col]}' names more than one {what}; use the key"
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
            out.append((rater, group, dept, value, row.get("comment") or None))
    if problems:
        raise ImportRejected(problems)
    return out


def parse_results(campaign: Campaign, table: Table, source: str) -> list[tuple[str, float]]:
    """Final scores of `external` departments as (department, value)."""
    _require(table, RESULT_COLUMNS, source)
    depts = _lookup((d.key, d.name) for d in campaign.departments)
    profiles = {d.key: d.profile for d in campaign.departments}
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    out = []
    for line, row in table:
        dept = depts.get(row["department"])
        bad = []
        if dept is None:
            bad.append(f"unknown department '{row['department']}'")
        elif dept == _AMBIGUOUS:
            bad.append(f"'{row['department']}' names more than one department; use the key")
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
            out.append((dept, value))
    if problems:
        raise ImportRejected(problems)
    return out


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
