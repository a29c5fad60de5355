"""Untrusted text in report files: shown, never run; huge fields and NaN never break a file (issue 10, point 5)."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from reports.exports import MAX_CELL, render_csv, render_scores_csv, render_scores_xlsx, render_xlsx
from scoring.assignments import expand
from scoring.engine import compute
from scoring.entries import ScoreEntry
from tests.texts.labels import heads, label, summary_sheet

HYPERLINK = '=HYPERLINK("http://x","a")'


def _example():
    path = Path(__file__).with_name("test_engine.py")
    spec = importlib.util.spec_from_file_location("scoring_engine_example_safe", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = _example()


def hostile_campaign():
    campaign = example.build_campaign()
    names = {"A": HYPERLINK, "B": "+1+2", "C": "@SUM(A1:A2)", "D": "-2+3"}
    departments = [d.model_copy(update={"name": names.get(d.key, d.name)}) for d in campaign.departments]
    return campaign.model_copy(update={"departments": departments})


def formulas(data: bytes) -> list[str]:
    """Every formula element in the workbook's sheets, read from the XML itself."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [name for name in z.namelist() if name.startswith("xl/worksheets/") and b"<f>" in z.read(name)]


def entries() -> list[ScoreEntry]:
    return [
        ScoreEntry("l1", "leaders", "A", 87.5, False, None, "=1+2", "bot", "rater:l1", "2025-01-08 14:30"),
        ScoreEntry("l2", "leaders", "A", None, True, "-本人曾任该局局长", None, "proxy", "collector:col", "2025-01-08"),
        ScoreEntry("l3", "leaders", "B", None, False, None, "\t@cmd", "import", "cli", "2025-01-09"),
        ScoreEntry("l4", "leaders", "B", float("nan"), False, None, "x" * 200_000 + "\x07", "import", "cli", ""),
    ]


def test_a_department_named_like_a_formula_stays_text_in_every_sheet() -> None:
    campaign = hostile_campaign()
    report = compute(campaign, expand(campaign), example.example_rows(), example.ADJUSTMENTS, example.EXTERNAL)
    data = render_xlsx(report, campaign, scores=entries())
    assert formulas(data) == []
    book = load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert any(c.value == HYPERLINK for c in cells)
    assert all(c.data_type != "f" for c in cells)
    # numbers stay numbers: the -0.25 adjustment of C is a figure, not text
    summary = book[summary_sheet("zh", "standard")]
    header = [c.value for c in summary[2]]
    c_row = next(r for r in summary.iter_rows(min_row=3, values_only=True) if r[1] == "C")
    assert c_row[header.index(label("zh", "adjustment"))] == -0.25


def test_csv_text_that_starts_like_a_formula_gets_a_quote() -> None:
    campaign = hostile_campaign()
    report = compute(campaign, expand(campaign), example.example_rows(), example.ADJUSTMENTS, example.EXTERNAL)
    rows = list(csv.reader(io.StringIO(render_csv(report, campaign))))
    header = rows[1]
    by_key = {r[2]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    department = label("zh", "department")
    assert by_key["A"][department] == "'" + HYPERLINK
    assert by_key["B"][department] == "'+1+2"
    assert by_key["C"][department] == "'@SUM(A1:A2)"
    assert by_key["D"][department] == "'-2+3"
    assert by_key["C"][label("zh", "adjustment")] == "-0.25"  # a figure: no quote


def test_scores_export_is_safe_and_bounded() -> None:
    campaign = example.build_campaign()
    rows = list(csv.reader(io.StringIO(render_scores_csv(entries(), campaign))))
    header, body = rows[1], rows[2:]
    assert header == heads("zh", "rater_key", "rater", "group", "key", "department", "value", "comment", "reason",
                           "source", "entered_by", "at", "approved", "late")
    value, comment, reason, source, by = heads("zh", "value", "comment", "reason", "source", "entered_by")
    first, second, third, fourth = (dict(zip(header, r, strict=True)) for r in body)
    assert (first[value], first[comment], first[source]) == ("87.5", "'=1+2", label("zh", "source.bot"))
    assert first[by] == "rater:l1"
    assert (second[value], second[reason], second[source]) == (label("zh", "recused"), "'-本人曾任该局局长",
                                                               label("zh", "source.proxy"))
    assert third[comment] == "'\t@cmd" and third[source] == label("zh", "source.import")
    assert fourth[value] == ""  # NaN is no value
    assert len(fourth[comment]) == MAX_CELL and fourth[comment].endswith("…")

    data = render_scores_xlsx(entries(), campaign)
    assert formulas(data) == []
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert values[0][5] == 87.5 and values[0][6] == "=1+2"
    assert values[3][5] is None and len(values[3][6]) == MAX_CELL and "\x07" not in values[3][6]
