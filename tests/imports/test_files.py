"""Hostile files are refused with one clear problem each, quickly, before they are parsed whole."""

from __future__ import annotations

import io
import zipfile

import pytest

from reports.import_files import Limits, read_table
from reports.imports import read_import
from scoring.assignments import expand
from scoring.campaign import Campaign
from scoring.imports import ImportRejected
from tests.imports import hostile


@pytest.fixture(scope="module")
def assigned(small: Campaign) -> set[tuple[str, str, str]]:
    return {(a.rater, a.group, a.department) for a in expand(small)}


def problems(campaign: Campaign, assigned: set, data: bytes, source: str = "up.xlsx", **limits) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        read_import(data, source, campaign, assigned, limits=Limits(**limits) if limits else Limits())
    assert all(p.source == source for p in info.value.problems)
    return [f"{p.line}: {p.message}" for p in info.value.problems]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(hostile.million_rows, "1: the sheet declares 1,000,000 rows", id="million-rows-declared"),
        pytest.param(lambda: hostile.million_rows(None), "100001: more than 100,000 rows", id="million-rows-no-dim"),
        pytest.param(lambda: hostile.million_rows("A1:D2"), "100001: more than 100,000 rows", id="million-rows-lying"),
        pytest.param(hostile.far_cell, "1: the sheet declares 1,048,576 rows", id="XFD1048576-declared"),
        pytest.param(lambda: hostile.far_cell(None), "1048576: more than 100,000 rows", id="XFD1048576-no-dim"),
        pytest.param(lambda: hostile.far_cell("A1:D2"), "1048576: more than 100,000 rows", id="XFD1048576-lying"),
        pytest.param(hostile.far_column, "2: a value in column XFD2; at most 26 columns", id="column-XFD"),
        pytest.param(lambda: hostile.far_column("A1:XFD2"), "1: the sheet declares 16,384 columns", id="cols-declared"),
        pytest.param(hostile.lying_sizes, "1: cannot read the workbook", id="zip-lies-about-sizes"),
        pytest.param(lambda: b"PK\x03\x04" + b"\x00" * 100, "1: cannot read the workbook", id="corrupt-zip"),
    ],
)
def test_hostile_workbooks_get_one_clear_problem(small: Campaign, assigned: set, make, words: str) -> None:
    assert [p for p in problems(small, assigned, make())] and problems(small, assigned, make())[0].startswith(words)


def test_a_part_declared_bigger_than_allowed_is_not_unpacked(small: Campaign, assigned: set) -> None:
    data = hostile.workbook(hostile.sheet("<row><c><v>1</v></c></row>" * 50_000, None))  # ~1.3 MB unpacked
    (problem,) = problems(small, assigned, data, max_xml_bytes=1_000_000)
    assert "xl/worksheets/sheet1.xml unpacks to" in problem and "at most 1,000,000" in problem


def test_too_many_zip_parts(small: Campaign, assigned: set) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in range(20):
            z.writestr(f"x{n}.xml", "<a/>")
    (problem,) = problems(small, assigned, out.getvalue(), max_parts=10)
    assert "20 parts; at most 10" in problem


def test_entities_are_refused(small: Campaign, assigned: set) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    (problem,) = problems(small, assigned, hostile.workbook(bomb.encode()))
    assert "DOCTYPE" in problem


def test_an_oversized_xlsx_cell_is_a_row_problem(small: Campaign, assigned: set) -> None:
    assert problems(small, assigned, hostile.oversized_inline_cell()) == [
        "2: column score: longer than 4,000 characters"]


def test_a_csv_cell_over_128_kib_is_a_row_problem_not_a_crash(small: Campaign, assigned: set) -> None:
    # the csv module's own field limit is 131,072 characters: it used to raise _csv.Error (a traceback)
    data = hostile.csv_with_long_cell()
    assert problems(small, assigned, data, "up.csv") == ["2: column comment: longer than 4,000 characters"]


