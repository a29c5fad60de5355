"""Every message in the reader's language: /lang, else Telegram's language_code, else the campaign default.
Through the production dispatcher (feed_update), messages the bot starts included."""

from __future__ import annotations

import pytest

from scoring.validation import load_campaign
from tests.conftest import EXAMPLES, bind
from tests.texts.shapes import shape, shows
from texts import t

ADMIN, APPROVER, LEAD, MAYOR = 701, 702, 704, 705



def sent_to(chatter, user_id: int) -> list[dict]:
    return [c.params for c in chatter.session.of("SendMessage") if c.params["chat_id"] == user_id]


def labels(markup: dict | None) -> list[str]:
    return [b["text"] for row in (markup or {}).get("inline_keyboard", []) for b in row]


@pytest.fixture
async def team(chatter, store, small):
    await store.campaigns.load(small)
    await bind(chatter, store, small.key, "staff", "admin", ADMIN, "zh-hans")
    await bind(chatter, store, small.key, "staff", "approver_kw", APPROVER, "zh-hans")
    await bind(chatter, store, small.key, "rater", "kwl_econ", LEAD, "en")
    await bind(chatter, store, small.key, "rater", "ld_sz", MAYOR, "en-GB")
    return small


async def test_a_remind_reaches_an_english_telegram_user_in_english_with_full_labels(chatter, store, team):
    chatter.session.clear()
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.confirm")))
    (reminder,) = sent_to(chatter, MAYOR)
    assert t("en", "remind.footer") in reminder["text"] and "请" not in reminder["text"]
    assert labels(reminder["reply_markup"]) == [t("en", "remind.btn", group="City leaders")]


async def test_typed_value_errors_in_english(chatter, store, team):
    await chatter.send(MAYOR, "/start", lang="en")
    await chatter.press(MAYOR, chatter.button(shape("en", "btn.continue")), lang="en")
    await chatter.press(MAYOR, chatter.button(t("en", "btn.other")), lang="en")
    await chatter.send(MAYOR, "abc", lang="en")
    no_number = t("zh", "value.not_a_number", text="abc")
    assert t("en", "value.not_a_number", text="abc") in chatter.last_text() and no_number not in chatter.last_text()
    await chatter.send(MAYOR, "101", lang="en")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in chatter.last_text())  # not a Chinese word in it


async def test_return_and_reopen_notices_in_the_raters_language(chatter, store, team):
    stored = await store.campaigns.get(team.key)
    _, items = await store.sheets.walk((await store.sheets.find(stored.id, "kwl_econ", "key_work_leads")).id)
    await chatter.send(LEAD, "/start", lang="en")
    await chatter.fill(LEAD, shape("en", "btn.continue"), len(items), lang="en")
    await chatter.press(LEAD, chatter.button(t("en", "btn.submit")), lang="en")
    await chatter.press(LEAD, chatter.button(t("en", "btn.confirm_submit")), lang="en")
    assert (await store.sheets.find(stored.id, "kwl_econ", "key_work_leads")).state == "submitted"
    await chatter.press(APPROVER, chatter.button(t("zh", "btn.return")))
    await chatter.send(APPROVER, "请补充评语后再提交")
    told = sent_to(chatter, LEAD)[-1]
    assert shows(told["text"], "en", "approval.told_rater", comment="请补充评语后再提交")
    assert not shows(told["text"], "zh", "approval.told_rater")
    assert all(ord(ch) < 0x3000 for ch in labels(told["reply_markup"])[0])  # an English button


async def test_campaign_default_language_for_a_user_whose_telegram_is_neither(chatter, store):
    text = (EXAMPLES / "small.yaml").read_text(encoding="utf-8").replace("timezone:", "default_lang: en\ntimezone:", 1)
    campaign = load_campaign(text, "small-en.yaml")
    assert campaign.default_lang == "en"
    await store.campaigns.load(campaign)
    await bind(chatter, store, campaign.key, "rater", "ld_sz", MAYOR, "ru")
    assert any(shows(b["text"], "en", "btn.continue") for row in chatter.last_markup() for b in row)
    await chatter.send(MAYOR, "/lang 中文", lang="ru")
    assert chatter.last_text() == t("zh", "lang.switched")


