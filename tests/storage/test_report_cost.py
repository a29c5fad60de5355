"""The report's cost grows linearly with the number of scores.

No clocks: the work is counted. The number of SQL statements `build_report`
issues must not depend on the number of scores at all, and the Python lines it
executes (storage and engine) may grow at most in proportion to the campaign:
10x the departments (hence 10x the scores) must cost at most ~10x the lines.
A per-department scan of all rows would cost ~100x. SQLite adds the scores up,
so Python works per (group, department), not per score.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import scoring.engine
import storage.reporting
import storage.results
from scoring.campaign import Campaign, Department, Group, Milestone, Part, Period, Rater, Sector
from storage.reporting import build_report
from storage.store import Store

RATERS_PER_GROUP = 4
GROUPS = (("g_mean", "mean", False), ("g_median", "median", False), ("g_trim", "trimmed_mean", True))


def synthetic(key: str, departments: int, raters_per_group: int = RATERS_PER_GROUP) -> Campaign:
    """Three groups (mean, median, trimmed mean needing approval) in two parts; every rater scores every department."""
    groups = [Group(key=g, name=g, milestone="m", method=m, requires_approval=a) for g, m, a in GROUPS]
    return Campaign(
        key=key,
        title=key,
        period=Period(start=date(2024, 12, 1), end=date(2025, 1, 31)),
        milestones=[Milestone(key="m", name="m", due=datetime(2025, 1, 10, 18))],
        parts=[Part(key="p1", name="p1", groups=groups[:2]), Part(key="p2", name="p2", groups=groups[2:])],
        profiles={"standard": {"p1": 60, "p2": 40}, "other": {"p1": 100}},
        sectors=[Sector(key="s", name="s")],
        departments=[
            Department(key=f"d{i}", name=f"部门{i}", sector="s", profile="standard" if i % 3 else "other")
            for i in range(departments)
        ],
        raters=[
            Rater(key=f"{g}_r{j}", name=f"{g}_r{j}", groups=[g]) for g, _, _ in GROUPS for j in range(raters_per_group)
        ],
    )


async def loaded(store: Store, key: str, departments: int, raters_per_group: int = RATERS_PER_GROUP):
    campaign = synthetic(key, departments, raters_per_group)
    cid = (await store.campaigns.load(campaign)).campaign_id
    keys = await store.results.assignment_keys(cid)
    rows = [(r, g, d, float(50 + (i * 7) % 51), None) for i, (r, g, d) in enumerate(keys)]
    await store.results.import_scores(cid, rows, actor="test")
    for sheet in await store.sheets.for_campaign(cid):
        if sheet.group == "g_trim" and sheet.rater.endswith(("r0", "r1", "r2")):
            assert await store.sheets.approve(sheet.id, actor="test")
    return await store.campaigns.get(key), len(rows)


async def counted_report(store: Store, stored) -> tuple[int, int, int]:
    """(SQL statements, Python lines executed in storage + engine, departments reported) of one build_report."""
    statements = 0
    real_fetchall = store.db.fetchall

    async def fetchall(sql: str, params: tuple | dict = ()) -> list[tuple]:
        nonlocal statements
        statements += 1
        return await real_fetchall(sql, params)

    files = {m.__file__ for m in (scoring.engine, storage.reporting, storage.results)}
    lines: Counter[str] = Counter()

    def tracer(frame, event, arg):
        if frame.f_code.co_filename in files:
            if event == "line":
                lines[frame.f_code.co_filename] += 1
            return tracer
        return None

    store.db.fetchall = fetchall  # type: ignore[method-assign]
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        report = await build_report(store, stored)
    finally:
        sys.settrace(previous)
        del store.db.fetchall
    return statements, sum(lines.values()), len(report.departments)


async def test_report_cost_is_linear_in_the_scores(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "cost.db")
    try:
        small, n_small = await loaded(store, "n1", departments=12)
        large, n_large = await loaded(store, "n10", departments=120)
        assert n_large == 10 * n_small
        sql_small, lines_small, depts_small = await counted_report(store, small)
        sql_large, lines_large, depts_large = await counted_report(store, large)
    finally:
        await store.close()
    assert (depts_small, depts_large) == (12, 120)
    # a fixed number of statements, whatever the number of scores (no query per department or row)
    assert sql_small == sql_large <= 8
    # linear: 10x the rows costs at most ~10x the work (quadratic would be ~100x)
    assert lines_small > 3 * depts_small  # the count really covers the per-department work
    assert lines_large <= 11 * lines_small, (lines_small, lines_large)


async def test_more_scores_per_department_cost_no_more_python(tmp_path: Path) -> None:
    """SQLite adds the scores up: 10x the raters of the same departments leaves the Python work as it was."""
    store = await Store.open(tmp_path / "raters.db")
    try:
        few, n_few = await loaded(store, "few", departments=12)
        many, n_many = await loaded(store, "many", departments=12, raters_per_group=10 * RATERS_PER_GROUP)
        assert n_many == 10 * n_few
        sql_few, lines_few, _ = await counted_report(store, few)
        sql_many, lines_many, _ = await counted_report(store, many)
    finally:
        await store.close()
    assert sql_few == sql_many
    assert lines_many <= 1.2 * lines_few, (lines_few, lines_many)  # a per-score loop would be ~10x
