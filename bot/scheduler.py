"""APScheduler's lifecycle: one periodic tick (every `interval` seconds) runs the reminder sweep.

Why one tick instead of one `date` job per reminder: the sweep (bot/reminders.py) derives what is due
from the campaign as stored *now* (the rules: scoring/reminder_timing.py), so restarts, catch-up after
downtime and `kaoping load` changes need no rescheduling at all, and nothing is held in memory.
`ReminderService` is what the composition root (bot/app.py) builds and registers on the dispatcher's
startup and shutdown; it also offers staff's `/remind` (bot/remind_now.py) and `tick()` for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Sender
from bot.remind_now import ManualRemind
from bot.reminders import DEFAULT_SWEEP, Delivery, ReminderSweep, SweepOptions
from storage.campaigns import StoredCampaign
from storage.db import Clock
from storage.store import Store

log = logging.getLogger(__name__)


class ReminderService:
    """Owns the APScheduler; `tick()` does one pass and may be called directly (tests)."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        clock: Clock | None = None,
        interval: float = 30.0,
        stop_timeout: float = 10.0,
        options: SweepOptions = DEFAULT_SWEEP,
    ) -> None:
        self.store = store
        self.clock: Clock = clock or store.db.clock
        self.interval = interval
        self.sender = sender
        self.stop_timeout = stop_timeout
        self.sweep = ReminderSweep(store, self.sender, clock=self.clock, options=options)
        self.manual = ManualRemind(store, self.sender, self.clock)
        self._scheduler: AsyncIOScheduler | None = None
        self._task: asyncio.Task | None = None

    @property
    def concurrency(self) -> int:
        """Sends of one campaign in flight at once."""
        return self.sweep.concurrency

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        self.sweep.concurrency = value

    async def tick(self) -> list[Delivery]:
        """One pass of the sweep now: record (and send) everything due. Never raises."""
        return await self.sweep.tick()

    async def remind_now(self, stored: StoredCampaign, milestone_key: str, actor: str) -> dict[str, int]:
        """Staff's `/remind` (handlers.remind.RemindNow)."""
        return await self.manual.remind_now(stored, milestone_key, actor)

    # -- lifecycle (registered on the dispatcher's startup and shutdown) ---------

    async def start(self) -> None:
        if self._scheduler is not None:
            return
        self.sweep.stopping = False
        apscheduler_log = logging.getLogger("apscheduler.executors")
        if apscheduler_log.level == logging.NOTSET:
            apscheduler_log.setLevel(logging.WARNING)  # not two INFO lines every tick
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._fire, IntervalTrigger(seconds=self.interval, timezone=UTC), id="kaoping-reminders",
            name="reminders tick", next_run_time=datetime.now(UTC),  # the first tick catches up at start-up
            max_instances=1, coalesce=True, misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("reminders: ticking every %gs as %s", self.interval, self.sweep.owner)

    async def stop(self) -> None:
        """Stop ticking; a tick in progress finishes the sends it started (claims get completed)."""
        self.sweep.stopping = True
        if self._scheduler is not None:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            self._scheduler = None
        task, self._task = self._task, None
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.stop_timeout)
        except TimeoutError:
            log.warning("reminders: tick still busy after %gs; cancelled", self.stop_timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _fire(self) -> None:
        # APScheduler cancels its running jobs at shutdown; the tick runs in a task of its own so
        # that stop() can let it finish instead.
        if self.sweep.stopping or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.create_task(self.sweep.tick(), name="reminders-tick")
