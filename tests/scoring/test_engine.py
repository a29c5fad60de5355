"""The scoring engine on a small campaign whose results are worked out by hand below.

`build_campaign()` and `example_rows()` are also used by test_exports.py.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from scoring.assignments import Assignment, expand
from scoring.campaign import (
    Campaign,
    Department,
    Group,
    Method,
    Milestone,
    Part,
    Period,
    Rater,
    Sector,
)
from scoring.engine import (
    Adjustment,
    Flag,
    FlagKind,
    ScoreRow,
    competition_ranks,
    compute,
    format_points,
    round_half_up,
)


def build_campaign() -> Campaign:
    """Five parts as in the regulation; profiles standard 25/25/15/20/15, vertical 30/0/20/30/20, one external."""

    def group(key: str, name: str, **kw: object) -> Group:
        return Group(key=key, name=name, name_en=key, milestone="scores", **kw)

    def rater(key: str, groups: list[str], department: str | None = None) -> Rater:
        return Rater(key=key, name=f"评分人{key}", groups=groups, department=department)

    contacts = [rater(f"c{d}", ["peers", "self"], department=d) for d in "ABCV"]
    return Campaign(
        key="y2024",
        title="2024年度部门考评",
        title_en="2024 assessment",
        period=Period(start=date(2024, 1, 1), end=date(2024, 12, 31)),
        milestones=[Milestone(key="scores", name="评分截止", due=datetime(2025, 1, 10, 18))],
        parts=[
            Part(key="sector", name="分口考核", name_en="Sector", groups=[
                group("panel", "评议小组", weight=2),
                group("peers", "互评", assign="peers"),
            ]),
            Part(key="keywork", name="重点工作", name_en="Key work", groups=[
                group("self", "自评", assign="own"),
                group("leads", "牵头领导", weight=3, requires_approval=True),
            ]),
            Part(key="grassroots", name="基层评议", name_en="Grassroots", groups=[
                group("counties", "县区", method=Method.MEDIAN),
                group("enterprises", "企业", min_raters=2),
            ]),
            Part(key="related", name="有关部门评议", name_en="Related bodies", groups=[
                group("offices", "四办", method=Method.MEDIAN),
            ]),
            Part(key="leaders", name="领导评议", name_en="Leaders", groups=[
                group("leaders", "领导", method=Method.TRIMMED_MEAN),
            ]),
        ],
        profiles={
            "standard": {"sector": 25, "keywork": 25, "grassroots": 15, "related": 20, "leaders": 15},
            "vertical": {"sector": 30, "keywork": 0, "grassroots": 20, "related": 30, "leaders": 20},
            "financial": "external",
        },
        sectors=[Sector(key="econ", name="经济口"), Sector(key="urban", name="城建口"),
                 Sector(key="social", name="社会口")],
        departments=[
            Department(key="A", name="发展改革委", name_en="Development", sector="econ", profile="standard"),
            Department(key="B", name="财政局", name_en="Finance", sector="econ", profile="standard"),
            Department(key="C", name="住建局", name_en="Housing", sector="urban", profile="standard"),
            Department(key="D", name="民政局", name_en="Civil affairs", sector="social", profile="standard"),
            Department(key="V", name="税务局", name_en="Tax", sector="urban", profile="vertical"),
            Department(key="F", name="人民银行", name_en="Central bank", sector="econ", profile="financial"),
            Department(key="G", name="农商银行", name_en="Rural bank", sector="econ", profile="financial"),
        ],
        raters=[
            rater("p1", ["panel"]), rater("p2", ["panel"]), *contacts, rater("k1", ["leads"]),
            *(rater(f"n{i}", ["counties"]) for i in (1, 2, 3)),
            *(rater(f"e{i}", ["enterprises"]) for i in (1, 2)),
            *(rater(f"o{i}", ["offices"]) for i in (1, 2, 3, 4)),
            *(rater(f"l{i}", ["leaders"]) for i in (1, 2, 3, 4)),
        ],
        adjustment_cap=5,
    )


MEMBERS = {
    "panel": ["p1", "p2"],
    "leads": ["k1"],
    "counties": ["n1", "n2", "n3"],
    "enterprises": ["e1", "e2"],
    "offices": ["o1", "o2", "o3", "o4"],
    "leaders": ["l1", "l2", "l3", "l4"],
}


def given(dept: str, group: str, *values: float | None, raters: list[str] | None = None,
          approved: bool = False) -> list[ScoreRow]:
    """Rows of the group's raters in order; fewer values than raters leave the rest unscored.

    `approved` is False by default, as the store reports it for every sheet
    without an approval: the engine must ignore it outside approval groups.
    """
    keys = raters or MEMBERS[group]
    return [ScoreRow(r, group, dept, v, approved) for r, v in zip(keys, values, strict=False)]


def example_rows() -> list[ScoreRow]:
    rows = [
        # A: sector (85*2 + 88)/3 = 86; keywork (100 + 70*3)/4 = 77.5; grassroots (80 + 85)/2 = 82.5;
        #    related median(70,80,90,100) = 85; leaders trimmed (95,90,60,85 -> 90,85) = 87.5
        *given("A", "panel", 90, 80),  # mean 85
        *given("A", "peers", 88, raters=["cB"]),
        *given("A", "self", 100, raters=["cA"]),
        *given("A", "leads", 70, approved=True),
        *given("A", "counties", 80, 90, 70),  # median 80
        *given("A", "enterprises", 90, 80),  # mean 85, n = 2 = min_raters
        *given("A", "offices", 90, 80, 70, 100),  # median (80 + 90)/2 = 85
        *given("A", "leaders", 95, 90, 60, 85),  # drop 95 and 60: (90 + 85)/2 = 87.5
        # B: sector (80*2 + 92)/3 = 84; keywork: leads not approved -> self alone 90;
        #    grassroots: one enterprise < min_raters 2 -> counties alone 85; related 80; leaders 90
        *given("B", "panel", 80, 80),
        *given("B", "peers", 92, raters=["cA"]),
        *given("B", "self", 90, raters=["cB"]),
        *given("B", "leads", 60, approved=False),
        *given("B", "counties", 85, 85, 85),
        *given("B", "enterprises", 90),
        *given("B", "offices", 80, 80, 80, 80),
        *given("B", "leaders", 90, 90, 90, 90),  # drop one 90 each end: 90
        # C: peers only recused -> sector = panel 80; keywork (80 + 80*3)/4 = 80;
        #    grassroots (median(90,80,100)=90 + 90)/2 = 90; related 85; leaders 90
        *given("C", "panel", 80, 80),
        *given("C", "peers", None, raters=["cV"]),
        *given("C", "self", 80, raters=["cC"]),
        *given("C", "leads", 80, approved=True),
        *given("C", "counties", 90, 80, 100),
        *given("C", "enterprises", 90, 90),
        *given("C", "offices", 85, 85, 85, 85),
        *given("C", "leaders", 90, 90, 90, 90),
        # D: nothing scored at all
        # V (vertical 30/0/20/30/20): sector (80*2 + 86)/3 = 82; grassroots (70 + 75)/2 = 72.5;
        #    related 90; leaders trimmed (100,80,80,60 -> 80,80) = 80; l4 entered late
        *given("V", "panel", 70, 90),
        *given("V", "peers", 86, raters=["cC"]),
        *given("V", "counties", 60, 70, 80),
        *given("V", "enterprises", 80, 70),
        *given("V", "offices", 90, 90, 90, 90),
        *given("V", "leaders", 100, 80, 80, 60),
    ]
    last = rows.pop()
    return [*rows, dataclasses.replace(last, late=True)]


ADJUSTMENTS = [Adjustment("A", 3.0), Adjustment("A", 4.0), Adjustment("B", -2.0), Adjustment("C", -0.25),
               Adjustment("F", 1.0), Adjustment("nowhere", 9.0)]
EXTERNAL = {"F": 91.5}


@pytest.fixture(scope="module")
def report():
    campaign = build_campaign()
    return compute(campaign, expand(campaign), example_rows(), ADJUSTMENTS, EXTERNAL)


def test_totals_by_hand(report) -> None:
    totals = {d.key: d.total for d in report.departments}
    # A: 86*.25 + 77.5*.25 + 82.5*.15 + 85*.20 + 87.5*.15 = 21.5 + 19.375 + 12.375 + 17 + 13.125 = 83.375
    #    adjustments 3 + 4 = 7, clamped to the cap 5 -> 88.375
    assert totals["A"] == pytest.approx(88.375, abs=1e-12)
    # B: 84*.25 + 90*.25 + 85*.15 + 80*.20 + 90*.15 = 21 + 22.5 + 12.75 + 16 + 13.5 = 85.75; -2 -> 83.75
    assert totals["B"] == pytest.approx(83.75, abs=1e-12)
    # C: 80*.25 + 80*.25 + 90*.15 + 85*.20 + 90*.15 = 20 + 20 + 13.5 + 17 + 13.5 = 84; -0.25 -> 83.75
    assert totals["C"] == pytest.approx(83.75, abs=1e-12)
    # D: every part missing -> 0 points
    assert totals["D"] == 0
    # V: 82*.30 + 72.5*.20 + 90*.30 + 80*.20 = 24.6 + 14.5 + 27 + 16 = 82.1
    assert totals["V"] == pytest.approx(82.1, abs=1e-12)
    # F: the imported result; its adjustment is not added to an external final score
    assert totals["F"] == 91.5
    # G: no imported result -> unknown, not 0
    assert totals["G"] is None


def test_competition_ranks_within_profiles(report) -> None:
    ranks = {d.key: d.rank for d in report.departments}
    # standard: A 88.375 > B 83.75 == C 83.75 > D 0  ->  1, 2, 2, 4
    assert ranks == {"A": 1, "B": 2, "C": 2, "D": 4, "V": 1, "F": 1, "G": None}
    # the report lists profiles in file order, then by rank, ties in file order
    assert [d.key for d in report.departments] == ["A", "B", "C", "D", "V", "F", "G"]


def test_part_and_group_scores(report) -> None:
    a = report.department("A")
    assert {k: p.score for k, p in a.parts.items()} == pytest.approx(
        {"sector": 86, "keywork": 77.5, "grassroots": 82.5, "related": 85, "leaders": 87.5}
    )
    assert a.parts["keywork"].points == pytest.approx(19.375)
    assert a.parts["leaders"].groups["leaders"].score == 87.5  # trimmed mean
    assert a.parts["related"].groups["offices"].score == 85  # median of an even count
    assert a.parts["grassroots"].groups["counties"].score == 80  # median of an odd count


def test_vertical_profile_has_no_zero_weight_part(report) -> None:
    v = report.department("V")
    assert list(v.parts) == ["sector", "grassroots", "related", "leaders"]
    assert v.parts["sector"].points == pytest.approx(24.6)


def test_missing_groups_are_renormalised(report) -> None:
    b = report.department("B")
    # the unapproved leads sheet does not count: key work = self-evaluation alone
    leads = b.parts["keywork"].groups["leads"]
    assert (leads.score, leads.n, leads.pending) == (None, 0, 1)
    assert b.parts["keywork"].score == 90
    # one enterprise channel is below min_raters 2: grassroots = counties alone
    assert b.parts["grassroots"].groups["enterprises"].score is None
    assert b.parts["grassroots"].score == 85


def test_adjustment_clamped_to_cap(report) -> None:
    assert report.department("A").adjustment == 5
    assert report.department("B").adjustment == -2
    assert report.department("F").adjustment == 0  # external: ignored


def test_external_departments(report) -> None:
    f, g = report.department("F"), report.department("G")
    assert (f.parts, f.external, f.complete, f.flags) == ({}, True, True, ())
    assert g.flags == (Flag(FlagKind.MISSING_EXTERNAL),)
    assert not g.complete
    # unknown is not zero: no total and no rank, listed after the ranked ones
    assert (g.total, g.rank) == (None, None)
    assert (f.total, f.rank) == (91.5, 1)
    assert [d.key for d in report.departments if d.profile == "financial"] == ["F", "G"]


def test_flags(report) -> None:
    flags = {d.key: set(d.flags) for d in report.departments}
    assert flags["A"] == set()
    assert flags["B"] == {
        Flag(FlagKind.PENDING_APPROVAL, "leads"),
        Flag(FlagKind.MISSING_GROUP, "leads"),
        Flag(FlagKind.MISSING_GROUP, "enterprises"),
        Flag(FlagKind.INCOMPLETE, "enterprises"),  # e2 never scored B
    }
    # the only peer recused: no peer score, and the department is not fully scored
    assert flags["C"] == {Flag(FlagKind.MISSING_GROUP, "peers"), Flag(FlagKind.INCOMPLETE, "peers")}
    # D's sector has no other department and D has no contact: peers and self do not apply to it
    assert Flag(FlagKind.MISSING_GROUP, "peers") not in flags["D"]
    assert Flag(FlagKind.MISSING_PART, "sector") in flags["D"]
    assert {f.kind for f in flags["D"]} == {FlagKind.MISSING_GROUP, FlagKind.MISSING_PART, FlagKind.INCOMPLETE}
    assert flags["V"] == {Flag(FlagKind.LATE, "leaders")}
    complete = {d.key: d.complete for d in report.departments}
    assert complete == {"A": True, "B": False, "C": False, "D": False, "V": True, "F": True, "G": False}


def test_spread(report) -> None:
    g = report.department("A").parts["leaders"].groups["leaders"]
    # values 95, 90, 60, 85: mean 82.5, squared deviations 156.25 + 56.25 + 506.25 + 6.25 = 725, /4 = 181.25
    assert (g.n, g.expected, g.recused, g.pending, g.min, g.max) == (4, 4, 0, 0, 60, 95)
    assert g.stdev == pytest.approx(181.25**0.5)
    peers = report.department("C").parts["sector"].groups["peers"]
    assert (peers.n, peers.expected, peers.recused, peers.min, peers.stdev) == (0, 1, 1, None, None)
    one = report.department("B").parts["grassroots"].groups["enterprises"]
    assert (one.n, one.expected, one.stdev) == (1, 2, 0)


def test_display_rounding_half_up(report) -> None:
    assert format_points(report.department("A").total) == "88.38"  # 88.375 rounds up
    assert str(round_half_up(2.675)) == "2.68"  # stored as 2.67499999..., read as written
    assert str(round_half_up(-2.675)) == "-2.68"
    assert str(round_half_up(-0.001)) == "0.00"
    assert str(round_half_up(1.005, 2)) == "1.01"


def test_json_shape(report) -> None:
    data = report.to_json_dict()
    assert data["campaign"] == "y2024"
    first = data["departments"][0]
    assert {"key", "name", "profile", "parts", "adjustment", "total", "rank", "complete"} <= set(first)
    part = first["parts"]["leaders"]
    assert {"score", "points", "groups"} <= set(part)
    assert {"score", "n"} <= set(part["groups"]["leaders"])
    assert first["total"] == 88.375  # unrounded
    g = next(d for d in data["departments"] if d["key"] == "G")
    assert (g["parts"], g["total"], g["rank"], g["complete"]) == ({}, None, None, False)


def test_plain_tuples_give_the_same_report() -> None:
    campaign = build_campaign()
    rows = example_rows()
    tuples = [(r.rater, r.group, r.department, r.value, r.approved, r.late) for r in rows]
    keys = [(a.rater, a.group, a.department) for a in expand(campaign)]
    assert compute(campaign, keys, tuples, ADJUSTMENTS, EXTERNAL) == compute(
        campaign, expand(campaign), rows, ADJUSTMENTS, EXTERNAL
    )


def test_totals_equal_in_decimals_tie_exactly() -> None:
    # in floats 85.75 + 0.1 + 0.1 == 85.94999999999999 but 84 + 1.95 == 85.95: a float engine would
    # rank B below C. The engine reads values and adjustments as the decimals written, so they tie.
    campaign = build_campaign()
    adjustments = [Adjustment("B", 0.1), Adjustment("B", 0.1), Adjustment("C", 1.95)]
    report = compute(campaign, expand(campaign), example_rows(), adjustments)
    b, c = report.department("B"), report.department("C")
    assert b.total == c.total == 85.95
    assert b.rank == c.rank == 1
    assert report.department("A").rank == 3  # 83.375, no adjustment this time


def test_unknown_rows_are_ignored() -> None:
    campaign = build_campaign()
    rows = [*example_rows(), ScoreRow("x", "nogroup", "A", 10), ScoreRow("p1", "panel", "nodept", 10)]
    assert compute(campaign, expand(campaign), rows) == compute(campaign, expand(campaign), example_rows())


def test_competition_ranks() -> None:
    assert competition_ranks([]) == []
    assert competition_ranks([5.0]) == [1]
    assert competition_ranks([70.0, 90.0, 80.0, 80.0]) == [4, 1, 2, 2]
    assert competition_ranks([1.0, 1.0, 1.0]) == [1, 1, 1]
    assert competition_ranks([None, 80.0, None, 90.0]) == [None, 2, None, 1]  # unknown: not ranked


def test_requires_approval_counts_once_approved() -> None:
    campaign = build_campaign()
    rows = [dataclasses.replace(r, approved=True) if r.group == "leads" else r for r in example_rows()]
    b = compute(campaign, expand(campaign), rows).department("B")
    # leads now 60: key work (90 + 60*3)/4 = 67.5
    assert b.parts["keywork"].score == 67.5
    assert Flag(FlagKind.PENDING_APPROVAL, "leads") not in b.flags


def test_no_cap_sums_adjustments() -> None:
    campaign = build_campaign().model_copy(update={"adjustment_cap": None})
    report = compute(campaign, [Assignment("p1", "panel", "A")], [], [Adjustment("A", 3.0), Adjustment("A", 4.0)])
    assert report.department("A").adjustment == 7


def test_adjustments_listed_with_reasons_and_clamping_flagged() -> None:
    campaign = build_campaign()
    adjustments = [Adjustment("A", 3.0, 1, "省级表彰"), Adjustment("A", 4.0, 2, "国家级试点"),
                   Adjustment("B", -2.0, 3, "通报批评"), Adjustment("F", 1.0, 4, "x")]
    report = compute(campaign, expand(campaign), example_rows(), adjustments, EXTERNAL)
    a, b, c = report.department("A"), report.department("B"), report.department("C")
    # +7 is clamped to the cap of 5: said so, not shown as a plain 5.00
    assert (a.adjustment, a.adjustment_clamped) == (5, True)
    assert [(x.id, x.points, x.reason) for x in a.adjustments] == [(1, 3.0, "省级表彰"), (2, 4.0, "国家级试点")]
    assert (b.adjustment, b.adjustment_clamped, len(b.adjustments)) == (-2, False, 1)
    assert (c.adjustments, c.adjustment_clamped) == ((), False)
    data = report.to_json_dict()["departments"]
    first = next(d for d in data if d["key"] == "A")
    assert first["adjustments"] == [{"id": 1, "points": 3.0, "reason": "省级表彰"},
                                    {"id": 2, "points": 4.0, "reason": "国家级试点"}]
    assert first["adjustment_clamped"] is True
    # plain (department, points) pairs still work, with no id or reason
    plain = compute(campaign, expand(campaign), example_rows(), ADJUSTMENTS, EXTERNAL).department("A")
    assert plain.adjustment_clamped and [x.points for x in plain.adjustments] == [3.0, 4.0]
