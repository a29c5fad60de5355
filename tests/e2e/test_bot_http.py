"""End to end over real HTTP: the real bot polls the sandbox Bot API; simulated people tap buttons.

The restart test runs `python -m bot run` as a separate process and kills it
with SIGKILL in the middle of a walk, as a crash would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from handlers.callbacks import Act, Walk
from sandbox import SandboxServer, SimUser
from scoring.campaign import Campaign
from storage.store import Store
from tests.e2e.steps import invitation, invited, offers_a_sheet, tap
from tests.texts.shapes import plain, shows_plain

TOKEN = "123456:SANDBOX-kaoping-e2e-token"  # the same as conftest's: the subprocess bot needs it
ROOT = Path(__file__).resolve().parents[2]


async def bind(store: Store, sandbox: SandboxServer, campaign: Campaign, key: str, user_id: int) -> SimUser:
    return await invited(store, sandbox, campaign, "rater", key, user_id, offers_a_sheet)


def leaders_sheet_label(user: SimUser) -> str:
    return next(label for label in user.last().labels if shows_plain(label, "zh", "btn.continue") and "领导" in label)


async def leader_sheet(store: Store, campaign: Campaign, key: str):
    stored = await store.campaigns.get(campaign.key)
    sheet = next(s for s in await store.sheets.for_rater(stored.id, key) if s.group == "leaders")
    return await store.sheets.walk(sheet.id)


def leader_key(campaign: Campaign) -> str:
    return next(r.key for r in campaign.raters if any(m.group == "leaders" for m in r.memberships()))


async def at_the_leaders_sheet(store: Store, sandbox: SandboxServer, campaign: Campaign,
                               user_id: int) -> tuple[SimUser, str]:
    """A city leader (and its key) bound over HTTP, with the leaders' sheet opened on its card."""
    await store.campaigns.load(campaign)
    key = leader_key(campaign)
    user = await bind(store, sandbox, campaign, key, user_id)
    await tap(user, leaders_sheet_label(user))
    return user, key


async def test_full_walk_one_message_one_tap_per_department(store, sandbox, running, municipal):
    user, key = await at_the_leaders_sheet(store, sandbox, municipal, 7001)
    sheet, items = await leader_sheet(store, municipal, key)
    assert len(items) >= 40
    sandbox.calls.clear()
    for _ in items:
        await tap(user, "90")
    sends = [m for m, _ in sandbox.calls if m in ("sendMessage", "sendDocument", "sendPhoto")]
    assert sends == []  # the whole walk edited one message
    assert len(user.chat()) == 3  # /start, the welcome, the one card
    assert shows_plain(user.last().text, "zh", "review.title")
    _, items = await leader_sheet(store, municipal, key)
    assert [i.value for i in items] == [90.0] * len(items)
    await tap(user, plain("zh", "btn.submit"))
    await tap(user, plain("zh", "btn.confirm_submit"))
    sheet, _ = await leader_sheet(store, municipal, key)
    assert sheet.state == "submitted" and sheet.digest in user.last().text


async def test_same_rater_on_a_second_card_loses_nothing(store, sandbox, running, small):
    user, key = await at_the_leaders_sheet(store, sandbox, small, 7002)
    first_card = user.last().message_id
    await tap(user, "85")
    # the second device opens the bot again: a new card, continuing where the walk stands
    await user.send("/start")
    await user.wait_for(lambda u: u.last().message_id != first_card)
    await tap(user, leaders_sheet_label(user))
    await tap(user, "95")
    # the old card on the first device still shows department 2, drawn before the 95: its tap is not
    # applied silently; the card is redrawn with the stored 95 and one more tap replaces it
    count = len(user.answers)
    await user.press("70", message_id=first_card)
    await user.wait_for(lambda u: len(u.answers) > count)
    _, items = await leader_sheet(store, small, key)
    assert [i.value for i in items[:3]] == [85.0, 95.0, None]
    await user.wait_for(lambda u: "95" in (u._chat.get(first_card).text or ""))  # the redrawn card
    count = len(user.answers)
    await user.press("70", message_id=first_card)
    await user.wait_for(lambda u: len(u.answers) > count)
    _, items = await leader_sheet(store, small, key)
    assert [i.value for i in items[:3]] == [85.0, 70.0, None]


