"""The staff view's rule (scoring.disclosure), played by an attacker (issue 12).

Random campaigns, a random order of taps, recusals and submissions; a non-admin takes the staff view
after every event. Checked against an independent reading of the rule:

- a tap on an open sheet never changes anything a non-admin sees;
- a confidential group's figures for a department rest exactly on the first k·⌊s/k⌋ of the s values
  handed in for it (k = report_min_raters), and show no minimum, maximum or spread;
- between ANY two views, the values a confidential group counts for a department are the same, or
  differ by at least k raters: no difference of two views isolates one rater, so no single value can be
  solved from a pair of them (a difference of group means gives at most the sum of k unknown values);
- groups marked `confidential: false` are shown as they are.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.assignments import expand
from scoring.campaign import Campaign, Department, Group, Method, Part, Rater
from scoring.disclosure import HandedIn, released, staff_report
from scoring.engine import FlagKind, Report, tally
from tests.scoring.synthetic import synthetic

relaxed = settings(deadline=None, max_examples=60)


def make_campaign(k: int, sizes: dict[str, int], methods: dict[str, Method], departments: int) -> Campaign:
    """Parts p1 (c1, c2 confidential; open1 a body's verdict) and p2 (c3 confidential)."""

    def group(key: str, confidential: bool = True) -> Group:
        return Group(key=key, name=f"组{key}", milestone="m", method=methods.get(key, Method.MEAN),
                     min_raters=1, confidential=confidential)

    raters = [Rater(key=f"{g}_{i}", name=f"{g}评分人{i}", groups=[g]) for g, n in sizes.items() for i in range(n)]
    return synthetic(
        "attack", "攻击测试",
        parts=[
            Part(key="p1", name="项目一", groups=[group("c1"), group("c2"), group("open1", confidential=False)]),
            Part(key="p2", name="项目二", groups=[group("c3")]),
        ],
        profiles={"standard": {"p1": 60, "p2": 40}},
        departments=[Department(key=f"d{i}", name=f"部门{i}", sector="s", profile="standard")
                     for i in range(departments)],
        raters=raters,
        report_min_raters=k,
    )


CONFIDENTIAL = ("c1", "c2", "c3")


@dataclass
class World:
    """What is stored: every answer (cents, or None for a recusal) and the sheets handed in, in order."""

    campaign: Campaign
    answers: dict[tuple[str, str, str], int | None] = field(default_factory=dict)  # (rater, group, dept)
    handed: list[tuple[str, str]] = field(default_factory=list)  # (rater, group) in hand-in order

    def view(self) -> Report:
        assignments = expand(self.campaign)
        rows = [(r, g, d, None if v is None else v / 100, True, False) for (r, g, d), v in self.answers.items()]
        handed: dict[tuple[str, str], HandedIn] = {}
        for rater, group in self.handed:
            if group not in CONFIDENTIAL:
                continue
            for (r, g, d), v in self.answers.items():
                if (r, g) == (rater, group):
                    got = handed.setdefault((g, d), HandedIn())
                    got.answered += 1
                    if v is None:
                        got.recused += 1
                    else:
                        got.cents.append(v)
        return staff_report(self.campaign, tally(self.campaign, assignments, rows), handed)

    def counted(self, k: int) -> dict[tuple[str, str], list[str]]:
        """The oracle: per confidential (group, department), the raters whose values a staff view may count."""
        out: dict[tuple[str, str], list[str]] = {}
        for rater, group in self.handed:
            if group not in CONFIDENTIAL:
                continue
            for (r, g, d), v in self.answers.items():
                if (r, g) == (rater, group) and v is not None:
                    out.setdefault((g, d), []).append(r)
        return {key: raters[: k * (len(raters) // k)] for key, raters in out.items()}


@st.composite
def attacks(draw: st.DrawFn) -> tuple[World, list[tuple]]:
    k = draw(st.integers(2, 3))
    sizes = {g: draw(st.integers(1, 7)) for g in (*CONFIDENTIAL, "open1")}
    methods = {g: draw(st.sampled_from(list(Method))) for g in CONFIDENTIAL}
    campaign = make_campaign(k, sizes, methods, draw(st.integers(1, 3)))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    # each sheet: its taps (sometimes changed, sometimes a recusal), then (usually) its submission
    per_sheet: list[list[tuple]] = []
    for rater in campaign.raters:
        group = rater.groups[0]
        events: list[tuple] = []
        for dept in campaign.departments:
            for _ in range(rnd.choice((1, 1, 2))):  # a second tap changes the value
                value = None if rnd.random() < 0.1 else rnd.randint(0, 1000) * 10  # cents, one decimal
                events.append(("tap", rater.key, group, dept.key, value))
        if rnd.random() < 0.85:
            events.append(("submit", rater.key, group))
        per_sheet.append(events)
    # interleave the sheets at random, each sheet's events in their order
    order: list[tuple] = []
    queues = [list(events) for events in per_sheet]
    while any(queues):
        queue = rnd.choice([q for q in queues if q])
        order.append(queue.pop(0))
    return World(campaign), order


@relaxed
@given(attacks())
def test_no_pair_of_staff_views_isolates_one_rater(attack: tuple[World, list[tuple]]) -> None:
    world, events = attack
    campaign = world.campaign
    k = campaign.report_min_raters
    views: list[Report] = [world.view()]
    counted: list[dict[tuple[str, str], list[str]]] = [world.counted(k)]
    for event in events:
        if event[0] == "tap":
            _, rater, group, dept, value = event
            assert (rater, group) not in world.handed  # a handed-in sheet is locked
            world.answers[(rater, group, dept)] = value
        else:
            world.handed.append((event[1], event[2]))
        view = world.view()
        if event[0] == "tap" and event[2] in CONFIDENTIAL:
            # the issue's differencing: a tap on an open sheet moves nothing a non-admin sees
            assert view == views[-1], event
        views.append(view)
        counted.append(world.counted(k))
        check_against_the_oracle(world, view, counted[-1])
    # any two moments, not only consecutive ones
    for (_, a), (_, b) in combinations(enumerate(counted), 2):
        for key in a.keys() | b.keys():
            moved = set(a.get(key, [])) ^ set(b.get(key, []))
            assert not moved or len(moved) >= k, (key, moved)


def check_against_the_oracle(world: World, view: Report, counted: dict[tuple[str, str], list[str]]) -> None:
    campaign = world.campaign
    methods = {g.key: g.method for _, g in campaign.groups()}
    for dept in view.departments:
        for part in dept.parts.values():
            for key, g in part.groups.items():
                if key not in CONFIDENTIAL:
                    # a body's verdict, as it is: every value entered, handed in or not
                    values = [v for (r, gg, d), v in world.answers.items() if gg == key and d == dept.key
                              and v is not None]
                    assert g.n == len(values)
                    continue
                raters = counted.get((key, dept.key), [])
                values = [world.answers[(r, key, dept.key)] / 100 for r in raters]
                assert g.n == len(values)
                assert (g.min, g.max, g.stdev) == (None, None, None)  # single raters' values, never shown
                if not values:
                    assert g.score is None
                else:
                    assert g.score == pytest.approx(naive(values, methods[key]), abs=1e-9)
                handed = [v for (r, gg, d), v in world.answers.items()
                          if gg == key and d == dept.key and (r, gg) in world.handed and v is not None]
                withheld = any(f.kind == FlagKind.WITHHELD and f.key == key for f in dept.flags)
                assert withheld == (len(handed) > len(values))


def naive(values: list[float], method: Method) -> float:
    if method == Method.MEDIAN:
        return statistics.median(values)
    if method == Method.TRIMMED_MEAN and len(values) >= 3:
        return statistics.mean(sorted(values)[1:-1])
    return statistics.mean(values)


def test_released_moves_in_whole_blocks() -> None:
    assert [released(s, 3) for s in range(10)] == [0, 0, 0, 3, 3, 3, 6, 6, 6, 9]
    assert [released(s, 1) for s in range(4)] == [0, 1, 2, 3]


def test_the_issues_differencing_recovers_nothing() -> None:
    """Staff view, the mayor taps 73.7, staff view again: (T2 - T1) / 0.15 must not give 73.7 back.

    Then the mayor submits, and so does a second leader: still fewer than k = 3 leaders handed in.
    """
    campaign = make_campaign(3, {"c1": 4, "c2": 3, "c3": 3, "open1": 1}, {}, 2)
    world = World(campaign)
    for rater in ("c2_0", "c2_1", "c2_2"):
        for dept in ("d0", "d1"):
            world.answers[(rater, "c2", dept)] = 8000
        world.handed.append((rater, "c2"))
    t1 = {d.key: d.total for d in world.view().departments}
    world.answers[("c1_0", "c1", "d0")] = 7370  # the mayor's tap
    t2 = {d.key: d.total for d in world.view().departments}
    assert t2 == t1
    world.answers[("c1_0", "c1", "d1")] = 9000
    world.handed.append(("c1_0", "c1"))
    for dept in ("d0", "d1"):
        world.answers[("c1_1", "c1", dept)] = 6000
    world.handed.append(("c1_1", "c1"))
    t3 = {d.key: d.total for d in world.view().departments}
    assert t3 == t1  # two leaders handed in: still nothing of theirs is counted
    for dept in ("d0", "d1"):
        world.answers[("c1_2", "c1", dept)] = 7000
    world.handed.append(("c1_2", "c1"))
    t4 = world.view().department("d0")
    # the third leader makes a block: the three move together, and only their sum can be read off
    assert t4.parts["p1"].groups["c1"].n == 3
    assert t4.parts["p1"].groups["c1"].score == pytest.approx((73.7 + 60 + 70) / 3)
