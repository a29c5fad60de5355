"""Staff's `/remind` (handlers/remind.py's `RemindNow`): every laggard of a milestone, now, through the
same paced Sender and the same reminder card as the scheduled reminders."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from bot.delivery import Outcome, Sender
from bot.reminders import open_sheets_by_rater, owing_at
from handlers.reminder_cards import reminder_message
from storage.campaigns import StoredCampaign
from storage.db import Clock
from storage.manual_reminds import ManualReminds
from storage.sheets import SheetInfo
from storage.store import Store
from texts import pick_lang


class ManualRemind:
    def __init__(self, store: Store, sender: Sender, clock: Clock) -> None:
        self.store = store
        self.sender = sender
        self.clock = clock

    async def remind_now(self, stored: StoredCampaign, milestone_key: str, actor: str) -> dict[str, int]:
        """Claimed first (storage.manual_reminds): within the campaign's `reminders.manual_quiet` of the
        last one it raises RemindedRecently and sends nothing, so a double tap, a second process or a
        redelivered update sends one burst. Not recorded in the reminders table (the scheduled ones
        still go out as planned); the audit log keeps who asked and how many were reached.
        """
        c = stored.campaign
        m = c.milestone(milestone_key)
        manual = ManualReminds(self.store.db)
        await manual.claim(stored.id, m.key, actor, c.reminders.manual_quiet_delta(), self.clock())
        milestone_of = {g.key: g.milestone for _, g in c.groups()}
        contacts = await self.store.people.contacts(stored.id)
        late = open_sheets_by_rater(await self.store.sheets.for_campaign(stored.id), milestone_of, m.key)
        owing = await owing_at(self.store, stored, m.key)
        for rater in owing:
            late.setdefault(rater, [])
        counts: Counter[str] = Counter()

        async def one(rater: str, sheets: list[SheetInfo]) -> None:
            contact = contacts.get(("rater", rater))
            if contact is None or contact.unreachable:
                counts["unbound" if contact is None else str(Outcome.UNREACHABLE)] += 1
                return
            lang = pick_lang(contact.lang, None, c.default_lang)
            text, markup = reminder_message(c, lang, m, sheets, self.clock(), owing.get(rater, []))
            counts[str(await self.sender.send(contact.chat_id, text, markup))] += 1

        await asyncio.gather(*(one(r, s) for r, s in sorted(late.items())))
        await manual.done(stored.id, m.key, dict(counts))
        await self.store.db.audit(stored.id, actor, "remind", m.key, new=json.dumps(dict(counts)))
        return dict(counts)
