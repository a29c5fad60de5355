"""Renderings of a Report: terminal table, CSV, JSON and an XLSX workbook.

Every figure a person reads is rounded half up to two decimals here, and
only here; the Report itself stays at full precision. Labels come from
`scoring.texts_report` (Chinese by default, English with lang="en").
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from scoring.campaign import Campaign
from scoring.engine import DepartmentResult, Flag, FlagKind, Report, ScoreRow, format_points
from scoring.provenance import ADMIN, FileStamp
from scoring.texts_report import label, profile_label

Cell = str | int | float | None


# -- shared helpers --------------------------------------------------------------


def _name(obj: Any, lang: str) -> str:
    """English name when asked for and given, else the Chinese one (campaign objects and results alike)."""
    english = getattr(obj, "name_en", None)
    return english if lang == "en" and english else obj.name


def _title(campaign: Campaign, lang: str) -> str:
    return campaign.title_en if lang == "en" and campaign.title_en else campaign.title


def caption(campaign: Campaign, stamp: FileStamp | None, lang: str) -> str:
    """The first line of every report file: the campaign, when the file was made, provisional or final, for whom."""
    title = _title(campaign, lang)
    if stamp is None:  # a rendering without a moment (tests, library use): still names the campaign
        return label(lang, "caption_undated", title=title, code=campaign.key)
    state = label(lang, "state.provisional" if stamp.provisional else "state.final")
    text = label(lang, "caption", title=title, code=campaign.key, made=stamp.made, state=state)
    if stamp.view == ADMIN:
        return f"{text} · {label(lang, 'admin_only')}"
    return f"{text} · {label(lang, 'staff_view', k=campaign.report_min_raters)}"


def _profile_title(profile: str, lang: str) -> str:
    text = profile_label(lang, profile)
    return text if text == profile else f"{text} ({profile})"


class _Names:
    """Display names of the campaign's parts, groups, sectors and raters by key."""

    def __init__(self, campaign: Campaign, lang: str) -> None:
        self.parts = {p.key: _name(p, lang) for p in campaign.parts}
        self.groups = {g.key: _name(g, lang) for _, g in campaign.groups()}
        self.sectors = {s.key: _name(s, lang) for s in campaign.sectors}
        self.raters = {r.key: _name(r, lang) for r in campaign.raters}
        self.departments = {d.key: _name(d, lang) for d in campaign.departments}

    def concerns(self, flag: Flag) -> str:
        if flag.key is None:
            return ""
        table = self.parts if flag.kind == FlagKind.MISSING_PART else self.groups
        return table.get(flag.key, flag.key)


def _flag_text(flag: Flag, names: _Names, lang: str) -> str:
    text = label(lang, f"flag.{flag.kind.value}")
    concerns = names.concerns(flag)
    return f"{text}: {concerns}" if concerns else text


UNKNOWN = "—"  # a figure that cannot be known (or is withheld): never 0


def _total_text(dept: DepartmentResult) -> str:
    return UNKNOWN if dept.total is None else format_points(dept.total)


def _rank_text(dept: DepartmentResult) -> str:
    return UNKNOWN if dept.rank is None else str(dept.rank)


def _marker(dept: DepartmentResult) -> str:
    incomplete = "" if dept.complete else "*"
    late = "+" if any(f.kind == FlagKind.LATE for f in dept.flags) else ""
    return incomplete + late


def _profile_parts(campaign: Campaign, profile: str) -> list[tuple[str, float]]:
    """(part key, weight) of the parts that count for a profile, in file order."""
    return [
        (p.key, campaign.part_weight(profile, p.key))
        for p in campaign.parts
        if campaign.part_weight(profile, p.key) > 0
    ]


