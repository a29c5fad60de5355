"""Properties of the scoring engine, and a cross-check against a naive re-implementation of DESIGN.md."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.assignments import Assignment, expand
from scoring.campaign import Campaign, Department, Group, Method, Part, Rater
from scoring.engine import Adjustment, Report, ScoreRow, compute, round_half_up
from tests.scoring.synthetic import synthetic

PARTS = {"p1": ["g1", "g2"], "p2": ["g3", "g4"], "p3": ["g5"]}
PROFILES: dict[str, Any] = {
    "standard": {"p1": 40, "p2": 35, "p3": 25},
    "vertical": {"p1": 50, "p2": 0, "p3": 50},
    "ext": "external",
}
RECUSED = object()  # a drawn answer: the rater recused
# building a campaign per example is slower than hypothesis' default deadline expects
relaxed = settings(deadline=None, max_examples=100)


def make_campaign(groups: list[dict[str, Any]], profiles: list[str], raters: int, cap: float | None) -> Campaign:
    """A campaign of the shape above: `groups` gives each group's method, weight, min_raters, approval."""
    spec = iter(groups)
    return synthetic(
        "prop", "性质测试",
        parts=[
            Part(key=p, name=f"项目{p}", groups=[Group(key=g, name=f"组{g}", milestone="m", **next(spec)) for g in gs])
            for p, gs in PARTS.items()
        ],
        profiles=PROFILES,
        departments=[
            Department(key=f"d{i}", name=f"部门{i}", sector="s", profile=p) for i, p in enumerate(profiles)
        ],
        raters=[Rater(key=f"r{i}", name=f"人{i}", groups=[g for gs in PARTS.values() for g in gs])
                for i in range(raters)],
        adjustment_cap=cap,
    )


@dataclass
class Scenario:
    campaign: Campaign
    assignments: list[Assignment]
    rows: list[ScoreRow]
    adjustments: list[Adjustment]
    external: dict[str, float]

    def report(self) -> Report:
        return compute(self.campaign, self.assignments, self.rows, self.adjustments, self.external)


values = st.integers(0, 1000).map(lambda k: k / 10)  # the scale: 0-100, one decimal
group_specs = st.fixed_dictionaries({
    "method": st.sampled_from(list(Method)),
    "weight": st.sampled_from([0, 0.5, 1, 1, 2, 3]),
    "min_raters": st.integers(1, 3),
    "requires_approval": st.booleans(),
})
answers = st.one_of(st.none(), st.just(RECUSED), st.tuples(values, st.booleans(), st.booleans()))


@st.composite
def scenarios(draw: st.DrawFn, max_departments: int = 6, max_raters: int = 5) -> Scenario:
    groups = draw(st.lists(group_specs, min_size=5, max_size=5))
    profiles = draw(st.lists(st.sampled_from(list(PROFILES)), min_size=1, max_size=max_departments))
    cap = draw(st.sampled_from([None, 5.0, 2.5]))
    campaign = make_campaign(groups, profiles, draw(st.integers(1, max_raters)), cap)
    assignments = expand(campaign)
    rows = []
    for a, answer in zip(assignments, draw(st.lists(answers, min_size=len(assignments),
                                                    max_size=len(assignments))), strict=True):
        if answer is RECUSED:
            rows.append(ScoreRow(a.rater, a.group, a.department, None, draw(st.booleans())))
        elif answer is not None:
            value, approved, late = answer
            rows.append(ScoreRow(a.rater, a.group, a.department, value, approved, late))
    keys = [d.key for d in campaign.departments]
    adjustments = draw(st.lists(st.builds(Adjustment, st.sampled_from(keys), st.integers(-40, 40).map(lambda k: k / 4)),
                                max_size=6))
    external = {d.key: draw(values) for d in campaign.departments
                if campaign.is_external(d.profile) and draw(st.booleans())}
    return Scenario(campaign, assignments, rows, adjustments, external)


# -- properties --------------------------------------------------------------------


@relaxed
@given(scenarios(), st.randoms(use_true_random=False))
def test_row_order_never_changes_a_result(s: Scenario, rnd: random.Random) -> None:
    shuffled = list(s.rows)
    rnd.shuffle(shuffled)
    assignments = list(s.assignments)
    rnd.shuffle(assignments)
    adjustments = list(s.adjustments)
    rnd.shuffle(adjustments)
    assert compute(s.campaign, assignments, shuffled, adjustments, s.external) == s.report()


def _clamp(x: float, cap: float | None) -> float:
    return x if cap is None else max(-cap, min(cap, x))


