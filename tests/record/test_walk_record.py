"""The rater's record through the production dispatcher: Undo and taps applied once, stale cards and ids
that never land elsewhere, strict callback data, one account with several roles, takeovers told."""

from __future__ import annotations

import pytest

from handlers.callbacks import Walk
from scoring.validation import load_campaign
from tests.conftest import EXAMPLES, bind
from tests.texts.shapes import shape, shows
from texts import t

MAYOR, VICE, OTHER = 801, 802, 803



async def values(store, campaign, rater, group) -> dict[str, float | None]:
    stored = await store.campaigns.get(campaign.key)
    sheet = await store.sheets.find(stored.id, rater, group)
    return {i.department: i.value for i in await store.sheets.items(sheet.id)}


def tap_for(chatter, label: str) -> Walk:
    return Walk.unpack(chatter.button(label))


@pytest.fixture
async def mayor(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small, "rater", "ld_sz", MAYOR)
    await chatter.press(MAYOR, chatter.button(shape("zh", "btn.continue")))
    return small


async def test_undo_delivered_twice_reverts_one_change(chatter, store, mayor):
    await chatter.press(MAYOR, chatter.button("70"))  # first department
    await chatter.press(MAYOR, chatter.button("75"))  # second
    undo = chatter.button(t("zh", "btn.undo"))
    await chatter.press(MAYOR, undo)
    await chatter.press(MAYOR, undo)  # the same update again: after a crash, or a double tap
    scored = {d: v for d, v in (await values(store, mayor, "ld_sz", "leaders")).items() if v is not None}
    assert list(scored.values()) == [70.0]
    stored = await store.campaigns.get(mayor.key)
    assert [e.action for e in await store.audit.entries(stored.id) if e.assignment_id] == ["score", "score", "undo"]


async def test_a_redelivered_tap_never_overwrites_a_later_one(chatter, store, mayor):
    first = chatter.button("70")
    await chatter.press(MAYOR, first)
    await chatter.press(MAYOR, chatter.button(t("zh", "btn.back")))
    await chatter.press(MAYOR, chatter.button("90"))  # the rater corrects the first department
    await chatter.press(MAYOR, first)  # the first tap delivered again
    assert 90.0 in (await values(store, mayor, "ld_sz", "leaders")).values()
    assert 70.0 not in (await values(store, mayor, "ld_sz", "leaders")).values()


async def test_a_stale_card_on_a_first_device_asks_again_instead_of_overwriting(chatter, store, mayor):
    old_card = chatter.button("100")  # drawn on the first device
    await chatter.press(MAYOR, chatter.button("60"))  # the second device scores the same department
    await chatter.press(MAYOR, old_card)
    dept = Walk.unpack(old_card)
    assert 60.0 in (await values(store, mayor, "ld_sz", "leaders")).values()
    assert chatter.answers()[-1] == t("zh", "ack.stale")
    assert t("zh", "card.changed_since", value="60") in chatter.last_text()
    await chatter.press(MAYOR, chatter.button("100"))  # one more tap on the fresh card replaces it
    stored = await store.campaigns.get(mayor.key)
    sheet = await store.sheets.find(stored.id, "ld_sz", "leaders")
    assert next(i.value for i in await store.sheets.items(sheet.id) if i.assignment_id == dept.item) == 100.0


@pytest.mark.parametrize("value", ["", "+5000", "-100", "5000.0", "٥٠٠٠", "9" * 3000, " 5000", "5_000"])
async def test_callback_values_are_parsed_strictly(chatter, store, mayor, value):
    tap = tap_for(chatter, "70")
    data = f"w:s:{tap.sheet}:{tap.item}:{value}:{tap.base}"
    await chatter.press(MAYOR, data)
    assert await store.db.fetchone("SELECT COUNT(*) FROM scores") == (0,)
    assert chatter.answers()[-1] in (t("zh", "stale"), t("zh", "ack.invalid"))


