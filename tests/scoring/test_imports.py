"""Score sheets and external results from CSV (UTF-8, UTF-8 with BOM, GBK) and XLSX.

Every row is checked before anything is returned; each bad row is listed with
its line (CSV: the physical line where the record starts; XLSX: the row number).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from reports.imports import parse_results, parse_scores, read_table
from scoring.assignments import expand
from scoring.campaign import Campaign
from scoring.imports import ImportRejected, ResultRow, RowProblem

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = "rater,group,department,score,comment"


@pytest.fixture(scope="module")
def assigned(small: Campaign) -> set[tuple[str, str, str]]:
    return {(a.rater, a.group, a.department) for a in expand(small)}


def scores(campaign: Campaign, data: bytes, assigned: set, locked: frozenset = frozenset(), source: str = "s.csv"):
    rows = parse_scores(campaign, read_table(data, source), source, assigned, locked)
    return [(r.rater, r.group, r.department, r.value, r.comment) for r in rows]


def rejected(campaign: Campaign, data: bytes, assigned: set, locked: frozenset = frozenset(),
             source: str = "s.csv") -> list[RowProblem]:
    with pytest.raises(ImportRejected) as info:
        scores(campaign, data, assigned, locked, source)
    assert all(p.source == source for p in info.value.problems)
    return info.value.problems


def xlsx(rows: list[list[object]], start_row: int = 1) -> bytes:
    book = Workbook()
    sheet = book.active
    for n, row in enumerate(rows, start=start_row):
        for col, value in enumerate(row, start=1):
            sheet.cell(row=n, column=col, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- encodings and formats -------------------------------------------------------------

# the GBK file names raters, groups and departments by their Chinese names, uses
# full-width digits and has a comment spanning two lines (CRLF, as Excel writes)
GBK_EXPECTED = [
    ("c_fgw", "sector_peers", "czj", 95.5, "工作扎实"),
    ("c_fgw", "sector_peers", "tax", 88.0, None),
    ("c_czj", "sector_peers", "fgw", 90.0, "服务意识强，\r\n沟通顺畅"),
    ("panel_econ", "sector_panel", "fgw", 92.5, None),
]


def test_gbk_csv_with_chinese_names_and_full_width_digits(small: Campaign, assigned: set) -> None:
    data = (DATA / "scores_gbk_small.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK
    assert scores(small, data, assigned) == GBK_EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_csv_with_and_without_bom(small: Campaign, assigned: set, encoding: str) -> None:
    text = (DATA / "scores_gbk_small.csv").read_bytes().decode("gbk")
    data = text.encode(encoding)
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert scores(small, data, assigned) == GBK_EXPECTED


def test_header_case_and_spaces_do_not_matter(small: Campaign, assigned: set) -> None:
    data = b" Rater , GROUP ,Department,Score\n c_fgw , sector_peers , czj , 95 \n"
    assert scores(small, data, assigned) == [("c_fgw", "sector_peers", "czj", 95.0, None)]


def test_xlsx(small: Campaign, assigned: set) -> None:
    # numeric cells (int and float), text cells, Chinese names, the header not on row 1, a blank row
    data = xlsx(
        [
            ["rater", "group", "department", "score", "comment"],
            ["c_fgw", "sector_peers", "czj", 87.5, "好"],
            [None, None, None, None, None],
            ["市财政局考评联络员", "口内部门互评", "市发展和改革委员会", 90, None],
            ["panel_econ", "sector_panel", "tax", "９１", None],
        ],
        start_row=3,
    )
    assert data[:2] == b"PK"
    assert scores(small, data, assigned, source="s.xlsx") == [
        ("c_fgw", "sector_peers", "czj", 87.5, "好"),
        ("c_czj", "sector_peers", "fgw", 90.0, None),
        ("panel_econ", "sector_panel", "tax", 91.0, None),
    ]


def test_xlsx_bad_rows_are_named_by_row_number(small: Campaign, assigned: set) -> None:
    data = xlsx(
        [
            ["rater", "group", "department", "score"],
            ["c_fgw", "sector_peers", "czj", 100.5],
            ["c_fgw", "sector_peers", "tax", 80],
            ["c_fgw", "sector_peers", "wjw", 80],
        ],
        start_row=2,
    )
    problems = rejected(small, data, assigned, source="s.xlsx")
    assert [p.line for p in problems] == [3, 5]
    assert "off the scale" in problems[0].message
    assert "not assigned" in problems[1].message


def test_damaged_workbook(small: Campaign, assigned: set) -> None:
    problems = rejected(small, b"PK\x03\x04 not really a zip", assigned, source="s.xlsx")
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(1, "cannot read the workbook")]


def test_neither_text_nor_workbook(small: Campaign, assigned: set) -> None:
    problems = rejected(small, b"\xff\xfe\x00\x81", assigned)
    assert [p.line for p in problems] == [1]
    assert "UTF-8 or GBK" in problems[0].message


@pytest.mark.parametrize(
    ("cell", "value"),
    [("９５", 95.0), ("８７．５", 87.5), ("87。5", 87.5), (" 100 ", 100.0), ("0", 0.0), ("60.0", 60.0)],
)
def test_score_spellings(small: Campaign, assigned: set, cell: str, value: float) -> None:
    data = f"rater,group,department,score\nc_fgw,sector_peers,czj,{cell}\n".encode()
    assert scores(small, data, assigned) == [("c_fgw", "sector_peers", "czj", value, None)]


# -- bad rows ---------------------------------------------------------------------------


def test_every_bad_row_is_listed_with_its_line(small: Campaign, assigned: set) -> None:
    data = (DATA / "scores_bad_small.csv").read_bytes()
    lines = data.decode().splitlines()

    def line(start: str, nth: int = 1) -> int:
        return [i for i, text in enumerate(lines, start=1) if text.startswith(start)][nth - 1]

    problems = rejected(small, data, assigned, source="scores_bad_small.csv")
    expected = {
        line("nobody,"): "unknown rater 'nobody'",
        line("c_fgw,sector_peers,jyj,"): "c_fgw is not assigned jyj in group sector_peers",
        line("c_fgw,sector_peers,tax,105"): "105 is off the scale",
        line("市财政局考评联络员,"): "87.25 has too many decimals",
        line("c_fgw,sector_peers,czj,", 2): f"duplicate of line {line('c_fgw,sector_peers,czj,')}",
        line("c_tax,sector_peers,fgw,,"): "'' is not a number",
        line("c_tax,sector_panel,fgw,"): "c_tax is not assigned fgw in group sector_panel",
        line("panel_econ,sector_panel,nowhere"): "unknown department 'nowhere'",
        line("panel_econ,sector_panle"): "unknown group 'sector_panle'",
        line("panel_econ,sector_panel,czj,九十"): "'九十' is not a number",
        line("panel_econ,sector_panel,tax"): "'' is not a number",  # a short row: its score cell is missing
    }
    assert {p.line: p.message for p in problems}.keys() == expected.keys()
    for p in problems:
        assert expected[p.line] in p.message, (p.line, p.message)
    assert len(problems) == len(expected)  # one entry per bad row, the good row is not listed
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert str(problems[0]) == f"scores_bad_small.csv:{problems[0].line}: {problems[0].message}"


def test_one_row_with_several_faults_lists_them_all(small: Campaign, assigned: set) -> None:
    problems = rejected(small, b"rater,group,department,score\nnobody,nogroup,nowhere,101\n", assigned)
    assert len(problems) == 1 and problems[0].line == 2
    for part in ("unknown rater 'nobody'", "unknown group 'nogroup'", "unknown department 'nowhere'", "off the scale"):
        assert part in problems[0].message


def test_duplicate_by_key_and_by_name(small: Campaign, assigned: set) -> None:
    data = "rater,group,department,score\nc_fgw,sector_peers,czj,90\n市发展改革委考评联络员,口内部门互评,市财政局,91\n"
    problems = rejected(small, data.encode(), assigned)
    assert [(p.line, p.message) for p in problems] == [(3, "duplicate of line 2")]


def test_a_shared_name_is_refused_not_guessed(small: Campaign) -> None:
    # two raters with one name (the campaign file does not forbid it): the row must say which, by key
    twin = small.model_copy(update={"raters": [
        *small.raters, small.rater("c_czj").model_copy(update={"key": "c_czj2"}),
    ]})
    assigned = {(a.rater, a.group, a.department) for a in expand(twin)}
    data = "rater,group,department,score\n市财政局考评联络员,sector_peers,fgw,90\nc_czj2,sector_peers,fgw,90\n"
    problems = rejected(twin, data.encode(), assigned)
    assert [(p.line, p.message) for p in problems] == [
        (2, "'市财政局考评联络员' names more than one rater; use the key"),
    ]


def test_locked_sheet(small: Campaign, assigned: set) -> None:
    data = b"rater,group,department,score\nc_fgw,sector_peers,czj,90\nc_fgw,self_eval,fgw,90\n" \
        b"c_czj,sector_peers,fgw,90\n"
    problems = rejected(small, data, assigned, locked=frozenset({("c_fgw", "sector_peers"), ("c_czj", "self_eval")}))
    assert [p.line for p in problems] == [2]
    assert "submitted and locked" in problems[0].message


def test_lines_after_a_multi_line_comment(small: Campaign, assigned: set) -> None:
    data = f'{HEADER}\nc_fgw,sector_peers,czj,105,"two\nlines"\nc_fgw,sector_peers,tax,101,\n'.encode()
    problems = rejected(small, data, assigned)
    assert [p.line for p in problems] == [2, 4]  # where each record starts


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        pytest.param(b"rater,group,score\nc_fgw,sector_peers,90\n", 1, "missing column(s) department",
                     id="missing-column"),
        pytest.param(b"rater,department\nc_fgw,czj\n", 1, "missing column(s) group, score", id="missing-columns"),
        pytest.param(b"", 1, "the file is empty", id="empty"),
        pytest.param(b"\n\n \n,,,\n", 1, "the file is empty", id="blank-lines"),
        pytest.param(b"\xef\xbb\xbf", 1, "the file is empty", id="bom-only"),
        pytest.param(b"rater,group,department,score\n", 1, "no rows after the header", id="header-only"),
        pytest.param(b"\n\nrater,group,department,score\n\n", 3, "no rows after the header", id="header-only-line-3"),
    ],
)
def test_file_level_problems(small: Campaign, assigned: set, data: bytes, line: int, words: str) -> None:
    problems = rejected(small, data, assigned)
    assert len(problems) == 1
    assert problems[0].line == line
    assert words in problems[0].message


def test_empty_workbook(small: Campaign, assigned: set) -> None:
    problems = rejected(small, xlsx([]), assigned, source="s.xlsx")
    assert [(p.line, p.message) for p in problems] == [(1, "the file is empty")]


# -- external results -------------------------------------------------------------------


def test_results(small: Campaign) -> None:
    data = "department,score\n中国工商银行示例市分行,８８．５\n".encode("gbk")
    assert parse_results(small, read_table(data, "r.csv"), "r.csv") == [ResultRow("icbc", 88.5, 2)]


def test_bad_results_are_listed_with_their_lines(small: Campaign) -> None:
    data = b"department,score\nicbc,90\nfgw,80\nnowhere,80\nicbc,91\n"
    with pytest.raises(ImportRejected) as info:
        parse_results(small, read_table(data, "r.csv"), "r.csv")
    assert [(p.line, p.message) for p in info.value.problems] == [
        (3, "fgw is not assessed externally (profile standard)"),
        (4, "unknown department 'nowhere'"),
        (5, "duplicate of line 2"),
    ]
    with pytest.raises(ImportRejected) as info:
        parse_results(small, read_table(b"department,score\nicbc,100.05\n", "r.csv"), "r.csv")
    assert [p.line for p in info.value.problems] == [2]
    with pytest.raises(ImportRejected) as info:
        parse_results(small, read_table(b"dept,score\nicbc,100\n", "r.csv"), "r.csv")
    assert "missing column(s) department" in info.value.problems[0].message


@pytest.mark.parametrize("cell", ["1e1", "1e2", "1E+2", "nan", "inf", "+90", "1,0"])
def test_exponents_and_other_spellings_are_refused_in_imports(small: Campaign, assigned: set, cell: str) -> None:
    data = f'rater,group,department,score\nc_fgw,sector_peers,czj,"{cell}"\n'.encode()
    problems = rejected(small, data, assigned)
    assert [p.line for p in problems] == [2] and "is not a number" in problems[0].message
