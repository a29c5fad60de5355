"""Renderings of a Report: terminal table, CSV, JSON and an XLSX workbook.

Every figure a person reads is rounded half up to two decimals here, and
only here; the Report itself stays at full precision. Labels come from
`reports.labels` (Chinese by default, English with lang="en").
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from reports.labels import label, profile_label
from reports.provenance import FileStamp
from scoring.campaign import Campaign
from scoring.disclosure import ADMIN
from scoring.engine import AdjustmentItem, DepartmentResult, Flag, FlagKind, Report, ScoreRow, format_points
from scoring.entries import ScoreEntry

Cell = str | int | float | None

# -- untrusted text in files -----------------------------------------------------------
# Every name, key, comment and reason comes from a campaign file, an import or a chat: a spreadsheet must
# show it, never run it. OWASP's advice for CSV: a text cell that starts like a formula gets a leading
# single quote. In XLSX the cell is typed as a string (openpyxl would write '=...' as a formula).

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # characters Excel keeps in a cell; a longer field is cut, with '…', not lost silently


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def csv_text(text: str) -> str:
    """A text field as a CSV cell that no spreadsheet will run."""
    text = _bounded(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Cell) -> str:
    """Figures as two decimals (numbers stay numbers), text made safe; no figure (None, NaN) as empty."""
    if isinstance(value, bool):
        raise TypeError("a yes/no cell is written as its label")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_points(value) if math.isfinite(value) else ""
    return "" if value is None else csv_text(value)


def _csv_writer(out: io.StringIO) -> Any:
    writer = csv.writer(out, lineterminator="\n")

    class _Safe:
        @staticmethod
        def writerow(row: Sequence[Cell]) -> None:
            writer.writerow([_csv_cell(v) for v in row])

    return _Safe()


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
    """A ranked table per profile, two decimals half up; '*' marks incomplete, '+' late entries, '!' a capped
    adjustment."""
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
            # '!': the adjustments went past the cap (a space elsewhere keeps the figures in line)
            format_points(d.adjustment) + ("!" if d.adjustment_clamped else " "),
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


def _adjustment_text(a: AdjustmentItem) -> str:
    """'#3 +2 省级表彰': the register's id first (a cell starting with '+' would be read as a formula)."""
    text = f"{a.points:+g} {a.reason}".strip()
    return text if a.id is None else f"#{a.id} {text}"


