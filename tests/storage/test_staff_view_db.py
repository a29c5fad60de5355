"""The attacker on a real SQLite file: random taps, recusals, submissions, imports and approvals through the
store; the staff view (`build_view(..., STAFF)`, what /report and `report --view staff` show a non-admin) is
taken after every event. A tap on an open sheet never changes it, and between any two views a confidential
group's count for a department moves by 0 or by at least k raters (and an equal count means an equal score:
the same raters)."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import combinations

import pytest

from scoring.campaign import Campaign
from scoring.disclosure import STAFF
from storage.reporting import build_view
from storage.sheets import Writer
from storage.store import Store


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_events_never_isolate_a_rater(store: Store, small: Campaign, clock, seed: int) -> None:
    rnd = random.Random(seed)
    await store.campaigns.load(small)
    stored = await store.campaigns.get(small.key)
    cid, k = stored.id, small.report_min_raters
    confidential = {g.key for _, g in small.groups() if g.confidential}
    sheets = {(s.rater, s.group): s for r in small.raters for s in await store.sheets.for_rater(cid, r.key)}
    imported: set[tuple[str, str]] = set()
    touched: set[tuple[str, str]] = set()
    views = [(await build_view(store, stored, STAFF))[0]]
    for _ in range(160):
        clock.now += timedelta(seconds=rnd.randint(1, 600))  # every write gets its own moment, as in production
        open_sheets = [key for key, s in sheets.items() if (await store.sheets.get(s.id)).is_open
                       and key not in imported]
        kind = rnd.choices(["tap", "submit", "import", "approve"], [6, 2, 1, 1])[0]
        tapped = None
        if kind == "tap" and open_sheets:
            rater, group = rnd.choice(open_sheets)
            sheet = sheets[rater, group]
            item = rnd.choice(await store.sheets.items(sheet.id))
            me = Writer(cid, own=(rater,))
            if rnd.random() < 0.1:
                assert await store.sheets.recuse(me, sheet.id, item.assignment_id, "曾在该单位任职")
            else:
                assert await store.sheets.set_value(me, sheet.id, item.assignment_id, rnd.randint(300, 1000) / 10)
            touched.add((rater, group))
            tapped = group
        elif kind == "submit":
            ready = [key for key in open_sheets if not (await store.sheets.get(sheets[key].id)).missing]
            if ready:
                await store.sheets.submit(sheets[rnd.choice(ready)].id, actor="test")
        elif kind == "import":
            fresh = [key for key in open_sheets if key not in touched]
            if fresh:
                rater, group = rnd.choice(fresh)
                rows = [(rater, group, i.department, rnd.randint(300, 1000) / 10, None)
                        for i in await store.sheets.items(sheets[rater, group].id)]
                await store.results.import_scores(cid, rows, actor="cli")
                imported.add((rater, group))
        elif kind == "approve":
            waiting = [s for (r, g), s in sheets.items() if g == "key_work_leads"]
            await store.sheets.approve(rnd.choice(waiting).id, actor="staff:approver_kw")
        view = (await build_view(store, stored, STAFF))[0]
        if tapped in confidential:
            assert view.to_json_dict() == views[-1].to_json_dict()
        views.append(view)
    moved = 0
    for a, b in combinations(views, 2):
        for da, db in zip(a.departments, b.departments, strict=True):
            for part in da.parts:
                for key in confidential & da.parts[part].groups.keys():
                    ga, gb = da.parts[part].groups[key], db.parts[part].groups[key]
                    assert ga.n == gb.n or abs(ga.n - gb.n) >= k, (key, da.key, ga.n, gb.n)
                    if ga.n == gb.n:
                        assert ga.score == gb.score, (key, da.key)
                    moved += ga.n != gb.n
    assert moved  # the run did release some blocks: the check above was not vacuous