def test_a_long_cell_under_the_limit_is_fine(small: Campaign, assigned: set) -> None:
    data = ("rater,group,department,score,comment\nc_fgw,sector_peers,czj,90," + "好" * 4000 + "\n").encode()
    kind, rows = read_import(data, "up.csv", small, assigned)
    assert kind == "scores" and len(rows[0].comment) == 4000


@pytest.mark.parametrize(
    ("data", "words"),
    [
        pytest.param(b"", "1: the file is empty", id="empty"),
        pytest.param(b"rater,group,department,score\nc_fgw,sector_peers,czj,9\x000\n", "1: the file holds NUL bytes",
                     id="nul-bytes"),
        pytest.param("rater,group\n".encode("utf-16"), "1: the file holds NUL bytes", id="utf-16"),
        pytest.param(b"\xff\xfe\x00\x81", "1: the file holds NUL bytes", id="binary"),
        pytest.param(b"\x81\x30\x81", "1: not a CSV in UTF-8 or GBK", id="neither-utf8-nor-gbk"),
        pytest.param(b"a,b\n" * 100_001, "100001: more than 100,000 rows", id="csv-rows"),
        pytest.param(b"rater,group,department,score" + b",x" * 30 + b"\n", "1: 34 columns; at most 26",
                     id="csv-columns"),
        pytest.param(b"x" * (5 * 1024 * 1024 + 1), "1: the file is 5,242,881 bytes", id="too-big"),
        pytest.param(b"rater,group,department,score\nc_fgw,sector_peers,czj,1e2\n", "2: '1e2' is not a number",
                     id="exponent"),
    ],
)
def test_hostile_csv(small: Campaign, assigned: set, data: bytes, words: str) -> None:
    found = problems(small, assigned, data, "up.csv")
    assert found[0].startswith(words), found


def test_an_unknown_name_is_echoed_short(small: Campaign, assigned: set) -> None:
    data = ("rater,group,department,score\n" + "x" * 3_000 + ",sector_peers,czj,90\n").encode()
    (problem,) = problems(small, assigned, data, "up.csv")
    assert len(problem) < 200 and problem.startswith("2: unknown rater 'xxx")


def test_time_is_bounded(small: Campaign, assigned: set) -> None:
    data = ("rater,group,department,score\n" + "c_fgw,sector_peers,czj,90\n" * 5000).encode()
    assert problems(small, assigned, data, "up.csv", seconds=0.0)[0].endswith(
        "reading the file took too long; split it into smaller files")


def test_rows_keep_their_numbers_when_the_workbook_omits_them(small: Campaign, assigned: set) -> None:
    rows = ('<row><c t="inlineStr"><is><t>c_fgw</t></is></c><c t="inlineStr"><is><t>sector_peers</t></is></c>'
            '<c t="inlineStr"><is><t>czj</t></is></c><c><v>120</v></c></row>')
    assert problems(small, assigned, hostile.workbook(hostile.sheet(rows, None))) == [
        "2: 120 is off the scale; expected a number from 0 to 100 with at most 1 decimal(s)"]


def test_shared_strings_and_phonetic_runs(small: Campaign, assigned: set) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["rater", "group", "department", "score", "comment"])
    book.active.append(["c_fgw", "sector_peers", "czj", 90.0, "很好"])
    out = io.BytesIO()
    book.save(out)
    assert read_table(out.getvalue(), "s.xlsx") == [(2, {"rater": "c_fgw", "group": "sector_peers",
                                                         "department": "czj", "score": "90", "comment": "很好"})]


def test_time_is_bounded_in_a_workbook_too(small: Campaign, assigned: set) -> None:
    rows = "".join(f'<row r="{n * 3}"><c><v>1</v></c></row>' for n in range(1, 20_000))  # sparse numbers
    found = problems(small, assigned, hostile.workbook(hostile.sheet(rows, None)), seconds=0.0)
    assert found[0].endswith("reading the file took too long; split it into smaller files")
