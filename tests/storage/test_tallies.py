"""The store's SQL tallies give the same report as the engine's own pass over the rows.

`build_report` lets SQLite add the scores up; `score_rows` reads every row
(for the admin's workbook). Both must lead to the same report, whatever mix
of values, recusals, comment-only rows, late entries and unapproved sheets
the store holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scoring.engine import compute
from storage.reporting import approval_groups, build_report, counted_raters, milestone_stamps, score_rows


async def test_sql_tallies_make_the_report_the_rows_make(store, municipal):
    cid = (await store.campaigns.load(municipal)).campaign_id
    keys = await store.results.assignment_keys(cid)
    # every 7th assignment left open; values on the hundredth grid, some of them awkward in binary (87.3)
    rows = [(r, g, d, (50 + (i * 37) % 5001 / 100) if i % 5 else 87.3, None)
            for i, (r, g, d) in enumerate(keys) if i % 7]
    await store.results.import_scores(cid, rows, actor="test")
    ids = [aid for (aid,) in await store.db.fetchall(
        "SELECT assignment_id FROM scores s JOIN assignments a ON a.id = s.assignment_id"
        " WHERE a.campaign_id = ? ORDER BY assignment_id", (cid,))]
    stored = await store.campaigns.get(municipal.key)
    late = datetime.fromisoformat(max(milestone_stamps(stored).values())) + timedelta(days=1)
    async with store.db.transaction() as conn:
        await conn.executemany("UPDATE scores SET value = NULL, recused = 1, reason = 'r' WHERE assignment_id = ?",
                               [(a,) for a in ids[::11]])
        await conn.executemany("UPDATE scores SET value = NULL, comment = 'c' WHERE assignment_id = ?",
                               [(a,) for a in ids[5::13]])
        await conn.executemany("UPDATE scores SET updated_at = ? WHERE assignment_id = ?",
                               [(late.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), a) for a in ids[3::17]])
    pending = approval_groups(stored)
    assert pending  # the example has a group that needs approval: approve some of its sheets, not all
    sheets = [s for s in await store.sheets.for_campaign(cid) if s.group in pending]
    for sheet in sheets[::2]:
        await store.sheets.approve(sheet.id, actor="test")

    from_sql = await build_report(store, stored)
    every_row = await score_rows(store, stored)
    from_rows = compute(municipal, keys, every_row)
    assert from_sql == from_rows
    groups = [g for d in from_sql.departments for p in d.parts.values() for g in p.groups.values()]
    # the mix really is in there
    assert all(sum(getattr(g, name) for g in groups) > 0 for name in ("recused", "pending", "late", "n"))
    assert sum(g.expected for g in groups) > sum(g.n + g.recused + g.pending for g in groups)


async def test_counted_raters_are_the_raters_whose_values_count(store, small):
    cid = (await store.campaigns.load(small)).campaign_id
    keys = await store.results.assignment_keys(cid)
    await store.results.import_scores(cid, [(r, g, d, 80.0, None) for r, g, d in keys], actor="test")
    stored = await store.campaigns.get(small.key)
    pairs = sorted({(g, d) for _, g, d in keys})
    found = await counted_raters(store, stored, pairs)
    needs = set(approval_groups(stored))
    expected: dict[tuple[str, str], set[str]] = {}
    for r, g, d in keys:
        if g not in needs:  # nothing approved yet: those values do not count
            expected.setdefault((g, d), set()).add(r)
    assert found == expected
