"""`/remind` through the production dispatcher: a quiet period per milestone, Cancel, a redelivered
confirmation that sends nothing twice, and the raters who never opened their invite named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import CallbackQuery, Chat, Message, Update

from bot.recording import recording_bot
from bot.scheduler import ReminderService
from tests.conftest import seat
from tests.reminders.support import fast_sender
from tests.texts.shapes import shows
from texts import t

ADMIN, COLLECTOR, LEAD, MAYOR = 901, 903, 904, 905
BOT_USER_ID = 42



@pytest.fixture
async def team(chatter, store, small):
    await seat(chatter, store, small, ("staff", "admin", ADMIN), ("staff", "col_zf", COLLECTOR),
               ("rater", "kwl_econ", LEAD), ("rater", "ld_sz", MAYOR))
    chatter.session.clear()
    return small


def reminded(chatter) -> list[int]:
    return [c.params["chat_id"] for c in chatter.session.of("SendMessage") if c.params["chat_id"] != ADMIN]


def confirm_update(chatter, data: str) -> Update:
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=ADMIN, type="private"),
                      from_user=chatter.user(BOT_USER_ID), text="card")
    query = CallbackQuery(id=str(next(chatter.ids)), from_user=chatter.user(ADMIN), chat_instance="ci",
                          message=message, data=data)
    return Update(update_id=next(chatter.ids), callback_query=query)


async def test_a_second_remind_within_the_quiet_period_is_refused_with_the_time(chatter, store, team, clock):
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.confirm")))
    first = reminded(chatter)
    assert LEAD in first and MAYOR in first
    clock.now += timedelta(minutes=20)
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    assert "2027-01-02 10:00" in chatter.last_text() and "11:00" in chatter.last_text()  # local times
    assert "市政府督查室主任" in chatter.last_text()
    assert reminded(chatter) == first  # nothing more sent
    clock.now += timedelta(minutes=41)  # past the default hour
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.confirm")))
    assert len(reminded(chatter)) == 2 * len(first)


async def test_the_same_confirmation_delivered_twice_sends_one_burst(chatter, store, team):
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    update = confirm_update(chatter, chatter.button(t("zh", "btn.confirm")))
    await chatter.dp.feed_update(chatter.bot, update)
    once = reminded(chatter)
    await chatter.dp.feed_update(chatter.bot, update)  # Telegram redelivers the same update
    assert once and reminded(chatter) == once
    assert "⏳" in chatter.last_text()


async def test_two_processes_confirming_at_once_send_one_burst(store, team, clock):
    stored = await store.campaigns.get(team.key)
    bot, session = recording_bot()
    services = [ReminderService(store, fast_sender(bot, store), clock=clock) for _ in range(2)]
    import asyncio

    results = await asyncio.gather(*(s.remind_now(stored, "scores", "staff:admin") for s in services),
                                   return_exceptions=True)
    assert sum(isinstance(r, dict) for r in results) == 1
    chats = [c.params["chat_id"] for c in session.of("SendMessage")]
    assert len(chats) == len(set(chats))


async def test_the_confirmation_has_cancel(chatter, store, team):
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.cancel")))
    assert chatter.last_text() == t("zh", "remind_now.cancelled")
    assert reminded(chatter) == []
    await chatter.send(ADMIN, "/remind")  # cancelling starts no quiet period
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    assert shows(chatter.last_text(), "zh", "remind_now.confirm")


async def test_raters_who_never_opened_their_invite_are_named(chatter, store, team):
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.confirm")))
    done = chatter.last_text()
    assert shows(done, "zh", "remind_now.unbound") and "常务副市长" in done and "市发展改革委考评联络员" in done
    await chatter.send(ADMIN, "/status")
    assert shows(chatter.last_text(), "zh", "status.unbound") and "常务副市长" in chatter.last_text()
    await chatter.send(COLLECTOR, "/status")  # the collector: their own leaders only
    status = chatter.last_text()
    assert shows(status, "zh", "status.unbound", n=1) and "常务副市长" in status and "联络员" not in status


def test_manual_quiet_is_a_campaign_setting(small):
    from scoring.validation import load_campaign
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "small.yaml").read_text(encoding="utf-8").replace(
        "reminders:\n", "reminders:\n  manual_quiet: 30m\n", 1)
    assert load_campaign(text, "q.yaml").reminders.manual_quiet_delta() == timedelta(minutes=30)
    assert small.reminders.manual_quiet_delta() == timedelta(hours=1)
    with pytest.raises(Exception, match="manual_quiet"):
        load_campaign(text.replace("manual_quiet: 30m", "manual_quiet: soon"), "q.yaml")
