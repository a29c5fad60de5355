"""Notices a user's action owes other people (the approver's card, the proxied leader, the returned
sheet) go through the one paced Sender: a 429 waits `retry_after`, a user who blocked the bot or left
Telegram is marked unreachable by the error's type, whatever its text. The report's files, a reply to
staff's own /report, wait out flood control the same way."""

from __future__ import annotations

import re

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage, SendPhoto

from handlers.notices import render_notice
from storage.outbox import Notice
from tests.conftest import seat
from tests.handlers.test_staff_actions import (
    ADMIN,
    APPROVER,
    COLLECTOR,
    LEAD,
    MAYOR,
    fill_and_submit,
    sent_to,
    sheet_of,
)
from tests.texts.shapes import shape, shows
from texts import h, name_in, t


@pytest.fixture
async def team(chatter, store, small):
    return await seat(chatter, store, small, ("staff", "admin", ADMIN), ("staff", "approver_kw", APPROVER),
                      ("staff", "col_zf", COLLECTOR), ("rater", "kwl_econ", LEAD), ("rater", "ld_sz", MAYOR))


def refuse_once(chatter, monkeypatch, chat_id: int, error: type, containing: re.Pattern[str] | None = None,
                **kw) -> list[int]:
    """Telegram answers the next sendMessage to `chat_id` (whose text matches `containing`, if given) with
    `error`; later ones go through, unless the error is a 403 (the user is gone for good)."""
    real, refused = chatter.bot.send_message, []

    async def send_message(chat_id_: int, text: str, **kwargs: object) -> object:
        matches = containing is None or containing.search(text) is not None
        if chat_id_ == chat_id and matches and (not refused or error is TelegramForbiddenError):
            refused.append(chat_id_)
            raise error(SendMessage(chat_id=chat_id_, text=text), **kw)
        return await real(chat_id_, text, **kwargs)

    monkeypatch.setattr(chatter.bot, "send_message", send_message)
    return refused


async def unreachable(store, campaign, kind: str, key: str) -> bool:
    stored = await store.campaigns.get(campaign.key)
    return (await store.people.contacts(stored.id))[(kind, key)].unreachable


async def test_the_approvers_card_held_back_by_flood_control_arrives_after_the_wait(chatter, store, team,
                                                                                     monkeypatch):
    _, items = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    await chatter.send(LEAD, "/start")
    refused = refuse_once(chatter, monkeypatch, APPROVER, TelegramRetryAfter, message="Too Many Requests",
                          retry_after=0)
    await fill_and_submit(chatter, LEAD, shape("zh", "btn.continue"), len(items))
    assert refused == [APPROVER]
    card = sent_to(chatter, APPROVER)[-1]
    assert shows(card, "zh", "approval.title", n=len(items)) and "经济口重点工作牵头领导" in card
    await chatter.press(APPROVER, chatter.button(t("zh", "btn.approve")))
    sheet, _ = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    assert sheet.approval == "approved"


async def test_an_approver_who_left_telegram_is_marked_unreachable_whatever_the_error_says(chatter, store, team,
                                                                                          monkeypatch):
    _, items = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    await chatter.send(LEAD, "/start")
    refuse_once(chatter, monkeypatch, APPROVER, TelegramForbiddenError, message="Forbidden: user is deactivated")
    await fill_and_submit(chatter, LEAD, shape("zh", "btn.continue"), len(items))
    assert await unreachable(store, team, "staff", "approver_kw")


async def test_a_proxied_leader_who_left_telegram_is_marked_unreachable(chatter, store, team, monkeypatch):
    _, items = await sheet_of(store, team, "ld_sz", "leaders")
    await chatter.send(COLLECTOR, "/start")
    refused = refuse_once(chatter, monkeypatch, MAYOR, TelegramForbiddenError,
                          containing=shape("zh", "proxy.submitted"), message="Forbidden: user is deactivated")
    await fill_and_submit(chatter, COLLECTOR, shape("zh", "btn.proxy", name="市长"), len(items), value="85")
    assert refused
    assert await unreachable(store, team, "rater", "ld_sz")


async def test_the_returned_sheets_notice_held_back_by_flood_control_reaches_the_rater(chatter, store, team,
                                                                                       monkeypatch):
    _, items = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    await chatter.send(LEAD, "/start")
    await fill_and_submit(chatter, LEAD, shape("zh", "btn.continue"), len(items))
    await chatter.press(APPROVER, chatter.button(t("zh", "btn.return")))
    refused = refuse_once(chatter, monkeypatch, LEAD, TelegramRetryAfter, message="Too Many Requests",
                          retry_after=0)
    await chatter.send(APPROVER, "请补充评语后再提交")
    assert refused == [LEAD]
    assert "请补充评语后再提交" in sent_to(chatter, LEAD)[-1]
    await chatter.press(LEAD, chatter.button(t("zh", "btn.resume")))
    assert shows(chatter.last_text(), "zh", "card.reopened", reason="请补充评语后再提交")


async def test_the_report_chart_waits_out_flood_control_more_than_once(chatter, store, team, monkeypatch):
    send_photo, calls = chatter.bot.send_photo, []

    async def flooded_twice(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) <= 2:
            raise TelegramRetryAfter(SendPhoto(chat_id=1, photo="x"), "Too Many Requests", retry_after=0)
        return await send_photo(*args, **kwargs)

    monkeypatch.setattr(chatter.bot, "send_photo", flooded_twice)
    await chatter.send(ADMIN, "/report")
    assert len(calls) == 3 and len(chatter.session.of("SendPhoto")) == 1
    assert chatter.last_text() != t("zh", "error.generic")


def test_a_notice_counts_in_the_readers_grammar(small):
    # numbers reach the catalog as numbers: one proxied score is "1 score" in English, not "1 scores"
    _, group = next(iter(small.groups()))
    collector = next(s for s in small.staff if s.key == "col_zf")
    notice = Notice(1, 1, "rater", "ld_sz", "proxy.batch",
                    {"collector": collector.key, "group": group.key, "n": 1, "proxy_sheet": 7, "upto": 3})
    text, _ = render_notice(small, "en", notice)
    assert text == t("en", "proxy.batch", collector=h(name_in("en", collector.name, collector.name_en)),
                     group=h(name_in("en", group.name, group.name_en)), n=1)
