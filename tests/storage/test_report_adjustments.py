"""The report's adjustments on a real SQLite file: listed with reasons, revoked ones neither counted nor shown."""

from __future__ import annotations

import json

from reports.exports import render_json
from scoring.campaign import Campaign
from storage.reporting import build_report
from storage.store import Store


async def test_report_lists_adjustments_in_force_and_flags_the_cap(store: Store, small: Campaign) -> None:
    assert small.adjustment_cap == 5
    await store.campaigns.load(small)
    stored = await store.campaigns.get(small.key)
    dept = next(d.key for d in small.departments if not small.is_external(d.profile))
    first = await store.adjustments.add(stored.id, dept, 3, "省级表彰", actor="cli")
    second = await store.adjustments.add(stored.id, dept, 4, "国家级试点", actor="cli")
    wrong = await store.adjustments.add(stored.id, dept, -2, "录错了", actor="cli")
    # revoked: the lead's revoke-adjustment writes these columns; here they are written by hand
    await store.db.execute(
        "UPDATE adjustments SET revoked_at = '2025-01-09T00:00:00.000000Z', revoked_by = 'cli',"
        " revoke_reason = '重复' WHERE id = ?", (wrong,),
    )
    data = json.loads(render_json(await build_report(store, stored)))
    got = next(d for d in data["departments"] if d["key"] == dept)
    assert got["adjustments"] == [{"id": first, "points": 3.0, "reason": "省级表彰"},
                                  {"id": second, "points": 4.0, "reason": "国家级试点"}]
    assert (got["adjustment"], got["adjustment_clamped"]) == (5.0, True)  # +7 capped at 5: said so
