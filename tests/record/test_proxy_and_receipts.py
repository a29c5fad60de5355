"""Proxy entries the leader can see and answer; receipts that stay; a second look at unusual typed values."""

from __future__ import annotations

import pytest

from tests.conftest import seat
from tests.texts.shapes import shape, shows, values_in
from texts import t

ADMIN, COLLECTOR, MAYOR = 951, 952, 953



def sent_to(chatter, user_id):
    return [c for c in chatter.session.of("SendMessage") if c.params["chat_id"] == user_id]


@pytest.fixture
async def office(chatter, store, small):
    return await seat(chatter, store, small, ("staff", "col_zf", COLLECTOR), ("rater", "ld_sz", MAYOR))


async def test_the_leader_is_told_once_per_batch_and_sees_the_marks(chatter, store, office):
    await chatter.send(COLLECTOR, "/start")
    await chatter.press(COLLECTOR, chatter.button(shape("zh", "btn.proxy", name="市长")))
    before = len(sent_to(chatter, MAYOR))
    await chatter.press(COLLECTOR, chatter.button("85"))
    await chatter.press(COLLECTOR, chatter.button("80"))
    assert len(sent_to(chatter, MAYOR)) == before  # not per tap
    await chatter.press(COLLECTOR, chatter.button(t("zh", "btn.home")))
    await chatter.send(COLLECTOR, "/start")
    await chatter.press(COLLECTOR, chatter.button(shape("zh", "btn.proxy", name="市长")))
    await chatter.press(COLLECTOR, chatter.button(t("zh", "btn.home")))  # nothing new since: no second notice
    (notice,) = sent_to(chatter, MAYOR)[before:]
    assert notice.params["text"] == t("zh", "proxy.batch", collector="市政府办公室（领导评议收集）",
                                      group="市领导评议", n=2)
    await chatter.send(MAYOR, "/start")
    await chatter.press(MAYOR, chatter.button(shape("zh", "btn.review")))
    assert "85 ✍" in chatter.last_text() and t("zh", "review.proxied_legend") in chatter.last_text()
    change = notice.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    await chatter.press(MAYOR, change)
    await chatter.press(MAYOR, change)  # twice: the collector is asked once
    asked = [c for c in sent_to(chatter, COLLECTOR) if shows(c.params["text"], "zh", "proxy.change_asked")]
    assert len(asked) == 1 and "市长" in asked[0].params["text"]
    stored = await store.campaigns.get(office.key)
    assert [e.action for e in await store.audit.entries(stored.id)].count("proxy_change") == 1


async def test_the_receipt_is_a_message_of_its_own_and_stays(chatter, store, office):
    stored = await store.campaigns.get(office.key)
    sheet = await store.sheets.find(stored.id, "ld_sz", "leaders")
    await chatter.send(MAYOR, "/start")
    await chatter.fill(MAYOR, shape("zh", "btn.continue"), sheet.total)
    await chatter.press(MAYOR, chatter.button(t("zh", "btn.submit")))
    confirm = chatter.button(t("zh", "btn.confirm_submit"))
    await chatter.press(MAYOR, confirm)
    await chatter.press(MAYOR, confirm)  # delivered again: no second receipt
    sheet = await store.sheets.find(stored.id, "ld_sz", "leaders")
    receipts = [c for c in sent_to(chatter, MAYOR) if sheet.digest in c.params["text"]]
    assert len(receipts) == 1 and not receipts[0].params.get("reply_markup")  # no button can edit it away
    edits = [c.params["text"] for c in chatter.session.of("EditMessageText")]
    assert all(sheet.digest not in text for text in edits)  # never edited away by the next tap
    assert "T" not in values_in(edits[-1], "zh", "submit.already")["time"]  # local time, not an ISO stamp
    await chatter.send(MAYOR, "/receipts")
    assert sheet.digest in chatter.last_text() and "市领导评议" in chatter.last_text()


@pytest.mark.parametrize(("typed", "asks"), [("0", "zero"), ("０", "zero"), ("9", "far"), ("88", None)])
async def test_an_unusual_typed_value_is_asked_about_once(chatter, store, office, typed, asks):
    await chatter.send(MAYOR, "/start")
    await chatter.fill(MAYOR, shape("zh", "btn.continue"), 3)
    await chatter.press(MAYOR, chatter.button(t("zh", "btn.other")))
    await chatter.send(MAYOR, typed)
    stored = await store.campaigns.get(office.key)
    sheet = await store.sheets.find(stored.id, "ld_sz", "leaders")
    values = [i.value for i in await store.sheets.items(sheet.id)]
    if asks is None:
        assert values[3] == 88.0
        return
    assert values[3] is None  # not stored yet
    value = "0" if asks == "zero" else "9"
    assert t("zh", f"second_look.{asks}", value=value, mean="90") in chatter.last_text()
    await chatter.press(MAYOR, chatter.button(t("zh", "btn.store_anyway", value=value)))
    values = [i.value for i in await store.sheets.items(sheet.id)]
    assert values[3] == float(value)
