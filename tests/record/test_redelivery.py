"""The same Telegram Update delivered twice (a crash before its offset was confirmed): the second delivery
changes nothing, whatever the action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update

from bot.recording import BOT_USER
from tests.conftest import seat
from tests.texts.shapes import shape
from texts import t

ADMIN, APPROVER, LEAD, MAYOR = 1101, 1102, 1103, 1104



def tap_update(chatter, user_id: int, data: str) -> Update:
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
                      from_user=BOT_USER, text="card")
    query = CallbackQuery(id=str(next(chatter.ids)), from_user=chatter.user(user_id), chat_instance="ci",
                          message=message, data=data)
    return Update(update_id=next(chatter.ids), callback_query=query)


def text_update(chatter, user_id: int, text: str) -> Update:
    entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))] if text[0] == "/" else None
    message = Message(message_id=next(chatter.ids), date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
                      from_user=chatter.user(user_id), text=text, entities=entities)
    return Update(update_id=next(chatter.ids), message=message)


async def twice(chatter, update: Update) -> None:
    await chatter._feed(update)
    await chatter._feed(update)


async def snapshot(store) -> tuple:
    """Everything a redelivery could change."""
    return (
        await store.db.fetchall("SELECT assignment_id, value, recused, comment FROM scores ORDER BY 1"),
        await store.db.fetchall("SELECT id, state, digest FROM sheets ORDER BY 1"),
        await store.db.fetchall("SELECT sheet_id, state FROM approvals ORDER BY 1"),
        await store.db.fetchall("SELECT id, points, revoked_at FROM adjustments ORDER BY 1"),
        await store.db.fetchone("SELECT COUNT(*) FROM outbox"),
    )


@pytest.fixture
async def team(chatter, store, small):
    return await seat(chatter, store, small, ("staff", "admin", ADMIN), ("staff", "approver_kw", APPROVER),
                      ("rater", "kwl_econ", LEAD), ("rater", "ld_sz", MAYOR))


async def test_every_state_change_applies_once(chatter, store, team):
    await chatter.send(MAYOR, "/start")
    await chatter.press(MAYOR, chatter.button(shape("zh", "btn.continue")))
    score = tap_update(chatter, MAYOR, chatter.button("70"))
    await twice(chatter, score)
    await chatter.press(MAYOR, chatter.button("75"))
    before = await snapshot(store)
    await chatter._feed(score)  # the first tap again, after a later one
    assert await snapshot(store) == before

    undo = tap_update(chatter, MAYOR, chatter.button(t("zh", "btn.undo")))
    await chatter._feed(undo)
    before = await snapshot(store)
    await chatter._feed(undo)
    assert await snapshot(store) == before

    await chatter.press(MAYOR, chatter.button(t("zh", "btn.comment")))
    comment = text_update(chatter, MAYOR, "材料详实")
    await chatter._feed(comment)
    before = await snapshot(store)
    await chatter._feed(comment)
    assert await snapshot(store) == before

    await chatter.send(ADMIN, "/adjust fgw +2 获国家级表彰")
    confirm = tap_update(chatter, ADMIN, chatter.button(t("zh", "btn.confirm")))
    await chatter._feed(confirm)
    before = await snapshot(store)
    await chatter._feed(confirm)
    assert await snapshot(store) == before

    stored = await store.campaigns.get(team.key)
    sheet = await store.sheets.find(stored.id, "kwl_econ", "key_work_leads")
    await chatter.send(LEAD, "/start")
    await chatter.fill(LEAD, shape("zh", "btn.continue"), sheet.total)
    await chatter.press(LEAD, chatter.button(t("zh", "btn.submit")))
    submit = tap_update(chatter, LEAD, chatter.button(t("zh", "btn.confirm_submit")))
    await chatter._feed(submit)
    before = await snapshot(store)
    receipts = len(chatter.session.of("SendMessage"))
    await chatter._feed(submit)
    assert await snapshot(store) == before
    assert len(chatter.session.of("SendMessage")) == receipts  # no second receipt, no second approval request

    (card,) = [c for c in chatter.session.of("SendMessage") if c.params["chat_id"] == APPROVER
               and c.params.get("reply_markup")][-1:]
    approve = tap_update(chatter, APPROVER, card.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await chatter._feed(approve)
    before = await snapshot(store)
    await chatter._feed(approve)
    assert await snapshot(store) == before