async def test_forged_and_stale_callbacks_over_http(store, sandbox, running, small):
    user, key = await at_the_leaders_sheet(store, sandbox, small, 7003)
    card = user.last().message_id
    sheet, items = await leader_sheet(store, small, key)
    stored = await store.campaigns.get(small.key)
    other = next(s for s in await store.sheets.for_campaign(stored.id) if s.rater != key)
    _, other_items = await store.sheets.walk(other.id)
    forged = [
        Walk(act=Act.SCORE, sheet=other.id, item=other_items[0].assignment_id, arg=0).pack(),
        f"w:s:{sheet.id}:{items[0].assignment_id}:-500:0",  # a forged negative: refused before any arithmetic
        Walk(act=Act.SCORE, sheet=sheet.id, item=items[0].assignment_id, arg=100_000).pack(),
        "w:s:abc",
        "x" * 64,
    ]
    for data in forged:
        query = await user.press_data(data, card)
        answer = await user.wait_answer(query)
        assert answer.text  # a short answer, never silence
    _, items = await leader_sheet(store, small, key)
    _, other_items = await store.sheets.walk(other.id)
    assert all(i.value is None for i in items + other_items)


async def test_bad_typed_values_then_a_good_one(store, sandbox, running, small):
    user, key = await at_the_leaders_sheet(store, sandbox, small, 7004)
    await tap(user, plain("zh", "btn.other"))
    for bad, says in (("优秀", "value.not_a_number"), ("100.5", "value.off_scale"), ("88.55", "value.decimals"),
                      ("-1", "value.off_scale")):
        before = user.last().text
        await user.send(bad)
        await user.wait_for(lambda u, b=before: u.last().text != b)
        assert plain("zh", says, text=bad) in user.last().text, user.dump()
    await user.send("９２")
    await user.wait_for(lambda u: shows_plain(u.last().text, "zh", "card.head", done=1))
    _, items = await leader_sheet(store, small, key)
    assert [i.value for i in items if i.value is not None] == [92.0]


async def test_locked_sheet_refuses_old_card(store, sandbox, running, small):
    user, key = await at_the_leaders_sheet(store, sandbox, small, 7005)
    card = user.last().message_id
    first_button = next(data for row in user.last().buttons for label, data in row if label == "80")
    _, items = await leader_sheet(store, small, key)
    for _ in items:
        await tap(user, "75")
    await tap(user, plain("zh", "btn.submit"))
    await tap(user, plain("zh", "btn.confirm_submit"))
    query = await user.press_data(first_button, card)
    answer = await user.wait_answer(query)
    assert answer.text == plain("zh", "ack.locked")
    _, items = await leader_sheet(store, small, key)
    assert {i.value for i in items} == {75.0}


async def test_restart_in_the_middle_of_a_walk_loses_nothing(tmp_path, sandbox, small):
    db = tmp_path / "restart.db"
    store = await Store.open(db)
    await store.campaigns.load(small)
    key = leader_key(small)
    user, start = await invite_only(store, sandbox, small, key, 7006)
    await store.close()
    process = start_bot_process(db, sandbox)
    try:
        await user.send(start)
        await user.wait_for(offers_a_sheet, timeout=30)
        await tap(user, leaders_sheet_label(user))
        await tap(user, "95")
        await tap(user, "85")
        acknowledged = len(user.answers)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    store = await Store.open(db)
    _, items = await leader_sheet(store, small, key)
    assert [i.value for i in items[:2]] == [95.0, 85.0]  # every acknowledged tap survived the crash
    await store.close()
    process = start_bot_process(db, sandbox)
    try:
        # a fresh process needs a few seconds to start on a busy machine
        await tap(user, "70", timeout=60)  # the card left on the phone continues at the right department
        assert len(user.answers) == acknowledged + 1
        store = await Store.open(db)
        _, items = await leader_sheet(store, small, key)
        await store.close()
        assert [i.value for i in items[:3]] == [95.0, 85.0, 70.0]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0  # SIGTERM is a graceful shutdown