def test_default_lang_is_checked_in_the_campaign_file():
    text = (EXAMPLES / "small.yaml").read_text(encoding="utf-8").replace("timezone:", "default_lang: fr\ntimezone:", 1)
    with pytest.raises(Exception, match="default_lang"):
        load_campaign(text, "bad.yaml")


async def test_lang_sets_by_code_or_name_and_explains_anything_else(chatter, store, team):
    await chatter.send(ADMIN, "/lang 中文")  # a Chinese user asking for Chinese stays Chinese
    assert chatter.last_text() == t("zh", "lang.switched")
    await chatter.send(ADMIN, "/lang English")
    assert chatter.last_text() == t("en", "lang.switched")
    await chatter.send(ADMIN, "/lang klingon")
    assert chatter.last_text() == t("en", "lang.unknown", text="klingon")
    assert (await store.people.user(ADMIN)).lang == "en"  # unchanged by the unknown word
    await chatter.send(ADMIN, "/lang zh")
    assert (await store.people.user(ADMIN)).lang == "zh"


async def test_role_names_in_the_users_language(chatter, store, team):
    bound = [p["text"] for p in sent_to(chatter, ADMIN) if shows(p["text"], "zh", "start.bound_staff")]
    assert bound and t("zh", "role.admin") in bound[0] and "admin" not in bound[0]


async def test_the_telegram_language_is_remembered_for_later(chatter, store, team):
    assert (await store.people.user(MAYOR)).tg_lang == "en-GB"
    stored = await store.campaigns.get(team.key)
    contacts = await store.people.contacts(stored.id)
    assert contacts[("rater", "ld_sz")].lang == "en-GB"


CONTACT = 706


async def test_labels_are_whole_and_part_and_group_not_repeated(chatter, store, team):
    await bind(chatter, store, team.key, "rater", "c_fgw", CONTACT, "en")
    buttons = [b["text"] for row in chatter.last_markup() for b in row]
    assert t("en", "btn.continue", group="Sector peer evaluation") in buttons  # 31 characters, once cut at 28
    await chatter.send(MAYOR, "/lang zh", lang="en")
    await chatter.send(MAYOR, "/start", lang="en")
    home = chatter.last_text()
    assert "市领导评议</b>" in home and "市领导评议 · 市领导评议" not in home
    await chatter.press(MAYOR, chatter.button(shape("zh", "btn.continue")), lang="en")
    assert chatter.last_text().startswith("<b>市领导评议</b>")


def test_shorten_cuts_at_a_word_and_only_when_needed():
    from texts import shorten

    assert shorten("Continue Sector peer evaluation", 64) == "Continue Sector peer evaluation"
    assert shorten("Government Offices Administration Bureau", 24) == "Government Offices…"
    assert shorten("市政府机关事务管理局市政府机关事务管理局", 8) == "市政府机关事务…"


async def test_a_scheduled_reminder_uses_the_language_telegram_showed(chatter, store, team, clock):
    from datetime import UTC, datetime

    from bot.scheduler import ReminderService
    from tests.reminders.support import fast_sender

    chatter.session.clear()
    service = ReminderService(store, fast_sender(chatter.bot, store), clock=clock)
    clock.now = datetime(2027, 1, 8, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, inside the 3d window of `scores`
    await service.tick()
    (reminder,) = [p for p in sent_to(chatter, MAYOR) if "⏰" in p["text"]]
    assert shows(reminder["text"], "en", "left.days") and t("en", "remind.footer") in reminder["text"]
    assert [p for p in sent_to(chatter, ADMIN) if "⏰" in p["text"]] == []  # staff get none
