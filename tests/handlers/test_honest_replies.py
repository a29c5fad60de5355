"""Honest replies: what the bot understands for this person, "no permission" only when true, menus per
chat by role, and an apology for any failure; through the production dispatcher."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram.types import Chat, Document, Message, PhotoSize, Sticker, Update, Voice

from bot.app import set_commands
from tests.conftest import seat
from texts import t

ADMIN, APPROVER, COLLECTOR, MAYOR = 801, 802, 803, 805
REFUSED = t("zh", "refused")



@pytest.fixture
async def team(chatter, store, small):
    return await seat(chatter, store, small, ("staff", "admin", ADMIN), ("staff", "approver_kw", APPROVER),
                      ("staff", "col_zf", COLLECTOR), ("rater", "ld_sz", MAYOR, "en"))


async def feed(chatter, user_id: int, lang: str = "zh-hans", **content) -> None:
    message = Message(message_id=next(chatter.ids), date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
                      from_user=chatter.user(user_id, lang), **content)
    await chatter.dp.feed_update(chatter.bot, Update(update_id=next(chatter.ids), message=message))


def menus(chatter) -> dict[int, list[str]]:
    """chat id -> the commands of the newest chat-scoped menu set for it."""
    found = {}
    for call in chatter.session.of("SetMyCommands"):
        scope = call.params.get("scope") or {}
        if scope.get("type") == "chat":
            found[scope["chat_id"]] = [c["command"] for c in call.params["commands"]]
    return found


@pytest.mark.parametrize("command", ["/foo", "/START", "/start_over x"])
async def test_an_unknown_command_says_what_this_person_can_use(chatter, team, command):
    await chatter.send(MAYOR, command, lang="en")
    reply = chatter.last_text()
    assert "Sorry" not in reply and command.split()[0] in reply
    assert "/start" in reply and "/help" in reply and "/status" not in reply and "/report" not in reply
    await chatter.send(ADMIN, command)
    assert REFUSED not in chatter.last_text() and "/report" in chatter.last_text()


async def test_stickers_photos_and_voice_get_what_the_bot_reads(chatter, team):
    sticker = Sticker(file_id="s", file_unique_id="s", type="regular", width=512, height=512, is_animated=False,
                      is_video=False)
    for content in ({"sticker": sticker}, {"photo": [PhotoSize(file_id="p", file_unique_id="p", width=9, height=9)]},
                    {"voice": Voice(file_id="v", file_unique_id="v", duration=2)}):
        chatter.session.clear()
        await feed(chatter, MAYOR, lang="en", **content)
        commands = "\n".join(f"/{name} — {t('en', f'cmd.{name}')}" for name in ("start", "help", "lang", "receipts"))
        assert chatter.last_text() == t("en", "fallback.not_text", commands=commands)


async def test_a_file_from_a_rater_is_answered_not_refused(chatter, team):
    await feed(chatter, MAYOR, lang="en", document=Document(file_id="d", file_unique_id="d", file_name="scores.csv"))
    assert chatter.last_text().startswith(t("en", "fallback.file_staff_only", commands=""))


async def test_no_permission_only_when_true(chatter, team):
    await chatter.send(MAYOR, "/report")
    assert chatter.last_text() == REFUSED  # /report exists and a rater may not use it
    await chatter.send(APPROVER, "/help")
    assert "/approve" in chatter.last_text() and "/status" not in chatter.last_text()
    await chatter.send(APPROVER, "/status")
    assert chatter.last_text() == REFUSED
    await chatter.send(COLLECTOR, "/help")
    assert "/status" in chatter.last_text() and "/report" not in chatter.last_text()


async def test_every_command_in_a_menu_is_served_for_that_person(chatter, team):
    for user_id, lang in ((ADMIN, "zh-hans"), (APPROVER, "zh-hans"), (COLLECTOR, "zh-hans"), (MAYOR, "en")):
        for command in menus(chatter)[user_id]:
            await chatter.send(user_id, f"/{command}", lang=lang)
            assert chatter.last_text() not in (REFUSED, t("en", "refused")), (user_id, command)


async def test_menus_per_chat_by_role_in_the_users_language(chatter, team):
    found = menus(chatter)
    assert found[MAYOR] == ["start", "help", "lang", "receipts"]
    assert found[ADMIN] == ["start", "help", "lang", "status", "report", "remind", "adjust", "adjustments", "revoke",
                            "reopen", "history"]
    assert found[APPROVER] == ["start", "help", "lang", "approve"]
    assert found[COLLECTOR] == ["start", "help", "lang", "receipts", "status"]
    mayor = [c for c in chatter.session.of("SetMyCommands") if (c.params.get("scope") or {}).get("chat_id") == MAYOR]
    assert mayor[-1].params["commands"][1]["description"] == t("en", "cmd.help")
    await chatter.send(MAYOR, "/lang zh", lang="en")  # the menu follows the language
    mayor = [c for c in chatter.session.of("SetMyCommands") if (c.params.get("scope") or {}).get("chat_id") == MAYOR]
    assert mayor[-1].params["commands"][1]["description"] == t("zh", "cmd.help")


async def test_the_default_menu_holds_only_what_everyone_may_use(chatter):
    await set_commands(chatter.bot)
    calls = chatter.session.of("SetMyCommands")
    defaults = [c for c in calls if (c.params.get("scope") or {}).get("type") == "default"]
    assert {tuple(x["command"] for x in c.params["commands"]) for c in defaults} == {("start", "help", "lang")}


async def test_a_failure_while_handling_typed_text_gets_an_apology_and_is_logged(chatter, team, monkeypatch,
                                                                                  caplog):
    import handlers.start

    def broken(me):
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers.start, "_help", broken)
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        await chatter.send(MAYOR, "/help", lang="en")
    assert chatter.last_text() == t("en", "error.generic")
    assert any("failed" in r.getMessage() and "update" in r.getMessage() for r in caplog.records)


async def test_text_from_staff_outside_a_prompt_is_answered(chatter, team):
    chatter.session.clear()
    await chatter.send(ADMIN, "你好")
    assert "/status" in chatter.last_text() and "/remind" in chatter.last_text()