async def invite_only(
    store: Store, sandbox: SandboxServer, campaign: Campaign, key: str, user_id: int
) -> tuple[SimUser, str]:
    """A user and the /start text of their invite, before any bot is running."""
    return await invitation(store, sandbox, campaign, "rater", key, user_id)


def start_bot_process(db: Path, sandbox: SandboxServer) -> subprocess.Popen:
    env = os.environ | {
        "KAOPING_BOT_TOKEN": TOKEN, "KAOPING_API_BASE": sandbox.base_url, "KAOPING_DB": str(db),
        "KAOPING_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)



@pytest.mark.parametrize(("token", "says"), [(None, "is not set"), ("not-a-token", "is malformed")])
def test_run_without_a_good_token_says_so_in_one_line(tmp_path, token, says):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")}
    env |= {"KAOPING_DB": str(tmp_path / "x.db"), "PYTHONPATH": str(ROOT)}
    if token is not None:
        env["KAOPING_BOT_TOKEN"] = token
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "KAOPING_BOT_TOKEN" in lines[0] and says in lines[0]
    assert token is None or token not in done.stderr.replace("KAOPING_BOT_TOKEN", "")


@contextlib.contextmanager
def bot_process(db: Path, sandbox: SandboxServer) -> Iterator[subprocess.Popen]:
    """`python -m bot run` for the block; stopped with SIGTERM (killed if it hangs) unless the block killed it."""
    process = start_bot_process(db, sandbox)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def crash(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def bound_in_a_process(db: Path, sandbox: SandboxServer, small: Campaign, user_id: int) -> tuple[SimUser, str]:
    """A campaign in a new database, and a leader who opened the invite and the first sheet in a real process."""
    store = await Store.open(db)
    await store.campaigns.load(small)
    key = leader_key(small)
    user, start = await invite_only(store, sandbox, small, key, user_id)
    await store.close()
    return user, start


async def opened(user: SimUser, start: str) -> None:
    await user.send(start)
    await user.wait_for(offers_a_sheet, timeout=30)
    await tap(user, leaders_sheet_label(user))


async def first_values(db: Path, small: Campaign, until: Callable[[list], bool]) -> list:
    """The leader's values once `until` holds (a fresh process needs a few seconds on a busy machine)."""
    store = await Store.open(db)
    try:
        for _ in range(600):
            _, items = await leader_sheet(store, small, leader_key(small))
            if until(items):
                break
            await asyncio.sleep(0.1)
    finally:
        await store.close()
    return [i.value for i in items]


async def test_a_typed_value_prompt_survives_a_restart(tmp_path, sandbox, small):
    """Open "其他分数…", the bot is killed, a new process starts: the typed 88 is stored for that department."""
    db = tmp_path / "prompt.db"
    user, start = await bound_in_a_process(db, sandbox, small, 7007)
    with bot_process(db, sandbox) as process:
        await opened(user, start)
        await tap(user, plain("zh", "btn.other"))
        crash(process)
    with bot_process(db, sandbox):
        await user.send("88")
        values = await first_values(db, small, lambda items: items[0].value is not None)
    assert values[0] == 88.0


async def test_undo_delivered_again_after_a_crash_reverts_nothing_more(tmp_path, sandbox, small):
    """Score, score, Undo; the bot is killed and Telegram delivers the Undo again to a new process."""
    db = tmp_path / "undo.db"
    user, start = await bound_in_a_process(db, sandbox, small, 7008)
    with bot_process(db, sandbox) as process:
        await opened(user, start)
        await tap(user, "70")
        await tap(user, "75")
        query = await user.press(plain("zh", "btn.undo"))
        await user.wait_answer(query)
        crash(process)
    (undo,) = [u for u in sandbox.world.updates.history if u.get("callback_query", {}).get("id") == query]
    sandbox.world.updates.redeliver(undo)
    with bot_process(db, sandbox):
        # until the new process has taken the redelivered update, and a moment to handle it
        await first_values(db, small, lambda items: not sandbox.world.updates.pending)
        await asyncio.sleep(1.0)
        values = await first_values(db, small, lambda items: True)
    assert values[:2] == [70.0, None]  # the second score undone once, the first kept
