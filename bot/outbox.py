"""Delivers the outbox: notices that the CLI or another user's action owes someone.

Runs beside the poller: soon after a handler queues a notice (`kick`), and every few seconds for what
the command line queued. Each notice is sent once through the paced `Sender`; its outcome is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot

from bot.delivery import Outcome, Sender
from handlers.notices import render
from storage.store import Store
from texts import pick_lang

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0


class OutboxDelivery:
    def __init__(self, store: Store, bot: Bot, sender: Sender | None = None) -> None:
        self.store = store
        self.sender = sender or Sender(bot, store.people)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            try:
                await self.deliver()
            except Exception:  # the next round tries again; a notice is marked only once decided
                log.exception("outbox delivery failed")

    async def deliver(self) -> int:
        """Send what is queued; returns how many were decided (sent or given up)."""
        decided = 0
        for notice in await self.store.outbox.unsent():
            stored = await self.store.campaigns.by_id(notice.campaign_id)
            if notice.kind == "telegram":
                chat_id, lang_code = int(notice.key), None
                user = await self.store.people.user(chat_id)
                lang = pick_lang(user.lang, lang_code)
            else:
                contact = (await self.store.people.contacts(stored.id)).get((notice.kind, notice.key))
                if contact is None:
                    await self.store.outbox.mark(notice.id, "unbound")
                    decided += 1
                    continue
                chat_id, lang = contact.chat_id, pick_lang(contact.lang, None, stored.campaign.default_lang)
            rendered = await render(self.store, stored.campaign, lang, notice)
            if rendered is None:
                await self.store.outbox.mark(notice.id, "gone")
                decided += 1
                continue
            text, markup = rendered
            outcome = await self.sender.send(chat_id, text, markup)
            if outcome is Outcome.DEFERRED:
                continue  # flood control: the next round
            await self.store.outbox.mark(notice.id, outcome.value)
            decided += 1
        return decided
