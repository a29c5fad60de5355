"""The rater's walk through the production dispatcher (feed_update), checked in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.callbacks import Act, Walk
from scoring.campaign import Campaign
from storage.store import Store
from tests.texts.shapes import shape, shows
from texts import t

LEADER = 501


async def invite(store: Store, campaign_key: str, kind: str, key: str, days: int = 30) -> str:
    stored = await store.campaigns.get(campaign_key)
    (inv,) = await store.people.issue_invites(stored.id, [(kind, key)], timedelta(days=days))
    return inv.token


def a_leader(campaign: Campaign) -> str:
    """A rater in the leaders' group (scores every department)."""
    return next(r.key for r in campaign.raters if any(m.group == "leaders" for m in r.memberships()))


@pytest.fixture
async def bound(store: Store, small: Campaign, chatter) -> tuple[str, int]:
    await store.campaigns.load(small)
    key = a_leader(small)
    token = await invite(store, small.key, "rater", key)
    await chatter.send(LEADER, f"/start {token}")
    stored = await store.campaigns.get(small.key)
    (sheet,) = [s for s in await store.sheets.for_rater(stored.id, key) if s.group == "leaders"]
    return key, sheet.id


async def values(store: Store, sheet_id: int) -> dict[str, float | None]:
    _, items = await store.sheets.walk(sheet_id)
    return {i.department: i.value for i in items}


async def test_unbound_user_learns_how_to_get_in_and_nothing_else(chatter, store, small):
    await store.campaigns.load(small)
    await chatter.send(999, "/start")
    assert chatter.last_text() == t("zh", "start.not_bound")
    await chatter.send(999, "/status")
    assert chatter.last_text() == t("zh", "start.not_bound")


async def test_invite_binds_once_and_shows_home(chatter, store, small, bound):
    key, _ = bound
    sent = "".join(c.params.get("text", "") for c in chatter.session.of("SendMessage"))
    assert shows(sent, "zh", "start.bound_rater")
    assert any(shows(b["text"], "zh", "btn.continue") for row in chatter.last_markup() for b in row)
    stored = await store.campaigns.get(small.key)
    token = await invite(store, small.key, "rater", key)
    await chatter.send(777, f"/start {token}")  # another account takes a fresh token: fine
    await chatter.send(778, f"/start {token}")  # ... but the same token twice: refused
    assert chatter.last_text() == t("zh", "start.invite_used")
    assert await store.people.telegram_id(stored.id, "rater", key) == 777


async def test_expired_and_unknown_invites_are_refused(chatter, store, small, clock):
    await store.campaigns.load(small)
    token = await invite(store, small.key, "rater", a_leader(small), days=1)
    clock.now += timedelta(days=2)
    await chatter.send(LEADER, f"/start {token}")
    assert chatter.last_text() == t("zh", "start.invite_expired")
    await chatter.send(LEADER, "/start nonsense-token")
    assert chatter.last_text() == t("zh", "start.invite_unknown")


async def test_one_tap_scores_and_moves_to_the_next_department(chatter, store, small, bound):
    _, sheet_id = bound
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    first_card = chatter.last_text()
    await chatter.press(LEADER, chatter.button("95"))
    assert chatter.answers()[-1] == t("zh", "ack.saved", value="95")
    scored = {d: v for d, v in (await values(store, sheet_id)).items() if v is not None}
    assert list(scored.values()) == [95.0]
    dept = small.department(next(iter(scored)))
    assert dept.name in first_card and dept.name not in chatter.last_text()
    # one message: after /start's two messages everything else is an edit
    assert len(chatter.session.of("SendMessage")) == 2
    assert len(chatter.session.of("EditMessageText")) == 2


async def test_walk_to_the_end_review_submit_and_receipt(chatter, store, small, bound):
    _, sheet_id = bound
    _, items = await store.sheets.walk(sheet_id)
    await chatter.fill(LEADER, shape("zh", "btn.continue"), len(items))
    assert shows(chatter.last_text(), "zh", "review.title")
    await chatter.press(LEADER, chatter.button(t("zh", "btn.submit")))
    assert shows(chatter.last_text(), "zh", "submit.confirm", n=len(items))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.confirm_submit")))
    receipt = chatter.last_text()
    sheet, _ = await store.sheets.walk(sheet_id)
    assert sheet.state == "submitted" and sheet.digest in receipt
    assert shows(receipt, "zh", "submit.receipt", n=len(items), digest=sheet.digest)


async def test_submitted_sheet_is_locked_against_old_cards(chatter, store, small, bound):
    _, sheet_id = bound
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    old_card_button = chatter.button("80")
    _, items = await store.sheets.walk(sheet_id)
    for _ in items:
        await chatter.press(LEADER, chatter.button("90"))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.submit")))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.confirm_submit")))
    await chatter.press(LEADER, old_card_button)
    assert chatter.answers()[-1] == t("zh", "ack.locked")
    assert set((await values(store, sheet_id)).values()) == {90.0}


