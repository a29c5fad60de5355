"""Delivery under Telegram's rules: pacing, 429, 5xx and blocked users, against the sandbox Bot API."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode

from bot.delivery import Outcome, Pacer, Sender
from bot.reminders import SweepOptions
from bot.scheduler import ReminderService
from sandbox import SandboxServer
from scoring.validation import load_campaign
from storage.status import campaign_status
from storage.store import Store
from tests.reminders.support import TG, FakeMonotonic, World, bind, fast_sender, utc
from tests.texts.shapes import shows
from texts import t

ROOT = Path(__file__).resolve().parents[2]
SCORES_3D = utc(2027, 1, 7, 10)
SCORES_1D = utc(2027, 1, 9, 10)
SCORES_DUE = utc(2027, 1, 10, 10)
SCORE_RATERS = ("c1", "c2", "c3", "mayor", "vmayor")


# -- the pacer, on a fake clock -------------------------------------------------


async def test_pacer_keeps_25_a_second_overall_and_1_a_second_per_chat():
    # time stands still; each send starts when its own sleep would have ended
    slept: dict[asyncio.Task, float] = {}

    async def sleep(seconds: float) -> None:
        slept[asyncio.current_task()] = slept.get(asyncio.current_task(), 0.0) + seconds
        await asyncio.sleep(0)

    pacer = Pacer(clock=lambda: 0.0, sleep=sleep)
    starts: list[tuple[float, int]] = []

    async def one(chat: int) -> None:
        await pacer.acquire(chat)
        starts.append((slept.get(asyncio.current_task(), 0.0), chat))

    chats = [c for c in range(40) for _ in range(3)]  # 120 sends, three to each of 40 chats
    await asyncio.gather(*(one(c) for c in chats))
    assert len(starts) == 120
    times = sorted(t for t, _ in starts)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 1.0 - 1e-9) <= 25
    for chat in range(40):
        mine = sorted(t for t, c in starts if c == chat)
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(mine))
    assert 119 / 25 <= times[-1] - times[0] <= 6  # a waiting chat does not hold up the others


async def test_pacer_pause_holds_everyone():
    mono = FakeMonotonic()
    pacer = Pacer(clock=mono, sleep=mono.sleep)
    await pacer.acquire(1)
    start = mono.now
    pacer.pause(3)
    await pacer.acquire(2)
    assert mono.now - start == pytest.approx(3)


# -- the sandbox -----------------------------------------------------------------


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer() as server:
        for telegram_id in TG.values():
            server.user(telegram_id, f"u{telegram_id}")
        yield server


@pytest.fixture
async def api_bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    bot = Bot(sandbox.token, session=AiohttpSession(api=sandbox.api_server()),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


def delivered(sandbox: SandboxServer, key: str) -> list[str]:
    return [m["text"] for m in sandbox.sent_messages(TG[key])]


def send_calls(sandbox: SandboxServer) -> int:
    return sum(1 for method, _ in sandbox.calls if method.lower() == "sendmessage")


async def test_with_429s_injected_every_reminder_is_delivered_exactly_once(world: World, sandbox, api_bot):
    mono = FakeMonotonic()
    svc = world.service(bot=api_bot, sender=fast_sender(api_bot, world.store, mono))
    sandbox.inject("sendMessage", error_code=429, retry_after=1, times=3)
    world.clock.now = SCORES_3D
    sent = await svc.tick()
    assert {(d.rater, d.outcome) for d in sent if d.milestone == "scores"} == {(r, "sent") for r in SCORE_RATERS}
    for rater in SCORE_RATERS:
        assert len([t for t in delivered(sandbox, rater) if "评分结果" in t]) == 1
    assert mono.sleeps.count(1) >= 3  # waited retry_after each time
    world.clock.now = SCORES_3D + timedelta(minutes=1)
    assert await svc.tick() == []


async def test_a_retry_after_longer_than_allowed_defers_and_delivers_later(world: World, sandbox, api_bot):
    mono = FakeMonotonic()
    svc = world.service(bot=api_bot, sender=fast_sender(api_bot, world.store, mono, max_wait=120.0), concurrency=1)
    world.clock.now = SCORES_3D
    sandbox.inject("sendMessage", error_code=429, retry_after=600, chat_id=TG["c3"])
    first = await svc.tick()
    assert {d.rater for d in first if d.milestone == "scores"} == {"c1", "c2"}  # the rest waits for Telegram
    assert ("c3", "scores", 259200) not in await world.outcomes()  # released, not recorded
    assert delivered(sandbox, "c3") == []
    mono.now += 600
    world.clock.now = SCORES_3D + timedelta(minutes=10)
    second = await svc.tick()
    assert {(d.rater, d.outcome) for d in second} == {("c3", "sent"), ("mayor", "sent"), ("vmayor", "sent")}
    assert all(len(delivered(sandbox, r)) == 1 for r in ("c3", "mayor", "vmayor"))


async def test_server_errors_are_retried_with_backoff_then_given_up(world: World, sandbox, api_bot):
    mono = FakeMonotonic()
    svc = world.service(bot=api_bot, sender=fast_sender(api_bot, world.store, mono, tries=4), concurrency=1)
    world.clock.now = SCORES_3D
    sandbox.inject("sendMessage", error_code=502, times=2, chat_id=TG["c1"])  # recovers on the 3rd try
    sandbox.inject("sendMessage", error_code=500, times=10, chat_id=TG["c2"])  # never recovers
    sent = {d.rater: d.outcome for d in await svc.tick() if d.milestone == "scores"}
    assert sent == {"c1": "sent", "c2": "failed", "c3": "sent", "mayor": "sent", "vmayor": "sent"}
    assert len(delivered(sandbox, "c1")) == 1 and delivered(sandbox, "c2") == []
    backoffs = [s for s in mono.sleeps if s >= 0.5]  # the rest is the pacer's spacing
    assert backoffs == [1.0, 2.0, 1.0, 2.0, 4.0]  # exponential: c1 recovers, c2 gives up after 4 tries
    calls = send_calls(sandbox)
    world.clock.now = SCORES_3D + timedelta(minutes=10)
    assert await svc.tick() == []  # 'failed' is recorded: no retry storm on later ticks
    assert send_calls(sandbox) == calls


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_and_left_alone(world: World, sandbox, api_bot):
    svc = world.service(bot=api_bot, sender=fast_sender(api_bot, world.store))
    sandbox.block(TG["mayor"])
    world.clock.now = SCORES_3D
    sent = {d.rater: d.outcome for d in await svc.tick() if d.milestone == "scores"}
    assert sent["mayor"] == "unreachable" and sent["vmayor"] == "sent"
    contacts = await world.store.people.contacts(world.cid)
    assert contacts[("rater", "mayor")].unreachable is True
    stored = await world.store.campaigns.get(world.campaign.key)
    status = await campaign_status(world.store, stored)
    (mayor,) = [r for g in status.groups for r in g.raters if r.key == "mayor"]
    assert mayor.unreachable  # what /status shows
    calls = send_calls(sandbox)
    world.clock.now = SCORES_1D
    assert "mayor" not in {d.rater for d in await svc.tick()}
    assert send_calls(sandbox) == calls + 4  # the other four, not the mayor
    world.clock.now = SCORES_DUE
    await svc.tick()
    (digest,) = delivered(sandbox, "office")
    unreachable = t("zh", "digest.rater", name="市长", done=0, total=3, flag=t("zh", "digest.unreachable"))
    assert unreachable in digest  # the collector learns it must phone the mayor


async def test_the_municipal_campaign_goes_out_under_strict_rate_limits(store: Store, clock, tmp_path):
    path = ROOT / "examples" / "municipal.yaml"
    if not path.exists():
        pytest.skip("examples/municipal.yaml not written yet")
    campaign = load_campaign(path.read_text(encoding="utf-8"), str(path))
    result = await store.campaigns.load(campaign)
    people = [("rater", r.key) for r in campaign.raters] + [("staff", s.key) for s in campaign.staff]
    async with SandboxServer(strict_rates=True) as sandbox:
        ids = {}
        for n, (kind, key) in enumerate(people):
            ids[key] = 5000 + n
            sandbox.user(ids[key], key, language_code="en" if n % 2 else "zh-hans")
            await bind(store, result.campaign_id, kind, key, ids[key])
            if n % 2:
                await store.people.set_lang(ids[key], "en")
        bot = Bot(sandbox.token, session=AiohttpSession(api=sandbox.api_server()),
                  default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        try:
            # the production Sender and Pacer
            svc = ReminderService(store, Sender(bot, store.people), clock=clock,
                                  options=SweepOptions(concurrency=16))
            clock.now = utc(2027, 1, 9, 10)  # scores 1d: every rater with a 'scores' sheet
            began = time.monotonic()
            sent = await svc.tick()
            took = time.monotonic() - began
            reminded = [d for d in sent if d.milestone == "scores" and d.offset_s == 86400]
            assert {d.outcome for d in reminded} == {"sent"} and len(reminded) > 25
            assert {d.outcome for d in sent if d.offset_s == 3 * 86400} == {"skipped"}  # 3d: before this start
            delivered = [d for d in sent if d.outcome == "sent"]
            assert took >= (len(delivered) - 1) / 25 * 0.9  # paced, and still no 429 from the strict sandbox
            assert not [c for c in sandbox.calls if c[0].lower() != "sendmessage"]
            clock.now = utc(2027, 1, 10, 10)  # milestone: digests (the full one lists ~80 laggards)
            digests = [d for d in await svc.tick() if d.offset_s == -1]
            assert digests and {d.outcome for d in digests} == {"sent"}
            admin = sandbox.sent_messages(ids["admin"])[-1]["text"]
            cut = any(shows(admin, lang, "digest.more") for lang in ("zh", "en"))
            assert len(admin) <= 4096 and (cut or len(admin) < 3500)
        finally:
            await bot.session.close()


async def test_sender_outcomes_without_a_scheduler(world: World, sandbox, api_bot):
    mono = FakeMonotonic()
    sender = Sender(api_bot, world.store.people, Pacer(clock=mono, sleep=mono.sleep), clock=mono, sleep=mono.sleep)
    assert await sender.send(TG["c1"], "<b>hi</b>") == Outcome.SENT
    assert await sender.send(TG["c1"], "<b>broken") == Outcome.FAILED  # 400: retrying cannot help
    assert len(sandbox.sent_messages(TG["c1"])) == 1
    assert await sender.send(999_999, "nobody") == Outcome.FAILED  # chat not found
