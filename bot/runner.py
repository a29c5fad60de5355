"""The real bot polling a Bot API server inside this process: for the demo and end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, Dispatcher

from bot.app import build_bot, build_dispatcher, set_commands
from bot.delivery import Sender
from bot.outbox import OutboxDelivery
from bot.scheduler import ReminderService
from handlers.clock import Clock
from storage.db import utc_now
from storage.store import Store


class RunningBot:
    def __init__(self, store: Store, token: str, api_base: str, clock: Clock = utc_now) -> None:
        self.store = store
        self.bot: Bot = build_bot(token, api_base)
        self.sender = Sender(self.bot, store.people)  # the one Sender, as in bot.app.run_polling
        self.reminders = ReminderService(store, self.sender, clock=clock)
        self.outbox = OutboxDelivery(store, self.bot, self.sender)
        self.dp: Dispatcher = build_dispatcher(store, clock, reminders=self.reminders.manual, outbox=self.outbox,
                                               sender=self.sender)
        self._task: asyncio.Task[None] | None = None
        self._polling = asyncio.Event()
        self.dp.startup.register(self._started)  # aiogram calls it as polling starts

    async def _started(self) -> None:
        self._polling.set()

    async def start(self) -> None:
        await set_commands(self.bot)
        await self.outbox.start()
        self._task = asyncio.create_task(
            self.dp.start_polling(
                self.bot, handle_signals=False, close_bot_session=False, polling_timeout=1,
                allowed_updates=self.dp.resolve_used_update_types(),
            )
        )
        # back once polling has started (or failed to start: its error is the task's)
        started = asyncio.ensure_future(self._polling.wait())
        await asyncio.wait({started, self._task}, timeout=2, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        if self._task.done():
            self._task.result()  # polling stopped before it started: its error, here

    async def stop(self) -> None:
        await self.outbox.stop()
        if self._task is not None:
            with contextlib.suppress(RuntimeError):
                await self.dp.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=10)
        await self.bot.session.close()