async def test_forged_callbacks_change_nothing(chatter, store, small, bound):
    key, sheet_id = bound
    stored = await store.campaigns.get(small.key)
    other = next(s for s in await store.sheets.for_campaign(stored.id) if s.rater != key)
    _, other_items = await store.sheets.walk(other.id)
    _, mine = await store.sheets.walk(sheet_id)
    forged = [
        Walk(act=Act.SCORE, sheet=other.id, item=other_items[0].assignment_id, arg=10000).pack(),  # not mine
        Walk(act=Act.SCORE, sheet=sheet_id, item=other_items[0].assignment_id, arg=10000).pack(),  # mixed
        Walk(act=Act.SCORE, sheet=sheet_id, item=mine[0].assignment_id, arg=10100).pack(),  # off the scale
        Walk(act=Act.SCORE, sheet=sheet_id, item=mine[0].assignment_id, arg=9555).pack(),  # two decimals
        "w:zz:1:1:1",
        "garbage",
        Walk(act=Act.REVIEW, sheet=other.id).pack(),  # reading another rater's sheet
    ]
    before = chatter.last_text()
    for data in forged:
        await chatter.press(LEADER, data)
    assert all(v is None for v in (await values(store, sheet_id)).values())
    assert all(i.value is None for i in (await store.sheets.walk(other.id))[1])
    assert chatter.last_text() == before  # nobody saw another rater's sheet
    assert len(chatter.answers()) == len(forged)  # every tap still gets its short answer


async def test_unbound_user_cannot_use_a_valid_looking_callback(chatter, store, small, bound):
    _, sheet_id = bound
    _, items = await store.sheets.walk(sheet_id)
    await chatter.press(4242, Walk(act=Act.SCORE, sheet=sheet_id, item=items[0].assignment_id, arg=9000).pack())
    assert all(v is None for v in (await values(store, sheet_id)).values())


async def test_typed_value_full_width_and_retry_on_bad_input(chatter, store, small, bound):
    _, sheet_id = bound
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.other")))
    await chatter.send(LEADER, "abc")
    assert t("zh", "value.not_a_number", text="abc") in chatter.last_text()
    await chatter.send(LEADER, "101")
    assert all(v is None for v in (await values(store, sheet_id)).values())
    await chatter.send(LEADER, "８７．５")
    assert 87.5 in (await values(store, sheet_id)).values()


async def test_comment_recuse_and_undo(chatter, store, small, bound):
    _, sheet_id = bound
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.comment")))
    await chatter.send(LEADER, "工作扎实 <b>& 有创新</b>")
    assert "工作扎实 &lt;b&gt;&amp; 有创新&lt;/b&gt;" in chatter.last_text()  # escaped, shown on the card
    await chatter.press(LEADER, chatter.button("85"))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.recuse")))
    await chatter.send(LEADER, "曾在该部门任职")
    _, items = await store.sheets.walk(sheet_id)
    assert items[0].value == 85 and items[0].comment.startswith("工作扎实")
    assert items[1].recused and items[1].reason == "曾在该部门任职"
    await chatter.press(LEADER, chatter.button(t("zh", "btn.undo")))
    _, items = await store.sheets.walk(sheet_id)
    assert not items[1].recused and items[0].value == 85
    await chatter.press(LEADER, chatter.button(t("zh", "btn.undo")))
    _, items = await store.sheets.walk(sheet_id)
    assert items[0].value is None and items[0].comment.startswith("工作扎实")


async def test_english_user_gets_english(chatter, store, small):
    await store.campaigns.load(small)
    token = await invite(store, small.key, "rater", a_leader(small))
    await chatter.send(LEADER, f"/start {token}", lang="en")
    assert any(shows(b["text"], "en", "btn.continue") for row in chatter.last_markup() for b in row)
    await chatter.send(LEADER, "/lang", lang="en")  # no argument: both languages offered as buttons
    assert chatter.last_text() == t("en", "lang.pick")
    await chatter.press(LEADER, chatter.button(t("zh", "lang.btn_zh")), lang="en")
    assert chatter.last_text() == t("zh", "lang.switched")


async def test_home_offers_submit_once_a_sheet_is_complete(chatter, store, small, bound):
    _, sheet_id = bound
    _, items = await store.sheets.walk(sheet_id)
    await chatter.fill(LEADER, shape("zh", "btn.continue"), len(items))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.home")))
    await chatter.press(LEADER, chatter.button(t("zh", "btn.submit")))
    assert shows(chatter.last_text(), "zh", "submit.confirm", n=len(items))