# -- terminal table ----------------------------------------------------------------


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _layout(header: list[str], rows: list[list[str]], right: list[bool]) -> list[str]:
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(_pad(cell, widths[i], right[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]


def render_table(report: Report, campaign: Campaign, lang: str = "zh", *, stamp: FileStamp | None = None) -> str:
    """A ranked table per profile, two decimals half up; '*' marks incomplete, '+' late entries."""
    lines = [_title(campaign, lang), caption(campaign, stamp, lang)]
    names = _Names(campaign, lang)
    for profile, depts in report.by_profile().items():
        if not depts:
            continue
        lines += ["", label(lang, "profile_title", profile=_profile_title(profile, lang))]
        lines += _profile_table(campaign, profile, depts, names, lang)
    lines += ["", label(lang, "legend")]
    return "\n".join(lines) + "\n"


def _profile_table(
    campaign: Campaign, profile: str, depts: list[DepartmentResult], names: _Names, lang: str
) -> list[str]:
    if campaign.is_external(profile):
        header = [label(lang, "rank"), label(lang, "department"), label(lang, "external_result"), ""]
        rows = [[_rank_text(d), _name(d, lang), _total_text(d), _marker(d)] for d in depts]
        return _layout(header, rows, [True, False, True, False])
    parts = _profile_parts(campaign, profile)
    header = [
        label(lang, "rank"),
        label(lang, "department"),
        *(f"{names.parts[key]}({weight:g})" for key, weight in parts),
        label(lang, "adjustment"),
        label(lang, "total"),
        "",
    ]
    rows = [
        [
            _rank_text(d),
            _name(d, lang),
            *(_points_cell(d, key) for key, _ in parts),
            format_points(d.adjustment),
            _total_text(d),
            _marker(d),
        ]
        for d in depts
    ]
    return _layout(header, rows, [True, False, *([True] * (len(parts) + 2)), False])


def _points_cell(dept: DepartmentResult, part: str) -> str:
    result = dept.parts.get(part)
    # a missing part counts 0 points; '-' shows it is missing, not scored zero
    return "-" if result is None or result.score is None else format_points(result.points)


# -- CSV and JSON ----------------------------------------------------------------


def render_csv(report: Report, campaign: Campaign, lang: str = "zh", *, stamp: FileStamp | None = None) -> str:
    """A row saying what the file is, then one row per department, figures rounded half up to two decimals."""
    names = _Names(campaign, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([caption(campaign, stamp, lang)])
    header = [label(lang, k) for k in ("profile", "rank", "key", "department")]
    for part in campaign.parts:
        part_name = names.parts[part.key]
        header += [label(lang, "score_of", part=part_name), label(lang, "points_of", part=part_name)]
    header += [label(lang, k) for k in ("adjustment", "total", "complete", "flags")]
    writer.writerow(header)
    for d in report.departments:
        row: list[str] = [d.profile, _rank_text(d), d.key, _name(d, lang)]
        for part in campaign.parts:
            result = d.parts.get(part.key)
            if result is None:
                row += ["", ""]
            else:
                row += ["" if result.score is None else format_points(result.score), format_points(result.points)]
        row += [
            format_points(d.adjustment),
            _total_text(d),
            label(lang, "yes" if d.complete else "no"),
            "; ".join(_flag_text(f, names, lang) for f in d.flags),
        ]
        writer.writerow(row)
    return out.getvalue()


def render_json(report: Report, *, stamp: FileStamp | None = None) -> str:
    data = report.to_json_dict()
    if stamp is not None:
        data = {"campaign": data.pop("campaign"), "generated_at": stamp.made, "provisional": stamp.provisional,
                "view": stamp.view, **data}
    return json.dumps(data, ensure_ascii=False, indent=2)


# -- XLSX ------------------------------------------------------------------------

_XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
_WIDTH_SAMPLE = 2_000  # rows looked at to size columns (the score sheet may hold millions)


def _num(x: float | None) -> float | None:
    """A figure as the workbook holds it: full precision (Excel shows it with two decimals), so rows add up.

    Not a finite number (NaN, infinity) is no figure: the cell stays empty rather than corrupt the file.
    """
    return None if x is None or not math.isfinite(x) else float(x)


class _Book:
    """A write-only workbook: a first row saying what it is, bold frozen header, numbers as '0.00'."""

    def __init__(self, caption: str = "") -> None:
        from openpyxl import Workbook  # a heavy import, only when a workbook is wanted

        self.book = Workbook(write_only=True)
        self.titles: set[str] = set()
        self.caption = caption

    def sheet(self, title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        rows = list(rows)
        ws = self.book.create_sheet(self._unique(title))
        ws.freeze_panes = "A3"
        for i, width in enumerate(_column_widths(header, rows[:_WIDTH_SAMPLE]), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        bold = Font(bold=True)
        first = WriteOnlyCell(ws, value=self.caption)
        first.font = bold
        ws.append([first])
        head = []
        for text in header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append([self._cell(ws, WriteOnlyCell, v) for v in row])

    @staticmethod
    def _cell(ws: Any, make: Any, value: Cell) -> Any:
        if isinstance(value, float):
            cell = make(ws, value=value)
            cell.number_format = "0.00"
            return cell
        return value

    def _unique(self, title: str) -> str:
        # Excel: at most 31 characters, none of []:*?/\ , unique in the book
        clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31] or "-"
        candidate, n = clean, 2
        while candidate.lower() in self.titles:
            suffix = f" {n}"
            candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
        self.titles.add(candidate.lower())
        return candidate

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def _column_widths(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[float]:
    def shown(value: Cell) -> str:
        return f"{value:.2f}" if isinstance(value, float) else "" if value is None else str(value)

    widths = [display_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(shown(value)))
    return [min(max(w + 2, 6), 50) for w in widths]


def render_xlsx(
    report: Report, campaign: Campaign, lang: str = "zh", scores: Iterable[ScoreRow] | None = None,
    *, stamp: FileStamp | None = None,
) -> bytes:
    """Workbook: a ranked summary per profile, a sheet per part, group detail, flags, and with
    `scores` (admins only) every individual score. Row 1 of every sheet says what the file is."""
    names = _Names(campaign, lang)
    book = _Book(caption(campaign, stamp, lang))
    for profile, depts in report.by_profile().items():
        if depts:
            _summary_sheet(book, campaign, profile, depts, names, lang)
    for part in campaign.parts:
        _part_sheet(book, campaign, report, part.key, names, lang)
    _group_sheet(book, campaign, report, names, lang)
    _flags_sheet(book, report, names, lang)
    if scores is not None:
        _score_sheets(book, campaign, scores, names, lang)
    return book.bytes()


def _summary_sheet(
    book: _Book, campaign: Campaign, profile: str, depts: list[DepartmentResult], names: _Names, lang: str
) -> None:
    external = campaign.is_external(profile)
    parts = [] if external else _profile_parts(campaign, profile)
    header = [label(lang, k) for k in ("rank", "key", "department", "sector")]
    header += [f"{names.parts[key]}({weight:g})" for key, weight in parts]
    header += [] if external else [label(lang, "adjustment")]
    header += [label(lang, "external_result" if external else "total"), label(lang, "complete"), label(lang, "flags")]
    rows = []
    for d in depts:
        row: list[Cell] = [UNKNOWN if d.rank is None else d.rank, d.key, _name(d, lang),
                           names.sectors.get(d.sector, d.sector)]
        row += [_num(d.parts[key].points) if key in d.parts else None for key, _ in parts]
        row += [] if external else [_num(d.adjustment)]
        row += [UNKNOWN if d.total is None else _num(d.total), label(lang, "yes" if d.complete else "no"),
                _flags_cell(d, names, lang)]
        rows.append(row)
    book.sheet(f"{label(lang, 'summary')} {profile_label(lang, profile)}", header, rows)


def _flags_cell(dept: DepartmentResult, names: _Names, lang: str) -> str:
    return "; ".join(_flag_text(f, names, lang) for f in dept.flags)


def _part_sheet(book: _Book, campaign: Campaign, report: Report, part: str, names: _Names, lang: str) -> None:
    groups = next(p for p in campaign.parts if p.key == part).groups
    header = [label(lang, k) for k in ("key", "department", "profile")]
    header += [names.groups[g.key] for g in groups]
    header += [label(lang, k) for k in ("part_score", "weight", "points")]
    rows = []
    for d in report.departments:
        result = d.parts.get(part)
        if result is None:
            continue  # external, or the part weighs 0 in the department's profile
        row: list[Cell] = [d.key, _name(d, lang), profile_label(lang, d.profile)]
        row += [_num(result.groups[g.key].score) for g in groups]
        row += [_num(result.score), result.weight, _num(result.points)]
        rows.append(row)
    book.sheet(names.parts[part], header, rows)


def _group_sheet(book: _Book, campaign: Campaign, report: Report, names: _Names, lang: str) -> None:
    methods = {g.key: label(lang, f"method.{g.method.value}") for _, g in campaign.groups()}
    header = [
        label(lang, k)
        for k in ("key", "department", "part", "group", "method", "score", "n", "expected", "recused",
                  "pending", "late", "min", "max", "stdev")
    ]
    rows = []
    for d in report.departments:
        for part_key, part in d.parts.items():
            for key, g in part.groups.items():
                rows.append([
                    d.key, _name(d, lang), names.parts[part_key], names.groups[key], methods[key],
                    _num(g.score), g.n, g.expected, g.recused, g.pending, g.late,
                    _num(g.min), _num(g.max), _num(g.stdev),
                ])
    book.sheet(label(lang, "group_detail"), header, rows)


def _flags_sheet(book: _Book, report: Report, names: _Names, lang: str) -> None:
    header = [label(lang, k) for k in ("key", "department", "flag", "concerns")]
    rows = [
        [d.key, _name(d, lang), label(lang, f"flag.{f.kind.value}"), names.concerns(f)]
        for d in report.departments
        for f in d.flags
    ]
    book.sheet(label(lang, "flags"), header, rows)


def _score_sheets(
    book: _Book, campaign: Campaign, scores: Iterable[ScoreRow], names: _Names, lang: str
) -> None:
    header = [label(lang, k) for k in ("rater_key", "rater", "group", "key", "department", "value",
                                       "approved", "late")]
    yes, no, recused = label(lang, "yes"), label(lang, "no"), label(lang, "recused")
    # approval means something only in groups that require it; elsewhere the cell stays empty
    needs_approval = {g.key for _, g in campaign.groups() if g.requires_approval}
    rows: list[list[Cell]] = []
    for s in scores:
        rater, group, dept, value, approved, late = (
            (s.rater, s.group, s.department, s.value, s.approved, s.late) if isinstance(s, ScoreRow) else s
        )
        rows.append([
            rater, names.raters.get(rater, rater), names.groups.get(group, group), dept,
            names.departments.get(dept, dept), recused if value is None else float(value),
            (yes if approved else no) if group in needs_approval else None, yes if late else no,
        ])
    # a sheet holds at most a million rows: continue on "Scores 2", "Scores 3", ...
    per_sheet = _XLSX_MAX_ROWS - 1
    for start in range(0, max(len(rows), 1), per_sheet):
        book.sheet(label(lang, "scores"), header, rows[start : start + per_sheet])