async def test_a_button_from_before_a_reload_never_scores_another_department(chatter, store, small):
    text = (EXAMPLES / "small.yaml").read_text(encoding="utf-8")
    line = "  - {key: ld_cw, name: 常务副市长, name_en: Executive Vice Mayor, groups: [leaders]}"
    assert line in text
    v1 = text.replace(line, line.replace("groups: [leaders]",
                                         "groups: [{group: leaders, assign: {departments: [fgw, czj, wjw]}}]"))
    v2 = v1.replace("departments: [fgw, czj, wjw]", "departments: [fgw, czj, jyj]")
    await store.campaigns.load(load_campaign(v1, "v1.yaml"))
    await bind(chatter, store, small, "rater", "ld_cw", VICE)
    await chatter.press(VICE, chatter.button(shape("zh", "btn.continue")))
    await chatter.press(VICE, chatter.button("80"))
    await chatter.press(VICE, chatter.button("80"))
    old = chatter.button("85")  # the card of wjw, the sheet's last department
    assert "市卫生健康委员会" in chatter.last_text()
    await store.campaigns.load(load_campaign(v2, "v2.yaml"))
    stored = await store.campaigns.get(small.key)
    sheet = await store.sheets.find(stored.id, "ld_cw", "leaders")
    items = await store.sheets.items(sheet.id)
    assert Walk.unpack(old).item not in {i.assignment_id for i in items}
    await chatter.press(VICE, old)
    assert {i.department: i.value for i in await store.sheets.items(sheet.id)}["jyj"] is None
    assert chatter.answers()[-1] == t("zh", "ack.outdated")
    assert "市教育局" in chatter.last_text()  # the fresh card: the department the sheet has now


async def test_one_account_holds_two_roles_and_reaches_both_sheets(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small, "rater", "ld_cw", VICE)
    await bind(chatter, store, small, "rater", "kwl_econ", VICE)
    home = chatter.last_text()
    assert "常务副市长" in home and "经济口重点工作牵头领导" in home
    assert "市领导评议" in home and "重点工作牵头领导评议" in home
    labels = [b["text"] for row in chatter.last_markup() for b in row]
    assert sum(shows(label, "zh", "btn.continue") for label in labels) == 2
    await chatter.press(VICE, chatter.button(shape("zh", "btn.continue")))  # the first role's sheet
    await chatter.press(VICE, chatter.button("85"))
    await chatter.send(VICE, "/start")
    continues = [b["callback_data"] for row in chatter.last_markup() for b in row
                 if shows(b["text"], "zh", "btn.continue")]
    await chatter.press(VICE, continues[-1])  # the second role's sheet
    await chatter.press(VICE, chatter.button("90"))
    assert 85.0 in (await values(store, small, "ld_cw", "leaders")).values()
    assert 90.0 in (await values(store, small, "kwl_econ", "key_work_leads")).values()


async def test_a_takeover_by_a_new_invite_is_told_to_the_previous_account(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small, "rater", "ld_sz", MAYOR)
    await bind(chatter, store, small, "rater", "ld_sz", OTHER)
    told = [c.params["text"] for c in chatter.session.of("SendMessage") if c.params["chat_id"] == MAYOR]
    assert told[-1] == t("zh", "bind.taken_over", rater="市长", role="")
    stored = await store.campaigns.get(small.key)
    (entry,) = [e for e in await store.audit.entries(stored.id) if e.action == "takeover"]
    assert (entry.subject, entry.old, entry.new) == ("rater:ld_sz", f"tg:{MAYOR}", f"tg:{OTHER}")


async def test_start_names_every_role_the_account_holds(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small, "rater", "ld_cw", VICE)
    await bind(chatter, store, small, "staff", "admin", VICE)
    await chatter.send(VICE, "/start")
    title = chatter.last_text().split("\n")[1]
    roles = t("zh", "role.sep").join(t("zh", f"role.{r}") for r in ("admin", "staff"))
    assert title == f"常务副市长 · 市政府督查室主任（{roles}）"


async def test_an_imported_sheet_is_marked_on_the_raters_home_card(chatter, store, small):
    from scoring.imports import ScoreRow as Row

    stored = await store.campaigns.load(small)
    await bind(chatter, store, small, "rater", "cty_dc", OTHER)
    await chatter.send(OTHER, "/start")
    assert t("zh", "mark.imported") not in chatter.last_text()
    await store.results.import_scores(stored.campaign_id, [Row("cty_dc", "counties", "fgw", 88.0, None)], actor="cli")
    await chatter.send(OTHER, "/start")
    assert t("zh", "mark.imported") in chatter.last_text()
