"""Reminders: one tick's laggard sweep over 100k raters, and 1,000 reminders sent through flood control.

Sweep: 100k raters, each scoring the departments of one sector, all bound to
Telegram ids, two in five sheets submitted. The clock stands 8 hours before
the milestone (outside quiet hours), and every reminder already due is
recorded as sent: the tick is the steady state of a running bot, which reads
the sheets, contacts and sent reminders and finds nothing new to send. Its
floor is one plain pass over the same assignments with their scores.

Send: 1,000 bound raters with open sheets and nothing recorded; one tick of
the real `ReminderService` (claim, fresh progress, paced send, complete) sends
a reminder to each, over HTTP, to the sandbox with Telegram's flood control
on (30/s overall, 1/s per chat, 429 beyond). The pace is the achieved rate,
from the start of the tick to its end, against `Pacer`'s 25/s.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Sized
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter

from bench.common import (
    SCORES_DUE,
    STAMP_FORMAT,
    Figure,
    bind_all,
    build_campaign,
    bulk_load,
    collected,
    emit,
    median,
    note,
    quiet,
)
from bench.tap import FixedClock
from bot.delivery import Outcome, Sender
from bot.recording import recording_bot
from bot.scheduler import ReminderService
from storage import audit_chain
from storage.store import Store

TOKEN = "123456:SANDBOX-kaoping-bench-token"
PACE = 25.0  # bot.delivery.Pacer's default rate
FIRST_USER = 2_000_000
# 10:00 local on the milestone's day (due 18:00): the 3d and 1d reminders are due, 2h is not; not quiet hours
NOW = (SCORES_DUE - timedelta(hours=8)).replace(tzinfo=UTC) - timedelta(hours=8)
SIZES = {
    "full": {"raters": 100_000, "sweep_reps": 5, "sends": 1000},
    "quick": {"raters": 20_000, "sweep_reps": 3, "sends": 200},
    "tiny": {"raters": 200, "sweep_reps": 2, "sends": 20},
}
SCAN_SQL = (
    "SELECT a.rater, a.grp, s.value FROM assignments a LEFT JOIN scores s ON s.assignment_id = a.id"
    " WHERE a.campaign_id = ?"
)


def _label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _submit_some(path: Path, campaign_id: int, every: int = 5, submitted: int = 2) -> None:
    """Sheets with id % every < submitted are submitted, every other sheet is open."""
    conn = sqlite3.connect(path, isolation_level=None)
    audit_chain.register(conn)
    try:
        conn.execute(
            "UPDATE sheets SET state = CASE WHEN id % ? < ? THEN 'submitted' ELSE 'open' END,"
            " submitted_at = CASE WHEN id % ? < ? THEN ? END WHERE campaign_id = ?",
            (every, submitted, every, submitted, NOW.strftime(STAMP_FORMAT), campaign_id),
        )
    finally:
        conn.close()


def _record_due(path: Path, campaign_id: int, offsets_s: list[int]) -> int:
    """Every due reminder of every open sheet's rater, recorded as sent (the steady state)."""
    stamp = (NOW - timedelta(hours=1)).strftime(STAMP_FORMAT)
    conn = sqlite3.connect(path, isolation_level=None)
    audit_chain.register(conn)
    try:
        conn.execute("BEGIN IMMEDIATE")
        raters = [r for (r,) in conn.execute(
            "SELECT DISTINCT rater FROM sheets WHERE campaign_id = ? AND state != 'submitted'", (campaign_id,))]
        conn.executemany(
            "INSERT INTO reminders (campaign_id, rater, milestone, offset_s, claimed_by, claimed_at, sent_at, outcome)"
            " VALUES (?, ?, 'scores', ?, 'bench', ?, ?, 'sent')",
            [(campaign_id, r, o, stamp, stamp) for r in raters for o in offsets_s],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(raters)


async def bench_sweep(raters: int, reps: int, out: list[Figure], workdir: Path) -> None:
    path = workdir / "sweep.db"
    store = await Store.open(path)
    await store.close()
    campaign = build_campaign(raters=raters, sectors=12, rule="sector")
    loaded = bulk_load(path, campaign, scored=0.9)
    _submit_some(path, loaded.campaign_id)
    bind_all(path, loaded.campaign_id, [r.key for r in campaign.raters], FIRST_USER)
    laggards = _record_due(path, loaded.campaign_id, [3 * 86400, 86400])
    note(f"sweep: {len(campaign.raters)} raters, {loaded.assignments} assignments, {loaded.scores} scores, "
         f"{laggards} laggards; loaded in {loaded.seconds:.1f}s")
    clock = FixedClock(NOW)
    store = await Store.open(path, clock)
    bot, _session = recording_bot()
    service = ReminderService(store, Sender(bot, store.people), clock=clock)
    label = _label(raters)
    try:
        first = await service.tick()  # parses the campaign once, as the running bot has long done
        if first:
            raise RuntimeError(f"the steady-state tick should find nothing new, found {len(first)}")
        ticks, scans = [], []
        for rep in range(reps):
            pair: list[tuple[str, Callable[[], Awaitable[Sized]]]] = [
                ("tick", service.tick), ("scan", lambda: store.db.fetchall(SCAN_SQL, (loaded.campaign_id,))),
            ]
            for name, factory in pair if rep % 2 == 0 else pair[::-1]:
                with collected():
                    start = time.perf_counter()
                    result = await factory()
                    elapsed = time.perf_counter() - start
                if name == "tick":
                    if result:
                        raise RuntimeError(f"tick sent {len(result)} reminders in the steady state")
                    ticks.append(elapsed)
                else:
                    scans.append(elapsed)
        emit(out, f"sweep.{label}.s", median(ticks), "s")
        emit(out, f"sweep.{label}.scan_s", median(scans), "s")
        emit(out, f"sweep.{label}.ratio_vs_scan", median(t / s for t, s in zip(ticks, scans, strict=True)), "x")
        emit(out, f"sweep.{label}.laggards", laggards, "raters")
    finally:
        await bot.session.close()
        await store.close()


class CountingSession(AiohttpSession):
    """aiohttp session that counts the 429s Telegram (here: the sandbox) answered."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flood = 0
        self.sent = 0

    async def make_request(self, bot: Bot, method: Any, timeout: int | None = None) -> Any:
        try:
            result = await super().make_request(bot, method, timeout)
        except TelegramRetryAfter:
            self.flood += 1
            raise
        if type(method).__name__ == "SendMessage":
            self.sent += 1
        return result


async def bench_send(sends: int, out: list[Figure], workdir: Path) -> None:
    from sandbox import SandboxServer

    path = workdir / "send.db"
    store = await Store.open(path)
    await store.close()
    campaign = build_campaign(raters=sends, sectors=12, rule="sector", offsets=("1d",), key="send")
    loaded = bulk_load(path, campaign, scored=0.5)
    _submit_some(path, loaded.campaign_id, every=1, submitted=0)  # bulk_load submits approval groups: reopen
    users = bind_all(path, loaded.campaign_id, [r.key for r in campaign.raters], FIRST_USER)
    sandbox = SandboxServer(token=TOKEN, strict_rates=True)
    await sandbox.start()
    for telegram_id in users.values():
        sandbox.user(telegram_id, f"u{telegram_id}")
    clock = FixedClock(NOW)
    store = await Store.open(path, clock)
    session = CountingSession(api=sandbox.api_server())
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    service = ReminderService(store, Sender(bot, store.people), clock=clock)
    try:
        with collected():
            start = time.perf_counter()
            done = await service.tick()
            elapsed = time.perf_counter() - start
        sent = sum(1 for d in done if d.outcome == Outcome.SENT)
        delivered = sum(len(sandbox.sent_messages(u)) for u in users.values())
        if sent != len(users) or delivered != len(users):
            raise RuntimeError(f"expected {len(users)} reminders sent, the tick says {sent}, the sandbox {delivered}")
        rate = sent / elapsed
        emit(out, "send.count", sent, "messages")
        emit(out, "send.s", elapsed, "s")
        emit(out, "send.per_s", rate, "msg/s")
        emit(out, "send.pace_ratio", rate / PACE, "x")
        emit(out, "send.429", session.flood, "count")
    finally:
        await session.close()
        await sandbox.stop()
        await store.close()


async def bench_reminders(raters: int = 100_000, sweep_reps: int = 5, sends: int = 1000) -> list[Figure]:
    out: list[Figure] = []
    with quiet(), tempfile.TemporaryDirectory(prefix="kaoping-bench-") as tmp:
        await bench_sweep(raters, sweep_reps, out, Path(tmp))
        note(f"send: {sends} reminders at {PACE:g}/s through the sandbox with flood control")
        await bench_send(sends, out, Path(tmp))
    return out


def run(size: str = "full") -> list[Figure]:
    return asyncio.run(bench_reminders(**SIZES[size]))