def render_csv(report: Report, campaign: Campaign, lang: str = "zh", *, stamp: FileStamp | None = None) -> str:
    """A row saying what the file is, then one row per department, figures rounded half up to two decimals."""
    names = _Names(campaign, lang)
    out = io.StringIO()
    writer = _csv_writer(out)
    writer.writerow([caption(campaign, stamp, lang)])
    header = [label(lang, k) for k in ("profile", "rank", "key", "department")]
    for part in campaign.parts:
        part_name = names.parts[part.key]
        header += [label(lang, "score_of", part=part_name), label(lang, "points_of", part=part_name)]
    header += [label(lang, k) for k in ("adjustment", "adjustment_clamped", "adjustment_items", "total", "complete",
                                        "flags")]
    writer.writerow(header)
    for d in report.departments:
        row: list[Cell] = [d.profile, UNKNOWN if d.rank is None else d.rank, d.key, _name(d, lang)]
        for part in campaign.parts:
            result = d.parts.get(part.key)
            if result is None:
                row += [None, None]
            else:
                row += [result.score, result.points]
        row += [
            d.adjustment,
            label(lang, "yes" if d.adjustment_clamped else "no"),
            "; ".join(_adjustment_text(a) for a in d.adjustments),
            UNKNOWN if d.total is None else d.total,
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
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        rows = list(rows)
        ws = self.book.create_sheet(self._unique(title))
        ws.freeze_panes = "A3"
        for i, width in enumerate(_column_widths(header, rows[:_WIDTH_SAMPLE]), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        bold = Font(bold=True)
        first = _as_cell(ws, self.caption)
        first.font = bold
        ws.append([first])
        head = []
        for text in header:
            cell = _as_cell(ws, text)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append([xlsx_cell(ws, v) for v in row])

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


def xlsx_cell(ws: Any, value: Cell) -> Any:
    """A value as a write-only sheet takes it: figures as numbers shown '0.00', text always as text.

    openpyxl writes a string that starts with '=' as a formula: such a cell is typed as a string.
    Characters XML cannot hold are dropped, an over-long text is cut, NaN and infinity leave the cell empty.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "0.00"
        return cell
    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = _bounded(value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # a string, whatever it looks like: never a formula
        return cell
    return value


def _as_cell(ws: Any, value: Cell) -> Any:
    """`xlsx_cell`, always as a cell object (to be styled)."""
    from openpyxl.cell import WriteOnlyCell

    made = xlsx_cell(ws, value)
    return WriteOnlyCell(ws, value=made) if made is None or isinstance(made, str | int | float) else made


def _column_widths(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[float]:
    def shown(value: Cell) -> str:
        return f"{value:.2f}" if isinstance(value, float) else "" if value is None else str(value)

    widths = [display_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(shown(value)))
    return [min(max(w + 2, 6), 50) for w in widths]


def render_xlsx(
    report: Report, campaign: Campaign, lang: str = "zh", scores: Iterable[ScoreEntry | ScoreRow] | None = None,
    *, stamp: FileStamp | None = None, audit: Iterable[Sequence[Cell]] | None = None,
) -> bytes:
    """Workbook: a ranked summary per profile, a sheet per part, group detail, flags, and with
    `scores` (admins only) every individual score; with `audit` (admins only: rows of id, local time,
    actor, action, subject, old, new, source, chain hash) the audit log. Row 1 of every sheet says what
    the file is."""
    names = _Names(campaign, lang)
    book = _Book(caption(campaign, stamp, lang))
    for profile, depts in report.by_profile().items():
        if depts:
            _summary_sheet(book, campaign, profile, depts, names, lang)
    for part in campaign.parts:
        _part_sheet(book, campaign, report, part.key, names, lang)
    _group_sheet(book, campaign, report, names, lang)
    _adjustments_sheet(book, report, lang)
    _flags_sheet(book, report, names, lang)
    if scores is not None:
        _score_sheets(book, campaign, scores, names, lang)
    if audit is not None:
        header = [label(lang, "id"), *(label(lang, f"audit.{k}") for k in ("at", "actor", "action", "subject", "old",
                                                                            "new")),
                  label(lang, "source"), label(lang, "audit.hash")]
        book.sheet(label(lang, "audit"), header, audit)
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
                # no score where one was due, or a spread withheld from this view (n > 0): "—", never blank
                score = _num(g.score) if g.score is not None or not (g.expected or g.n) else UNKNOWN
                spread = [_num(x) if x is not None or not g.n else UNKNOWN for x in (g.min, g.max, g.stdev)]
                rows.append([
                    d.key, _name(d, lang), names.parts[part_key], names.groups[key], methods[key],
                    score, g.n, g.expected, g.recused, g.pending, g.late, *spread,
                ])
    book.sheet(label(lang, "group_detail"), header, rows)


def _adjustments_sheet(book: _Book, report: Report, lang: str) -> None:
    """Every adjustment in force with its reason, and what its department's adjustments came to (capped or not)."""
    header = [label(lang, k) for k in ("key", "department", "id", "value", "adjustment_reason", "adjustment",
                                       "adjustment_clamped")]
    rows = [
        [d.key, _name(d, lang), a.id, float(a.points), a.reason, _num(d.adjustment),
         label(lang, "yes" if d.adjustment_clamped else "no")]
        for d in report.departments
        for a in d.adjustments
    ]
    book.sheet(label(lang, "adjustment"), header, rows)


def _flags_sheet(book: _Book, report: Report, names: _Names, lang: str) -> None:
    header = [label(lang, k) for k in ("key", "department", "flag", "concerns")]
    rows = [
        [d.key, _name(d, lang), label(lang, f"flag.{f.kind.value}"), names.concerns(f)]
        for d in report.departments
        for f in d.flags
    ]
    book.sheet(label(lang, "flags"), header, rows)


def _entry(s: ScoreEntry | ScoreRow | tuple) -> ScoreEntry:
    """A bare score row (rater, group, department, value, approved, late) as an entry with no record around it."""
    if isinstance(s, ScoreEntry):
        return s
    rater, group, dept, value, approved, late = (
        (s.rater, s.group, s.department, s.value, s.approved, s.late) if isinstance(s, ScoreRow) else s
    )
    return ScoreEntry(rater, group, dept, value, value is None, None, None, "", "", "", approved, late)


ENTRY_COLUMNS = ("rater_key", "rater", "group", "key", "department", "value", "comment", "reason", "source",
                 "entered_by", "at", "approved", "late")


def _entry_rows(campaign: Campaign, entries: Iterable[ScoreEntry | ScoreRow], names: _Names,
                lang: str) -> Iterator[list[Cell]]:
    yes, no, recused = label(lang, "yes"), label(lang, "no"), label(lang, "recused")
    # approval means something only in groups that require it; elsewhere the cell stays empty
    needs_approval = {g.key for _, g in campaign.groups() if g.requires_approval}
    for raw in entries:
        e = _entry(raw)
        value: Cell = recused if e.recused else None if e.value is None else float(e.value)
        yield [
            e.rater, names.raters.get(e.rater, e.rater), names.groups.get(e.group, e.group), e.department,
            names.departments.get(e.department, e.department), value, e.comment, e.reason,
            label(lang, f"source.{e.source}") if e.source in ("bot", "proxy", "import") else e.source or None,
            e.entered_by or None, e.at or None,
            (yes if e.approved else no) if e.group in needs_approval else None, yes if e.late else no,
        ]


def _score_sheets(
    book: _Book, campaign: Campaign, scores: Iterable[ScoreEntry | ScoreRow], names: _Names, lang: str
) -> None:
    header = [label(lang, k) for k in ENTRY_COLUMNS]
    rows = list(_entry_rows(campaign, scores, names, lang))
    # a sheet holds at most a million rows: continue on "Scores 2", "Scores 3", ...
    per_sheet = _XLSX_MAX_ROWS - 2  # the caption and the header
    for start in range(0, max(len(rows), 1), per_sheet):
        book.sheet(label(lang, "scores"), header, rows[start : start + per_sheet])


# -- kaoping scores: the whole record ----------------------------------------------------------


def render_scores_csv(entries: Iterable[ScoreEntry], campaign: Campaign, lang: str = "zh", *,
                      stamp: FileStamp | None = None) -> str:
    """Every entry: rater, group, department, value, comment, recusal reason, source, entered by, time."""
    names = _Names(campaign, lang)
    out = io.StringIO()
    writer = _csv_writer(out)
    writer.writerow([caption(campaign, stamp, lang)])
    writer.writerow([label(lang, k) for k in ENTRY_COLUMNS])
    for row in _entry_rows(campaign, entries, names, lang):
        # a value keeps its one decimal as entered (87.5, not 87.50): it is a score, not a computed figure
        writer.writerow([f"{v:g}" if isinstance(v, float) and math.isfinite(v) else v for v in row])
    return out.getvalue()


def render_scores_xlsx(entries: Iterable[ScoreEntry], campaign: Campaign, lang: str = "zh", *,
                       stamp: FileStamp | None = None) -> bytes:
    names = _Names(campaign, lang)
    book = _Book(caption(campaign, stamp, lang))
    _score_sheets(book, campaign, entries, names, lang)
    return book.bytes()
