"""A button on a message Telegram no longer shows the bot (deleted, or too old: the tap carries an
`InaccessibleMessage`): the tap still does its work, and what it would have drawn on the card comes as a
new message in the chat, never an apology for an error."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import CallbackQuery, Chat, InaccessibleMessage, Update

from handlers.callbacks import Act, Walk
from storage.store import Store
from tests.texts.shapes import shows
from texts import t

RATER, ADMIN = 611, 612


async def bind(chatter, store: Store, campaign_key: str, kind: str, key: str, user_id: int) -> None:
    stored = await store.campaigns.get(campaign_key)
    (inv,) = await store.people.issue_invites(stored.id, [(kind, key)], timedelta(days=30))
    await chatter.send(user_id, f"/start {inv.token}")


async def press_gone(chatter, user_id: int, data: str) -> None:
    """A tap on a button whose message the bot may no longer see."""
    gone = InaccessibleMessage(chat=Chat(id=user_id, type="private"), message_id=1)
    query = CallbackQuery(id=str(next(chatter.ids)), from_user=chatter.user(user_id), chat_instance="ci",
                          message=gone, data=data)
    await chatter._feed(Update(update_id=next(chatter.ids), callback_query=query))


def sent_to(chatter, user_id: int) -> list[str]:
    return [c.params["text"] for c in chatter.session.of("SendMessage") if c.params["chat_id"] == user_id]


async def test_a_score_tap_on_a_gone_card_is_stored_and_the_next_card_is_sent(chatter, store, small):
    await store.campaigns.load(small)
    key = next(r.key for r in small.raters if any(m.group == "leaders" for m in r.memberships()))
    await bind(chatter, store, small.key, "rater", key, RATER)
    stored = await store.campaigns.get(small.key)
    (sheet,) = [s for s in await store.sheets.for_rater(stored.id, key) if s.group == "leaders"]
    _, items = await store.sheets.walk(sheet.id)
    chatter.session.clear()

    await press_gone(chatter, RATER, Walk(act=Act.SCORE, sheet=sheet.id, item=items[0].assignment_id,
                                          arg=8000, base=items[0].version).pack())

    _, after = await store.sheets.walk(sheet.id)
    assert after[0].value == 80
    assert t("zh", "error.generic") not in chatter.answers()
    assert not chatter.session.of("EditMessageText")
    assert len(sent_to(chatter, RATER)) == 1  # the next department's card, as a new message
    assert any(b["callback_data"].startswith("w:s:") for row in chatter.last_markup() for b in row)


async def test_a_confirmation_on_a_gone_card_answers_in_a_new_message(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small.key, "staff", "admin", ADMIN)
    await chatter.send(ADMIN, "/remind")
    pick = chatter.button("考评结果报送")
    chatter.session.clear()

    await press_gone(chatter, ADMIN, pick)

    assert t("zh", "error.generic") not in chatter.answers()
    (text,) = sent_to(chatter, ADMIN)
    assert shows(text, "zh", "remind_now.confirm")
    assert chatter.button(t("zh", "btn.confirm"))
