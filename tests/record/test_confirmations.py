"""Adjustments through the chat: one rule with the CLI, confirmations bound to what they confirm, the register."""

from __future__ import annotations

import pytest

from tests.conftest import bind
from tests.texts.shapes import shows
from texts import t

ADMIN, STAFFER = 701, 702



@pytest.fixture
async def office(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small, "staff", "admin", ADMIN)
    return await store.campaigns.get(small.key)


def confirm_buttons(chatter) -> tuple[str, str]:
    (row,) = chatter.last_markup()
    return row[0]["callback_data"], row[1]["callback_data"]


async def test_a_stale_confirmation_confirms_exactly_what_its_card_showed(chatter, store, office):
    await chatter.send(ADMIN, "/adjust jyj 1 理由A")
    first_yes, _ = confirm_buttons(chatter)
    await chatter.send(ADMIN, "/adjust wjw 2 理由B")
    await chatter.press(ADMIN, first_yes)
    (entry,) = await store.adjustments.register(office.id)
    assert (entry.department, entry.points, entry.reason) == ("jyj", 1.0, "理由A")
    assert "市教育局" in chatter.last_text() and "+1" in chatter.last_text()
    assert "市卫生健康委员会" not in chatter.last_text()


async def test_a_confirmation_delivered_twice_stores_once_and_answers_the_same(chatter, store, office):
    await chatter.send(ADMIN, "/adjust fgw +2 获国家级表彰")
    yes, _ = confirm_buttons(chatter)
    await chatter.press(ADMIN, yes)
    first = chatter.last_text()
    await chatter.press(ADMIN, yes)  # the same tap again (a double tap, or Telegram redelivering it)
    assert len(await store.adjustments.register(office.id)) == 1
    assert chatter.last_text() == first


async def test_a_cancelled_confirmation_cannot_be_confirmed_later(chatter, store, office):
    await chatter.send(ADMIN, "/adjust fgw +2 x")
    yes, no = confirm_buttons(chatter)
    await chatter.press(ADMIN, no)
    await chatter.press(ADMIN, yes)
    assert await store.adjustments.register(office.id) == []


@pytest.mark.parametrize("points", ["nan", "inf", "1e1", "1e2", "+nan", "1,5", "٣", "0", "101", "0.125"])
async def test_adjust_refuses_what_is_not_a_plain_decimal_and_stores_nothing(chatter, store, office, points):
    await chatter.send(ADMIN, f"/adjust fgw {points} x")
    reply = chatter.last_text()
    assert "nan 分" not in reply and not shows(reply, "zh", "adjust.confirm")
    assert reply in (t("zh", "adjust.refused.points", points=points),
                     t("zh", "adjust.refused.points_range", points=points))
    assert await store.db.fetchone("SELECT COUNT(*) FROM pending") == (0,)


async def test_a_user_cannot_confirm_another_users_pending_action(chatter, store, office, small):
    await chatter.send(ADMIN, "/adjust fgw +2 x")
    yes, _ = confirm_buttons(chatter)
    await bind(chatter, store, small, "staff", "col_zf", STAFFER)  # a collector: not staff, not admin
    await chatter.press(STAFFER, yes)
    assert await store.adjustments.register(office.id) == []


async def test_register_and_revoke_in_the_chat(chatter, store, office):
    await chatter.send(ADMIN, "/adjust fgw +2 获国家级表彰")
    await chatter.press(ADMIN, confirm_buttons(chatter)[0])
    (entry,) = await store.adjustments.register(office.id)
    await chatter.send(ADMIN, f"/revoke {entry.id} 重复登记")
    yes, _ = confirm_buttons(chatter)
    await chatter.press(ADMIN, yes)
    await chatter.press(ADMIN, yes)
    (entry,) = await store.adjustments.register(office.id)
    assert entry.revoked and entry.revoke_reason == "重复登记" and entry.revoked_by == "staff:admin"
    await chatter.send(ADMIN, "/adjustments")
    register = chatter.last_text()
    assert f"<s>#{entry.id} " in register and "重复登记" in register
    actions = [e.action for e in await store.audit.entries(office.id)]
    assert actions.count("adjust") == 1 and actions.count("revoke") == 1
