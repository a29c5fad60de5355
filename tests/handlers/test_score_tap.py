"""The score tap's hot path (`walk.on_score` → `SheetRepo.score_tap`): one hop to the database's thread,
the same checks and the same cards as the long way, through the production dispatcher."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from handlers.callbacks import Act, Walk
from handlers.cards import Card, next_open
from handlers.identity import Identities, IdentityMiddleware, resolve
from handlers.walk import find, walk_card
from scoring.campaign import Campaign
from storage.store import Store
from tests.conftest import bind, seat
from tests.texts.shapes import shape, shows
from texts import t

LEADER, COLLECTOR, MAYOR = 501, 603, 605


class Hops:
    """Counts hops to aiosqlite's thread, as bench/tap.py does: calls of the connection's `_execute`."""

    def __init__(self) -> None:
        self.count = 0


@contextmanager
def hops(store: Store) -> Iterator[Hops]:
    conn = store.db.conn
    real = conn._execute
    counter = Hops()

    async def counted(*args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        return await real(*args, **kwargs)

    conn._execute = counted
    try:
        yield counter
    finally:
        del conn._execute



async def sheet_id_of(store: Store, campaign: Campaign, rater: str, group: str) -> int:
    stored = await store.campaigns.get(campaign.key)
    return (await store.sheets.find(stored.id, rater, group)).id


def last_card(chatter) -> tuple[str, list]:
    call = chatter.session.of("EditMessageText")[-1]
    return call.params["text"], call.params["reply_markup"]["inline_keyboard"]


def as_sent(card: Card) -> tuple[str, list]:
    return card.text, card.markup.model_dump(exclude_none=True)["inline_keyboard"]


async def expected_after(store: Store, chatter, user_id: int, sheet_id: int, aid: int, lang: str) -> tuple[str, list]:
    """The card the long way shows after scoring `aid`: every item read, `next_open`, `walk_card`."""
    me = await resolve(store, chatter.user(user_id, lang))
    sheet, items = await store.sheets.walk(sheet_id)
    return as_sent(await walk_card(store, me, sheet, items, next_open(items, find(items, aid).position)))


def identities(chatter) -> Identities:
    return next(m.identities for m in chatter.dp.update.outer_middleware if isinstance(m, IdentityMiddleware))


def data_of(label: str, chatter) -> Walk:
    return Walk.unpack(chatter.button(label))


@pytest.fixture
async def team(chatter, store: Store, small: Campaign) -> Campaign:
    return await seat(chatter, store, small, ("rater", "ld_cw", LEADER), ("staff", "col_zf", COLLECTOR),
                      ("rater", "ld_sz", MAYOR, "en"))


async def score_whole_sheet(chatter, store: Store, user_id: int, sheet_id: int, open_label: str | re.Pattern[str],
                            lang: str, label: str = "90") -> list[int]:
    """Tap through a sheet, skipping twice first (so the walk wraps round), checking every card; the hops."""
    await chatter.send(user_id, "/start", lang=lang)
    await chatter.press(user_id, chatter.button(open_label), lang=lang)
    skip = t("zh" if lang.startswith("zh") else "en", "btn.skip")
    await chatter.press(user_id, chatter.button(skip), lang=lang)
    await chatter.press(user_id, chatter.button(skip), lang=lang)
    counts = []
    _, items = await store.sheets.walk(sheet_id)
    for _ in items:
        tap = data_of(label, chatter)
        with hops(store) as counter:
            await chatter.press(user_id, tap.pack(), lang=lang)
        counts.append(counter.count)
        assert last_card(chatter) == await expected_after(store, chatter, user_id, sheet_id, tap.item, lang)
    return counts


async def test_a_score_tap_is_one_hop_and_shows_the_same_cards_as_the_long_way(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_cw", "leaders")
    counts = await score_whole_sheet(chatter, store, LEADER, sheet_id, shape("zh", "btn.continue"), "zh-hans")
    assert counts == [1] * len(counts)
    assert shows(chatter.last_text(), "zh", "review.title")  # the last tap shows the review
    _, items = await store.sheets.walk(sheet_id)
    assert {i.value for i in items} == {90.0}
    assert chatter.answers()[-1] == t("zh", "ack.saved", value="90")


async def test_a_collectors_proxy_tap_is_one_hop_audited_as_proxy(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_sz", "leaders")
    counts = await score_whole_sheet(chatter, store, COLLECTOR, sheet_id,
                                     shape("zh", "btn.proxy", name="市长"), "zh-hans", label="85")
    assert counts == [1] * len(counts)
    stored = await store.campaigns.get(team.key)
    rows = await store.db.fetchall(
        "SELECT s.source, s.entered_by, (SELECT COUNT(*) FROM audit au WHERE au.assignment_id = a.id"
        " AND au.action = 'score' AND au.actor = 'staff:col_zf' AND au.source = 'proxy')"
        " FROM scores s JOIN assignments a ON a.id = s.assignment_id WHERE a.rater = 'ld_sz' AND a.campaign_id = ?",
        (stored.id,))
    assert rows and set(rows) == {("proxy", "staff:col_zf", 1)}


async def test_the_card_stays_in_the_users_language(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_sz", "leaders")
    counts = await score_whole_sheet(chatter, store, MAYOR, sheet_id, shape("en", "btn.continue"), "en")
    assert counts == [1] * len(counts)
    assert chatter.answers()[-1] == t("en", "ack.saved", value="90")


async def test_a_reopened_sheet_shows_its_reason_on_the_card(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_cw", "leaders")
    await score_whole_sheet(chatter, store, LEADER, sheet_id, shape("zh", "btn.continue"), "zh-hans")
    assert await store.sheets.submit(sheet_id, actor="rater:ld_cw")
    assert await store.sheets.reopen(sheet_id, "请复核 <两项>", actor="cli")
    for _ in range(2):  # two departments open again
        assert (await store.sheets.undo(sheet_id, None, actor="rater:ld_cw")).outcome == "undone"
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    tap = data_of("70", chatter)
    with hops(store) as counter:
        await chatter.press(LEADER, tap.pack())
    assert counter.count == 1
    assert "请复核 &lt;两项&gt;" in chatter.last_text()
    assert last_card(chatter) == await expected_after(store, chatter, LEADER, sheet_id, tap.item, "zh-hans")


async def test_refusals_take_one_hop_and_change_nothing(chatter, store, team):
    mine = await sheet_id_of(store, team, "ld_cw", "leaders")
    theirs = await sheet_id_of(store, team, "ld_sz", "leaders")
    other_rater = next(r for r in team.raters if r.key not in ("ld_sz", "ld_cw"))
    not_collected = await sheet_id_of(store, team, other_rater.key, other_rater.memberships()[0].group)
    _, my_items = await store.sheets.walk(mine)
    _, their_items = await store.sheets.walk(theirs)
    _, far_items = await store.sheets.walk(not_collected)
    refused = [
        (LEADER, Walk(act=Act.SCORE, sheet=theirs, item=their_items[0].assignment_id, arg=9000)),  # not mine
        (LEADER, Walk(act=Act.SCORE, sheet=mine, item=their_items[0].assignment_id, arg=9000)),  # mixed
        (LEADER, Walk(act=Act.SCORE, sheet=mine, item=my_items[0].assignment_id, arg=10100)),  # off the scale
        (LEADER, Walk(act=Act.SCORE, sheet=mine, item=my_items[0].assignment_id, arg=9555)),  # two decimals
        (LEADER, Walk(act=Act.SCORE, sheet=10**9, item=my_items[0].assignment_id, arg=9000)),  # no such sheet
        (COLLECTOR, Walk(act=Act.SCORE, sheet=not_collected, item=far_items[0].assignment_id, arg=9000)),
        (4242, Walk(act=Act.SCORE, sheet=mine, item=my_items[0].assignment_id, arg=9000)),  # not bound
    ]
    for user_id in (LEADER, COLLECTOR):  # known to the bot already: who they are is kept in memory
        await chatter.send(user_id, "/start")
    chatter.session.clear()
    for user_id, data in refused:  # 4242 is new: its one hop reads who it is, and the tap needs none
        with hops(store) as counter:
            await chatter.press(user_id, data.pack())
        assert counter.count == 1, data
    assert chatter.answers() == [t("zh", "ack.invalid")] * len(refused)
    assert not chatter.session.of("EditMessageText")  # nobody saw a sheet that is not theirs
    assert await store.db.fetchone("SELECT COUNT(*) FROM scores") == (0,)
    assert await store.db.fetchone("SELECT COUNT(*) FROM audit WHERE action = 'score'") == (0,)


async def test_a_tap_on_a_submitted_sheet_is_refused_with_its_review(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_cw", "leaders")
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    old_card = chatter.button("80")
    await score_whole_sheet(chatter, store, LEADER, sheet_id, shape("zh", "btn.continue"), "zh-hans")
    assert await store.sheets.submit(sheet_id, actor="rater:ld_cw")
    chatter.session.clear()
    with hops(store) as counter:
        await chatter.press(LEADER, old_card)
    assert counter.count == 1
    (answer,) = chatter.session.of("AnswerCallbackQuery")
    assert answer.params["text"] == t("zh", "ack.locked") and answer.params["show_alert"] is True
    me = await resolve(store, chatter.user(LEADER))
    sheet, items = await store.sheets.walk(sheet_id)
    from handlers.cards import review_card

    assert last_card(chatter) == as_sent(review_card(me.campaign, me.lang, sheet, items, 0))
    assert {i.value for i in items} == {90.0}


async def test_a_score_tap_clears_the_unreachable_mark(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_cw", "leaders")
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    await store.people.mark_unreachable(LEADER)
    with hops(store) as counter:
        await chatter.press(LEADER, chatter.button("95"))
    # their record changed since the bot last saw them: one hop reads it (and clears the mark), one taps
    assert counter.count == 2
    assert not (await store.people.user(LEADER)).unreachable
    with hops(store) as counter:
        await chatter.press(LEADER, chatter.button("90"))
    assert counter.count == 1  # known again
    assert 95.0 in {i.value for i in (await store.sheets.walk(sheet_id))[1]}


async def test_first_tap_before_the_campaign_is_parsed_has_the_same_result(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_cw", "leaders")
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    tap = data_of("95", chatter)
    store.campaigns._cache.clear()  # a fresh process: nothing parsed yet, nobody known
    identities(chatter)._known.clear()
    await chatter.press(LEADER, tap.pack())
    assert chatter.answers()[-1] == t("zh", "ack.saved", value="95")
    assert last_card(chatter) == await expected_after(store, chatter, LEADER, sheet_id, tap.item, "zh-hans")
    store.campaigns._cache.clear()
    identities(chatter)._known.clear()
    await chatter.press(4242, tap.pack())  # an unbound user is still refused
    assert chatter.answers()[-1] == t("zh", "ack.invalid")
    assert [i.value for i in (await store.sheets.walk(sheet_id))[1] if i.value is not None] == [95.0]


async def test_a_malformed_score_tap_still_reaches_the_fallback_with_the_user_resolved(chatter, store, team):
    for data in ["w:s:1:x:1:0", "w:s:", "w:s:1:2:3:4:5", "w:s:1:2::0"]:
        await chatter.press(MAYOR, data, lang="en")
        assert chatter.answers()[-1] == t("en", "stale")  # the user's language: `me` was resolved
    assert await store.db.fetchone("SELECT COUNT(*) FROM scores") == (0,)


async def test_taps_arriving_together_are_committed_together_and_each_is_answered_after(chatter, store, small):
    await store.campaigns.load(small)
    users = {r.key: 700 + n for n, r in enumerate(small.raters)}
    for key, user_id in users.items():
        await bind(chatter, store, small, "rater", key, user_id)
    taps = {}
    for user_id in users.values():
        await chatter.send(user_id, "/start")
        await chatter.press(user_id, chatter.button(shape("zh", "btn.continue")))
        taps[user_id] = chatter.button("80")
    chatter.session.clear()
    with hops(store) as counter:
        await asyncio.gather(*(chatter.press(user_id, data) for user_id, data in taps.items()))
    assert len(users) >= 3 and counter.count < len(users)  # one group commit, not one per tap
    assert chatter.answers() == [t("zh", "ack.saved", value="80")] * len(users)
    assert len(chatter.session.of("EditMessageText")) == len(users)
    rows = await store.db.fetchall(
        "SELECT a.rater, s.value, s.entered_by FROM scores s JOIN assignments a ON a.id = s.assignment_id")
    assert sorted(rows) == sorted((key, 80.0, f"rater:{key}") for key in users)


async def test_a_users_first_update_reads_who_they_are_and_later_taps_take_one_hop(chatter, store, team):
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    identities(chatter)._known.clear()  # as after a restart
    counts = []
    for label in ("80", "85"):
        with hops(store) as counter:
            await chatter.press(LEADER, chatter.button(label))
        counts.append(counter.count)
    assert counts == [2, 1]  # who taps, then the tap; then the tap alone
    assert chatter.answers()[-2:] == [t("zh", "ack.saved", value="80"), t("zh", "ack.saved", value="85")]


async def test_a_role_taken_over_from_another_process_is_seen_by_the_next_tap(chatter, store, team):
    sheet_id = await sheet_id_of(store, team, "ld_cw", "leaders")
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    tap = chatter.button("80")
    other = await Store.open(store.db.path)  # `kaoping invites` and the new account's /start, elsewhere
    try:
        stored = await other.campaigns.get(team.key)
        (inv,) = await other.people.issue_invites(stored.id, [("rater", "ld_cw")], timedelta(days=1))
        await other.people.redeem(inv.token, 4343)
    finally:
        await other.close()
    await chatter.press(LEADER, tap)
    assert chatter.answers()[-1] == t("zh", "ack.invalid")
    assert all(i.value is None for i in (await store.sheets.walk(sheet_id))[1])


async def test_a_campaign_loaded_from_another_process_is_seen_by_the_next_tap(chatter, store, team):
    await chatter.send(LEADER, "/start")
    await chatter.press(LEADER, chatter.button(shape("zh", "btn.continue")))
    tap = chatter.button("80")
    scale = team.scale.model_copy(update={"max": 60})
    other = await Store.open(store.db.path)  # `kaoping load` of a file whose scale now ends at 60
    try:
        await other.campaigns.load(team.model_copy(update={"scale": scale}))
    finally:
        await other.close()
    await chatter.press(LEADER, tap)
    assert chatter.answers()[-1] == t("zh", "ack.invalid")  # 80 is off the new scale
    assert await store.db.fetchone("SELECT COUNT(*) FROM scores") == (0,)
