"""Proxy entry made visible: the leader is told of a collector's entries once per batch, and answers."""

from __future__ import annotations

import json

from storage.campaigns import StoredCampaign
from storage.sheets import SheetInfo
from storage.store import Store

_SINCE_SQL = """
SELECT COUNT(*), MAX(au.id) FROM audit au
JOIN assignments a ON a.id = au.assignment_id
WHERE a.campaign_id = ? AND a.rater = ? AND a.grp = ? AND au.source = 'proxy' AND au.id > ?
"""
_TOLD_SQL = """
SELECT MAX(CAST(json_extract(args, '$.upto') AS INTEGER)) FROM outbox
WHERE campaign_id = ? AND text_key = 'proxy.batch' AND kind = 'rater' AND key = ?
  AND json_extract(args, '$.proxy_sheet') = ?
"""


async def tell_leader(store: Store, stored: StoredCampaign, sheet: SheetInfo, collector: str) -> bool:
    """Queue one notice for the proxy entries on `sheet` the leader has not been told of; False if none."""
    async with store.db.transaction():
        told = await store.db.fetchone(_TOLD_SQL, (stored.id, sheet.rater, sheet.id))
        since = told[0] if told and told[0] else 0
        count, upto = await store.db.one(_SINCE_SQL, (stored.id, sheet.rater, sheet.group, since))
        if not count:
            return False
        await store.outbox.add(stored.id, "rater", sheet.rater, "proxy.batch", collector=collector,
                               group=sheet.group, n=count, proxy_sheet=sheet.id, upto=upto)
    return True


async def answer(store: Store, stored: StoredCampaign, sheet: SheetInfo, upto: int, ok: bool, collector: str,
                 *, actor: str) -> bool:
    """The leader confirms the batch or asks for a change (the collector is told); False if answered before."""
    action = "proxy_ok" if ok else "proxy_change"
    subject = f"{sheet.rater}/{sheet.group}"
    async with store.db.transaction():
        done = await store.db.fetchone(
            "SELECT 1 FROM audit WHERE campaign_id = ? AND action = ? AND subject = ? AND new = ?",
            (stored.id, action, subject, json.dumps({"upto": upto})),
        )
        if done:
            return False
        await store.db.audit(stored.id, actor, action, subject, new=json.dumps({"upto": upto}))
        if not ok:
            await store.outbox.add(stored.id, "staff", collector, "proxy.change_asked", rater=sheet.rater,
                                   group=sheet.group)
    return True
