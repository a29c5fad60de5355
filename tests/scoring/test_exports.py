"""Report renderings of the hand-computed example campaign of test_engine.py."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import load_workbook

from reports.exports import display_width, render_csv, render_json, render_table, render_xlsx
from reports.provenance import FileStamp
from scoring.assignments import expand
from scoring.campaign import Campaign
from scoring.engine import Adjustment, Report, compute, format_points
from tests.texts.labels import heads, label, points_of, profile_label, score_of, summary_sheet


def _example() -> ModuleType:
    """test_engine.py's campaign and rows (test modules are not a package here, so load it by path)."""
    path = Path(__file__).with_name("test_engine.py")
    spec = importlib.util.spec_from_file_location("scoring_engine_example", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


example = _example()


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return example.build_campaign()


@pytest.fixture(scope="module")
def report(campaign: Campaign) -> Report:
    return compute(campaign, expand(campaign), example.example_rows(), example.ADJUSTMENTS, example.EXTERNAL)


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_xlsx_sheets_and_chinese_headers(report: Report, campaign: Campaign) -> None:
    book = _book(render_xlsx(report, campaign))
    assert book.sheetnames == [
        *(summary_sheet("zh", profile) for profile in ("standard", "vertical", "financial")),
        "分口考核", "重点工作", "基层评议", "有关部门评议", "领导评议",
        *heads("zh", "group_detail", "adjustment", "flags"),
    ]
    summary = book[summary_sheet("zh", "standard")]
    header = [c.value for c in summary[2]]  # row 1 says what the file is
    assert header[:4] == heads("zh", "rank", "key", "department", "sector")
    assert header[-4:] == heads("zh", "adjustment", "total", "complete", "flags")
    assert "分口考核(25)" in header
    assert [c.value for c in book[label("zh", "group_detail")][2]][:6] == heads(
        "zh", "key", "department", "part", "group", "method", "score")
    for ws in book.worksheets:
        assert ws.freeze_panes == "A3"
        assert all(c.font.bold for c in ws[2])


def test_xlsx_numbers_are_full_precision_shown_with_two_decimals(report: Report, campaign: Campaign) -> None:
    book = _book(render_xlsx(report, campaign))
    summary = book[summary_sheet("zh", "standard")]
    header = [c.value for c in summary[2]]
    total, rank, key = (header.index(h) for h in heads("zh", "total", "rank", "key"))
    rows = list(summary.iter_rows(min_row=3))
    assert [r[key].value for r in rows] == ["A", "B", "C", "D"]
    parts = [i for i, h in enumerate(header) if h.endswith(")")]
    for row in rows:
        dept = report.department(row[key].value)
        assert row[rank].value == dept.rank
        assert row[total].value == dept.total  # the exact figure; Excel shows it to two decimals
        assert row[total].number_format == "0.00"
        # a row adds up in Excel: its parts and adjustment make its total
        added = sum(row[i].value or 0 for i in parts) + row[header.index(label("zh", "adjustment"))].value
        assert added == pytest.approx(row[total].value, abs=1e-9)
    a = rows[0]
    assert a[total].value == 88.375 and format_points(a[total].value) == "88.38"
    assert a[header.index("领导评议(15)")].value == 13.125  # 87.5 x 15 / 100
    part = book["领导评议"]
    part_header = [c.value for c in part[2]]
    first = [c.value for c in part[3]]
    assert first[part_header.index("领导")] == 87.5


def test_xlsx_group_detail_and_flags(report: Report, campaign: Campaign) -> None:
    book = _book(render_xlsx(report, campaign))
    detail = book[label("zh", "group_detail")]
    expected_rows = sum(len(p.groups) for d in report.departments for p in d.parts.values())
    assert detail.max_row == 2 + expected_rows
    header = [c.value for c in detail[2]]
    leaders_a = next(r for r in detail.iter_rows(min_row=3, values_only=True) if r[0] == "A" and r[3] == "领导")
    row = dict(zip(header, leaders_a, strict=True))
    n, expected, low, high, stdev = heads("zh", "n", "expected", "min", "max", "stdev")
    assert (row[n], row[expected], row[low], row[high]) == (4, 4, 60, 95)
    assert row[stdev] == pytest.approx(181.25**0.5, abs=1e-12)
    flags = book[label("zh", "flags")]
    assert flags.max_row == 2 + sum(len(d.flags) for d in report.departments)
    missing = label("zh", "flag.missing_external")
    assert ("G", "农商银行", missing, None) in list(flags.iter_rows(min_row=3, values_only=True))


def test_xlsx_individual_scores_for_admins(report: Report, campaign: Campaign) -> None:
    rows = example.example_rows()
    book = _book(render_xlsx(report, campaign, scores=rows))
    sheet = book[label("zh", "scores")]
    assert sheet.max_row == 2 + len(rows)
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    recused, no = heads("zh", "recused", "no")
    # bare rows carry no record around them (comment, reason, source, by, time: see test_safe_files.py)
    assert ("cV", "评分人cV", "互评", "C", "住建局", recused, None, None, None, None, None, None, no) in values
    assert ("k1", "评分人k1", "牵头领导", "B", "财政局", 60, None, None, None, None, None, no, no) in values


def test_xlsx_in_english(report: Report, campaign: Campaign) -> None:
    book = _book(render_xlsx(report, campaign, lang="en"))
    assert book.sheetnames[:3] == [summary_sheet("en", p) for p in ("standard", "vertical", "financial")]
    assert [c.value for c in book[summary_sheet("en", "standard")][2]][:3] == heads("en", "rank", "key", "department")
    assert book[summary_sheet("en", "standard")]["C3"].value == "Development"


def test_xlsx_sheet_titles_are_made_valid(report: Report, campaign: Campaign) -> None:
    # Excel refuses []:*?/\ and titles over 31 characters; two parts may clean up to the same title
    long_name = "基层/评议[县区和企业]:" + "很长" * 20
    parts = [p.model_copy(update={"name": long_name}) if p.key in ("grassroots", "related") else p
             for p in campaign.parts]
    odd = campaign.model_copy(update={"parts": parts})
    book = _book(render_xlsx(compute(odd, expand(odd), example.example_rows()), odd))
    titles = [t for t in book.sheetnames if t.startswith("基层")]
    assert len(titles) == 2 and len(set(titles)) == 2
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)


