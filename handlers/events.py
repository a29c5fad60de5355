"""What happens around a submitted sheet: the approver is asked, a proxied leader is told.

Both are notices to other people: queued in the outbox with the submit's aftermath and delivered by the
running bot through its paced Sender, in the reader's language (handlers/notices.py renders them)."""

from __future__ import annotations

from handlers.identity import Member
from handlers.notices import APPROVAL_REQUEST, Outbox, kick
from scoring.campaign import Role
from storage.sheets import SheetInfo
from storage.store import Store


async def sheet_submitted(store: Store, me: Member, sheet: SheetInfo, count: int, outbox: Outbox | None) -> None:
    campaign, cid = me.campaign, me.stored.id
    queued = False
    async with store.db.transaction():
        if sheet.rater != me.rater:  # a collector submitted on a leader's behalf
            collector = me.staff.key if me.staff else ""
            await store.outbox.add(cid, "rater", sheet.rater, "proxy.submitted", collector=collector,
                                   group=sheet.group, n=count)
            queued = True
        if campaign.group(sheet.group).requires_approval:
            for approver in campaign.staff:
                if Role.APPROVER in approver.roles and sheet.group in approver.approves:
                    await store.outbox.add(cid, "staff", approver.key, APPROVAL_REQUEST, approve=sheet.id)
                    queued = True
    if queued:
        kick(outbox)