@relaxed
@given(scenarios(), st.data())
def test_an_adjustment_moves_only_its_department(s: Scenario, data: st.DataObject) -> None:
    dept = data.draw(st.sampled_from(s.campaign.departments))
    points = data.draw(st.integers(-40, 40).map(lambda k: k / 4))
    before = s.report()
    after = compute(s.campaign, s.assignments, s.rows, [*s.adjustments, Adjustment(dept.key, points)], s.external)
    for b in before.departments:
        a = after.department(b.key)
        if b.key != dept.key or s.campaign.is_external(dept.profile):
            assert (a.total, a.adjustment, a.parts) == (b.total, b.adjustment, b.parts)
            continue
        old = sum(a.points for a in s.adjustments if a.department == dept.key)
        expected = _clamp(old + points, s.campaign.adjustment_cap)
        assert a.adjustment == pytest.approx(expected, abs=1e-12)
        assert a.total - b.total == pytest.approx(a.adjustment - b.adjustment, abs=1e-9)
        assert a.parts == b.parts


@relaxed
@given(scenarios())
def test_group_weights_renormalise_over_groups_present(s: Scenario) -> None:
    for d in s.report().departments:
        for part_key, part in d.parts.items():
            weights = {g.key: g.weight for g in next(p for p in s.campaign.parts if p.key == part_key).groups}
            present = [(g.score, weights[k]) for k, g in part.groups.items() if g.score is not None and weights[k] > 0]
            if not present:
                assert (part.score, part.points) == (None, 0.0)
            elif len(present) == 1:
                assert part.score == present[0][0]  # one group present: the part is that group's score
            else:
                mean = sum(x * w for x, w in present) / sum(w for _, w in present)
                assert part.score == pytest.approx(mean, abs=1e-9)
            if part.score is not None:
                assert part.points == pytest.approx(part.score * part.weight / 100, abs=1e-12)


@relaxed
@given(scenarios())
def test_ranks_are_competition_ranks(s: Scenario) -> None:
    report = s.report()
    for d in report.departments:
        same = [o for o in report.departments if o.profile == d.profile and o.total is not None]
        if d.total is None:  # unknown is not zero: not ranked
            assert d.rank is None
        else:
            assert d.rank == 1 + sum(o.total > d.total for o in same)


@relaxed
@given(scenarios())
def test_scores_lie_within_their_inputs_and_the_scale(s: Scenario) -> None:
    lo, hi = s.campaign.scale.min, s.campaign.scale.max
    for d in s.report().departments:
        for part in d.parts.values():
            present = [g for g in part.groups.values() if g.score is not None]
            for g in present:
                assert g.min <= g.score <= g.max
                assert lo <= g.score <= hi
                assert g.stdev <= (g.max - g.min) / 2 + 1e-9  # a population spread never exceeds half the range
            if part.score is not None:
                assert min(g.score for g in present) <= part.score <= max(g.score for g in present)
                assert min(g.min for g in present) <= part.score <= max(g.max for g in present)
                assert lo <= part.score <= hi


@given(st.integers(-10**12, 10**12), st.integers(0, 4))
def test_round_half_up_matches_decimal(k: int, places: int) -> None:
    exact = Decimal(k).scaleb(-3)  # a decimal with three places, as a float reads back through repr
    expected = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    rounded = round_half_up(float(exact), places)
    assert rounded == expected
    assert not (rounded == 0 and rounded.is_signed())  # never "-0.00"


# -- a naive, independent reading of DESIGN.md's Scoring --------------------------