def test_csv_parses(report: Report, campaign: Campaign) -> None:
    rows = list(csv.reader(io.StringIO(render_csv(report, campaign))))
    header, body = rows[1], rows[2:]  # row 1 says what the file is
    assert header[:4] == heads("zh", "profile", "rank", "key", "department")
    assert len(body) == len(report.departments)
    assert all(len(r) == len(header) for r in body)
    by_key = {r[2]: dict(zip(header, r, strict=True)) for r in body}
    assert by_key["A"][label("zh", "total")] == "88.38"
    assert by_key["A"][points_of("zh", "领导评议")] == "13.13"
    assert by_key["C"][label("zh", "adjustment")] == "-0.25"
    assert by_key["V"][score_of("zh", "重点工作")] == ""  # not part of the vertical profile
    assert by_key["D"][score_of("zh", "分口考核")] == "" and by_key["D"][points_of("zh", "分口考核")] == "0.00"
    assert by_key["B"][label("zh", "complete")] == label("zh", "no")
    assert label("zh", "flag.missing_external") in by_key["G"][label("zh", "flags")]
    english = list(csv.reader(io.StringIO(render_csv(report, campaign, lang="en"))))
    assert english[1][:4] == heads("en", "profile", "rank", "key", "department")
    assert english[2][3] == "Development"


def test_table_lists_every_department_aligned(report: Report, campaign: Campaign) -> None:
    text = render_table(report, campaign)
    for dept in campaign.departments:
        assert dept.name in text
    lines = text.splitlines()
    assert lines[0] == "2024年度部门考评"
    assert "88.38" in next(line for line in lines if "发展改革委" in line)
    # the standard block: header then four departments; Chinese names are two columns a character,
    # so every line ends at the same column once the markers are set aside
    assert lines[1].startswith("2024年度部门考评（y2024）")  # what the table is: campaign, when made, state
    start = lines.index(label("zh", "profile_title", profile=f"{profile_label('zh', 'standard')} (standard)")) + 1
    block = [line.rstrip(" *+") for line in lines[start : start + 5]]
    assert len({display_width(line) for line in block}) == 1
    english = render_table(report, campaign, lang="en")
    assert all(d.name_en in english for d in campaign.departments)


def test_table_markers(report: Report, campaign: Campaign) -> None:
    lines = render_table(report, campaign).splitlines()
    assert next(line for line in lines if "财政局" in line).endswith("*")  # incomplete
    assert next(line for line in lines if "税务局" in line).endswith("+")  # late entries only
    assert next(line for line in lines if "发展改革委" in line).endswith(format_points(88.375))


def test_json_round_trips(report: Report) -> None:
    text = render_json(report)
    assert json.loads(text) == report.to_json_dict()
    assert "发展改革委" in text  # not escaped


