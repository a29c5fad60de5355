"""Reminders after a crash (issue 11.7): at most once per (rater, milestone, offset), nothing held back.

The crash states are written into a real database as a killed process leaves
them: a claim with no send attempt yet (its reminder was never sent), and a
claim whose send had started (Telegram may or may not have delivered it). A
restarted `kaoping run` holds the instance lock (bot/instance_lock.py), so every
unfinished claim it finds is a dead process's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession

from bot.app import build_dispatcher
from bot.recording import recording_bot
from sandbox import SandboxServer
from scoring.validation import load_campaign
from storage.store import Store
from tests.conftest import Chatter
from tests.reminders.support import STAFF, TEMPLATE, TG, World, bind, fast_sender, utc
from tests.texts.shapes import shows

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SANDBOX-kaoping-crash-token"

SCORES_3D = utc(2027, 1, 7, 10)  # the 3-day reminder of `scores` is due from here
SCORES_1D = utc(2027, 1, 9, 10)
D3 = 3 * 86400


async def crashed(world: World, rater: str, *, attempting: bool) -> None:
    """What a process killed with -9 leaves: its claim, and if it had started the send, the attempt mark."""
    assert await world.store.reminders.claim(world.cid, rater, "scores", D3, owner="host:4242:dead")
    if attempting:
        assert await world.store.reminders.attempting(world.cid, rater, "scores", D3, owner="host:4242:dead")


async def test_claims_not_yet_sent_are_sent_at_once_after_a_restart(world: World):
    world.clock.now = SCORES_3D
    await crashed(world, "c3", attempting=False)
    await crashed(world, "c2", attempting=False)
    world.clock.now = SCORES_3D + timedelta(seconds=30)  # long before any claim timeout
    svc = world.service(sole=True)
    sent = await svc.tick()
    assert {(d.rater, d.outcome) for d in sent if d.milestone == "scores"} >= {("c3", "sent"), ("c2", "sent")}
    assert len(world.sent_to("c3")) == 1 and len(world.sent_to("c2")) == 1


async def test_a_send_cut_off_by_a_crash_is_not_repeated_but_counted_and_logged(world: World, caplog):
    world.clock.now = SCORES_3D
    await crashed(world, "c3", attempting=True)
    world.clock.now = SCORES_3D + timedelta(seconds=30)
    svc = world.service(sole=True)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        await svc.tick()
    assert world.sent_to("c3") == []  # it may have arrived: not sent again
    assert len(world.sent_to("c1")) == 1  # the others go out as usual
    outcomes = await world.outcomes()
    assert outcomes[("c3", "scores", D3)] == "unknown"
    assert any("unknown" in r.getMessage() and "c3" in r.getMessage() for r in caplog.records)
    # later ticks leave it alone; the next offset catches up as usual
    world.clock.now = SCORES_3D + timedelta(hours=1)
    await svc.tick()
    assert world.sent_to("c3") == []
    world.clock.now = SCORES_1D
    await svc.tick()
    assert len(world.sent_to("c3")) == 1
    assert (await world.outcomes())[("c3", "scores", 86400)] == "sent"


async def test_status_tells_staff_how_many_reminders_have_an_unknown_outcome(world: World):
    world.clock.now = SCORES_3D
    await crashed(world, "c3", attempting=True)
    await crashed(world, "c2", attempting=True)
    await world.service(sole=True).tick()
    bot, session = recording_bot()
    chatter = Chatter(build_dispatcher(world.store, world.clock), bot, session)
    await chatter.send(TG["boss"], "/status")
    assert shows(chatter.last_text(), "zh", "st.reminders_unknown", n=2)
    await chatter.send(TG["boss"], "/lang en")
    await chatter.send(TG["boss"], "/status")
    assert shows(chatter.last_text(), "en", "st.reminders_unknown", n=2)
    # a collector follows its leaders only: the count is for staff
    await chatter.send(TG["office"], "/status")
    assert not any(shows(chatter.last_text(), lang, "st.reminders_unknown") for lang in ("zh", "en"))
    # and the office's command line says it too
    import contextlib
    import io

    from bot.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert await asyncio.to_thread(main, ["--db", world.store.db.path, "status", world.campaign.key]) == 0
    assert "2 reminder(s) with unknown outcome" in out.getvalue()


async def test_without_the_lock_a_stale_attempt_is_recorded_unknown_never_resent(world: World):
    # two processes on one database (no instance lock): a claim is only taken over once stale,
    # and a stale claim whose send had started is recorded 'unknown' instead of being sent again
    world.clock.now = SCORES_3D
    await crashed(world, "c3", attempting=True)
    await crashed(world, "c2", attempting=False)
    svc = world.service(claim_ttl=timedelta(minutes=5))
    world.clock.now = SCORES_3D + timedelta(minutes=1)
    await svc.tick()
    assert world.sent_to("c3") == [] and world.sent_to("c2") == []  # a live process may still hold them
    assert ("c3", "scores", D3) in await world.outcomes() and (await world.outcomes())[("c3", "scores", D3)] is None
    world.clock.now = SCORES_3D + timedelta(minutes=6)
    await svc.tick()
    assert world.sent_to("c3") == [] and len(world.sent_to("c2")) == 1
    assert (await world.outcomes())[("c3", "scores", D3)] == "unknown"


async def test_each_send_is_marked_attempting_before_the_call_and_recorded_after(world: World):
    world.clock.now = SCORES_3D
    seen: list[tuple[str | None, bool]] = []
    svc = world.service(sole=True)
    real = svc.sender.bot.send_message

    async def spy(chat_id, text, **kw):
        if chat_id == TG["c3"]:
            row = await world.store.db.fetchone(
                "SELECT outcome, attempt_at IS NOT NULL FROM reminders WHERE rater = 'c3' AND offset_s = ?", (D3,)
            )
            seen.append((row[0], bool(row[1])))
        return await real(chat_id, text, **kw)

    svc.sender.bot.send_message = spy
    await svc.tick()
    assert seen == [(None, True)]  # during the call: attempting, no outcome yet
    assert (await world.outcomes())[("c3", "scores", D3)] == "sent"


# -- a real process, killed with -9 while Telegram holds its sends ----------------------------------------------


async def test_kill_9_during_sends_then_restart_repeats_nothing_and_holds_nothing_back(tmp_path):
    """`python -m bot run` against the sandbox; every sendMessage reaches the sandbox (and the user) but its
    response is held, so the bot is killed between the call and its record, the window where issue 11
    saw duplicates. The restart must send each remaining reminder once, at once: the suite's 120 s
    timeout is far below the 5-minute claim timeout that used to hold them back."""
    db = tmp_path / "kaoping.db"
    due = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    reminders = "{offsets: [3d], quiet_hours: null}"
    text = TEMPLATE.format(tz="Asia/Shanghai", scores=due, materials=due, reminders=reminders)
    campaign = load_campaign(text.replace("end: 2025-12-31", f"end: {int(due[:4]) + 1}-12-31"), "rem.yaml")
    store = await Store.open(db)
    try:
        cid = (await store.campaigns.load(campaign)).campaign_id
        for key, telegram_id in TG.items():
            await bind(store, cid, "staff" if key in STAFF else "rater", key, telegram_id)
    finally:
        await store.close()
    # one 3-day reminder per (rater, milestone): c1 and c2 are in a group of each milestone
    expected = {"c1": 2, "c2": 2, "c3": 1, "mayor": 1, "vmayor": 1}

    sandbox = SandboxServer(token=TOKEN)
    base = await sandbox.start()
    for telegram_id in TG.values():
        sandbox.user(telegram_id)
    real_call = sandbox._api.call
    holding, released = True, asyncio.Event()
    arrived = asyncio.Event()

    async def call(method, params):
        result = await real_call(method, params)  # the message is delivered...
        if method.lower() == "sendmessage" and holding:
            arrived.set()
            await released.wait()  # ...and the bot never hears back
        return result

    sandbox._api.call = call
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")} | {
        "KAOPING_DB": str(db), "KAOPING_BOT_TOKEN": TOKEN, "KAOPING_API_BASE": base,
        "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8",
    }

    async def start_run() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )

    def rows() -> list[tuple[str, str, str | None, str | None]]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return conn.execute("SELECT rater, milestone, attempt_at, outcome FROM reminders").fetchall()

    first = second = None
    try:
        first = await start_run()
        await asyncio.wait_for(arrived.wait(), 60)
        first.kill()
        await first.wait()
        at_kill = rows()
        attempted = [r for r in at_kill if r[2] is not None and r[3] is None]
        assert attempted  # the crash window was hit: sends started, none recorded
        delivered_before = sum(len(sandbox.sent_messages(TG[k])) for k in expected)

        holding = False
        released.set()
        second = await start_run()
        while len([r for r in rows() if r[3] is not None]) < sum(expected.values()):
            assert second.returncode is None, (await second.stderr.read()).decode()
            await asyncio.sleep(0.1)
        second.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 0, err.decode()

        final = rows()
        outcomes = [r[3] for r in final]
        # every send that had started is 'unknown' and was not repeated; everything else was sent once
        assert outcomes.count("unknown") == len(attempted)
        assert outcomes.count("sent") == sum(expected.values()) - len(attempted)
        for key, n in expected.items():
            assert len(sandbox.sent_messages(TG[key])) <= n, key  # never twice
        delivered = sum(len(sandbox.sent_messages(TG[k])) for k in expected)
        assert delivered == delivered_before + outcomes.count("sent")
        assert "outcome unknown" in err.decode()
    finally:
        released.set()
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()
        await sandbox.stop()


async def test_a_send_that_times_out_is_not_retried_but_recorded_unknown(world: World):
    """The lost response without a crash: Telegram got the message, the answer never came back."""
    sandbox = SandboxServer(token=TOKEN)
    await sandbox.start()
    for telegram_id in TG.values():
        sandbox.user(telegram_id)
    real_call = sandbox._api.call
    released = asyncio.Event()

    async def call(method, params):
        result = await real_call(method, params)
        if method.lower() == "sendmessage" and params.raw.get("chat_id") in (TG["c3"], str(TG["c3"])):
            await released.wait()  # delivered; the answer is lost
        return result

    sandbox._api.call = call
    bot = Bot(TOKEN, session=AiohttpSession(api=sandbox.api_server(), timeout=1))
    try:
        svc = world.service(bot=bot, sender=fast_sender(bot, world.store))
        world.clock.now = SCORES_3D
        sent = {d.rater: d.outcome for d in await svc.tick() if d.milestone == "scores"}
        assert sent["c3"] == "unknown" and sent["c1"] == "sent"
        assert len(sandbox.sent_messages(TG["c3"])) == 1  # not sent a second time
        world.clock.now = SCORES_3D + timedelta(minutes=10)
        assert await svc.tick() == []
        assert len(sandbox.sent_messages(TG["c3"])) == 1
    finally:
        released.set()
        await bot.session.close()
        await sandbox.stop()