def naive(campaign: Campaign, assignments: list[Assignment], rows: list[ScoreRow],
          adjustments: list[Adjustment], external: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Quadratic on purpose: scans every row for every (group, department); floats and statistics only."""
    out: dict[str, dict[str, Any]] = {}
    for d in campaign.departments:
        if campaign.is_external(d.profile):
            # unknown is not zero: no imported result, no total and no rank
            out[d.key] = {"total": external.get(d.key), "parts": {}, "complete": d.key in external}
            continue
        complete, total, parts = True, 0.0, {}
        for part in campaign.parts:
            weight = campaign.part_weight(d.profile, part.key)
            if weight == 0:
                continue
            groups, num, den = {}, 0.0, 0.0
            for g in part.groups:
                mine = [r for r in rows if r.group == g.key and r.department == d.key]
                counted = [r.value for r in mine if r.value is not None and (r.approved or not g.requires_approval)]
                expected = len([a for a in assignments if a.group == g.key and a.department == d.key])
                score = None
                if len(counted) >= g.min_raters:
                    if g.method == Method.MEDIAN:
                        score = statistics.median(counted)
                    elif g.method == Method.TRIMMED_MEAN and len(counted) >= 3:
                        score = statistics.mean(sorted(counted)[1:-1])
                    else:
                        score = statistics.mean(counted)
                    if g.weight > 0:
                        num, den = num + score * g.weight, den + g.weight
                groups[g.key] = (score, len(counted), statistics.pstdev(counted) if counted else None)
                pending = any(r.value is not None and not r.approved and g.requires_approval for r in mine)
                only_recused = bool(mine) and all(r.value is None for r in mine)
                applies = expected > 0 or bool(mine)
                if pending or len(mine) < expected or only_recused or (applies and score is None):
                    complete = False
            part_score = num / den if den else None
            complete = complete and part_score is not None
            points = part_score * weight / 100 if part_score is not None else 0.0
            total += points
            parts[part.key] = (part_score, points, groups)
        adjustment = _clamp(sum(a.points for a in adjustments if a.department == d.key), campaign.adjustment_cap)
        out[d.key] = {"total": total + adjustment, "parts": parts, "complete": complete}
    for key, result in out.items():
        profile = campaign.department(key).profile
        rivals = [o["total"] for k, o in out.items()
                  if campaign.department(k).profile == profile and o["total"] is not None]
        known = result["total"] is not None
        result["rank"] = 1 + sum(t > result["total"] + 1e-9 for t in rivals) if known else None
    return out


def assert_matches_naive(s: Scenario) -> None:
    report = s.report()
    expected = naive(s.campaign, s.assignments, s.rows, s.adjustments, s.external)
    assert {d.key for d in report.departments} == set(expected)
    for d in report.departments:
        want = expected[d.key]
        assert d.total == (None if want["total"] is None else pytest.approx(want["total"], abs=1e-9))
        assert (d.rank, d.complete) == (want["rank"], want["complete"])
        assert set(d.parts) == set(want["parts"])
        for key, part in d.parts.items():
            score, points, groups = want["parts"][key]
            assert part.score == (None if score is None else pytest.approx(score, abs=1e-9))
            assert part.points == pytest.approx(points, abs=1e-9)
            for gk, g in part.groups.items():
                g_score, n, stdev = groups[gk]
                assert g.score == (None if g_score is None else pytest.approx(g_score, abs=1e-9))
                assert g.n == n
                assert g.stdev == (None if stdev is None else pytest.approx(stdev, abs=1e-9))


@relaxed
@given(scenarios())
def test_matches_naive_reimplementation(s: Scenario) -> None:
    assert_matches_naive(s)


def random_scenario(seed: int, departments: int, raters: int, recuse: float = 0.05, skip: float = 0.05) -> Scenario:
    rnd = random.Random(seed)
    groups = [{"method": rnd.choice(list(Method)), "weight": rnd.choice([0.5, 1, 2]),
               "min_raters": rnd.randint(1, 3), "requires_approval": rnd.random() < 0.3} for _ in range(5)]
    profiles = [rnd.choice(["standard", "standard", "vertical", "ext"]) for _ in range(departments)]
    campaign = make_campaign(groups, profiles, raters, rnd.choice([None, 5.0]))
    assignments = expand(campaign)
    rows = []
    for a in assignments:
        roll = rnd.random()
        if roll < skip:
            continue
        value = None if roll < skip + recuse else rnd.randint(0, 1000) / 10
        rows.append(ScoreRow(a.rater, a.group, a.department, value, rnd.random() < 0.9, rnd.random() < 0.05))
    keys = [d.key for d in campaign.departments]
    adjustments = [Adjustment(rnd.choice(keys), rnd.randint(-20, 20) / 4) for _ in range(departments)]
    external = {d.key: rnd.randint(0, 1000) / 10 for d in campaign.departments
                if campaign.is_external(d.profile) and rnd.random() < 0.8}
    return Scenario(campaign, assignments, rows, adjustments, external)


@pytest.mark.parametrize("seed", range(5))
def test_matches_naive_on_a_larger_random_input(seed: int) -> None:
    assert_matches_naive(random_scenario(seed, departments=12, raters=40))  # about 2,000 rows


def test_a_large_campaign_counts_every_row_exactly_once() -> None:
    # 60 departments x 600 raters (about 100k rows). How the cost grows with size is
    # measured in bench/ (report.growth), never timed in a test.
    big = random_scenario(7, departments=60, raters=600)
    assert len(big.rows) > 90_000
    report = big.report()
    counted = sum(g.n + g.recused + g.pending for d in report.departments for p in d.parts.values()
                  for g in p.groups.values())
    assert counted == len(big.rows)  # every row (all are assigned) is accounted for exactly once


def test_stdev_is_the_population_deviation() -> None:
    s = random_scenario(3, departments=4, raters=30, recuse=0, skip=0)
    report = s.report()
    for d in report.departments:
        for part in d.parts.values():
            for key, g in part.groups.items():
                group = s.campaign.group(key)
                counted = [r.value for r in s.rows if r.group == key and r.department == d.key
                           and (r.approved or not group.requires_approval)]
                assert g.stdev == pytest.approx(statistics.pstdev(counted), abs=1e-9)
                assert math.isclose(g.min, min(counted)) and math.isclose(g.max, max(counted))