def test_width_counts_wide_characters_twice() -> None:
    assert display_width("abc") == 3
    assert display_width("部门") == 4
    assert display_width("ＡＢ") == 4  # full-width Latin
    assert display_width("e\u0301") == 1  # a combining accent takes no column


def test_unknown_total_is_not_zero_in_any_format(report: Report, campaign: Campaign) -> None:
    # G is external and its result was never imported: no total, no rank, not 0.00 at rank 3
    data = json.loads(render_json(report))
    g = next(d for d in data["departments"] if d["key"] == "G")
    assert (g["total"], g["rank"]) == (None, None)
    table = next(line for line in render_table(report, campaign).splitlines() if "农商银行" in line)
    assert "0.00" not in table and table.split()[0] == "—" and "—" in table.split()[2:]
    rows = {r[2]: r for r in list(csv.reader(io.StringIO(render_csv(report, campaign))))[1:]}
    header = list(csv.reader(io.StringIO(render_csv(report, campaign))))[1]
    row = dict(zip(header, rows["G"], strict=True))
    rank, total, result = heads("zh", "rank", "total", "external_result")
    assert (row[rank], row[total]) == ("—", "—")  # "—" (reports.exports.UNKNOWN) is a figure's mark, not a text
    book = _book(render_xlsx(report, campaign))
    sheet = book[summary_sheet("zh", "financial")]
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    head = next(r for r in cells if rank in r)
    g_row = dict(zip(head, next(r for r in cells if "G" in r), strict=True))
    assert (g_row[rank], g_row[result]) == ("—", "—")


STAMP = FileStamp(made="2025-01-08 14:30 Asia/Shanghai", provisional=True)


def test_every_file_says_what_it_is(report: Report, campaign: Campaign) -> None:
    def states(text: str) -> bool:
        return ("2024年度部门考评" in text and "y2024" in text and "2025-01-08 14:30" in text
                and label("zh", "state.provisional") in text)

    assert states("\n".join(render_table(report, campaign, stamp=STAMP).splitlines()[:2]))
    assert states(next(iter(csv.reader(io.StringIO(render_csv(report, campaign, stamp=STAMP)))))[0])
    book = _book(render_xlsx(report, campaign, stamp=STAMP))
    assert all(states(ws["A1"].value) for ws in book.worksheets)
    data = json.loads(render_json(report, stamp=STAMP))
    assert (data["generated_at"], data["provisional"]) == ("2025-01-08 14:30 Asia/Shanghai", True)
    final = FileStamp(made="2025-02-01 09:00 Asia/Shanghai", provisional=False)
    final_table = render_table(report, campaign, stamp=final)
    assert label("zh", "state.provisional") not in final_table and label("zh", "state.final") in final_table
    english = render_table(report, campaign, lang="en", stamp=STAMP).splitlines()[1]
    assert "2024 assessment" in english and label("en", "state.provisional") in english


def test_adjustments_and_clamping_in_every_file(campaign: Campaign) -> None:
    adjustments = [Adjustment("A", 3.0, 1, "省级表彰"), Adjustment("A", 4.0, 2, "国家级试点"),
                   Adjustment("C", -0.25, 3, "=通报批评")]
    report = compute(campaign, expand(campaign), example.example_rows(), adjustments, example.EXTERNAL)
    line = next(x for x in render_table(report, campaign).splitlines() if "发展改革委" in x)
    assert "5.00!" in line  # clamped: 3 + 4 = 7, capped at 5
    assert "5.00!" not in next(x for x in render_table(report, campaign).splitlines() if "住建局" in x)
    rows = list(csv.reader(io.StringIO(render_csv(report, campaign))))
    by_key = {r[2]: dict(zip(rows[1], r, strict=True)) for r in rows[2:]}
    adjustment, clamped, yes, no = heads("zh", "adjustment", "adjustment_clamped", "yes", "no")
    assert (by_key["A"][adjustment], by_key["A"][clamped]) == ("5.00", yes)
    assert by_key["A"][label("zh", "adjustment_items")] == "#1 +3 省级表彰; #2 +4 国家级试点"
    assert by_key["C"][clamped] == no
    book = _book(render_xlsx(report, campaign))
    sheet = book[adjustment]
    assert [c.value for c in sheet[2]] == heads("zh", "key", "department", "id", "value", "adjustment_reason",
                                                "adjustment", "adjustment_clamped")
    listed = list(sheet.iter_rows(min_row=3, values_only=True))
    assert ("A", "发展改革委", 1, 3, "省级表彰", 5, yes) in listed
    assert ("C", "住建局", 3, -0.25, "=通报批评", -0.25, no) in listed
