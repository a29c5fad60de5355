"""The sandbox Bot API, driven by a real aiogram Bot over HTTP.

Each test states a rule of the real Bot API; if the sandbox stopped
enforcing it, the end-to-end suite would pass bots that break on phones.
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from sandbox import SandboxServer, SimUser
from sandbox.errors import ApiError
from sandbox.formatting import parse_html

ALICE = 1001
# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    )


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(callback_timeout=2.0) as server:
        yield server


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    bot = Bot(sandbox.token, session=AiohttpSession(api=sandbox.api_server()))
    yield bot
    await bot.session.close()


@pytest.fixture
def alice(sandbox: SandboxServer) -> SimUser:
    return sandbox.user(ALICE, "Alice", username="alice")


async def test_get_me_answers_with_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456 and me.username


async def test_sent_message_appears_in_the_user_chat(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(ALICE, "<b>Hi</b> &lt;3 了", parse_mode="HTML", reply_markup=keyboard([("OK", "ok")]))
    assert sent.text == "Hi <3 了"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 2)]
    seen = alice.last()
    assert seen is not None and seen.text == "Hi <3 了" and seen.buttons == [[("OK", "ok")]]


async def test_unescaped_html_is_rejected_like_telegram(bot: Bot, alice: SimUser) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "score < 60", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "<b>R&D</b>", parse_mode="HTML")
    sent = await bot.send_message(ALICE, html.escape("score < 60 & R&D"), parse_mode="HTML")
    assert sent.text == "score < 60 & R&D"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("🏟 🏟&lt;<abac>", 'Unsupported start tag "abac" at byte offset 13'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", "Can't find end tag corresponding to start tag"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_errors_match_telegram_wording(source: str, error: str) -> None:
    with pytest.raises(ApiError, match="can't parse entities") as caught:
        parse_html(source)
    assert error in caught.value.description


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html('🏟 <i>🏟 &lt;</i><a href="https://t.me/x?a=1&amp;b=2">link</a>')
    assert text == "🏟 🏟 <link"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [("italic", 3, 4), ("text_link", 7, 4)]
    assert entities[1]["url"] == "https://t.me/x?a=1&b=2"


async def test_text_length_is_measured_after_parsing(bot: Bot, alice: SimUser) -> None:
    await bot.send_message(ALICE, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALICE, "<b> </b>", parse_mode="HTML")


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, alice: SimUser) -> None:
    await bot.send_message(ALICE, "ok", reply_markup=keyboard([("a", "x" * 64)]))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "too long", reply_markup=keyboard([("a", "x" * 65)]))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):  # 22 × 3 bytes
        await bot.send_message(ALICE, "too long", reply_markup=keyboard([("a", "部" * 22)]))


async def test_keyboard_shape_limits(bot: Bot, alice: SimUser) -> None:
    with pytest.raises(TelegramBadRequest, match="BUTTONS_TOO_MUCH"):
        await bot.send_message(ALICE, "row", reply_markup=keyboard([(str(i), str(i)) for i in range(9)]))
    with pytest.raises(TelegramBadRequest, match="BUTTONS_TOO_MUCH"):
        rows = [[(f"{r}.{c}", f"{r}.{c}") for c in range(8)] for r in range(13)]
        await bot.send_message(ALICE, "many", reply_markup=keyboard(*rows))
    with pytest.raises(TelegramBadRequest, match="BUTTON_TEXT_EMPTY"):
        await bot.send_message(ALICE, "empty", reply_markup=keyboard([("", "x")]))


async def test_edit_rules(bot: Bot, alice: SimUser) -> None:
    card = await bot.send_message(ALICE, "card", reply_markup=keyboard([("90", "s:90")]))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "card", chat_id=ALICE, message_id=card.message_id, reply_markup=keyboard([("90", "s:90")])
        )
    # Omitting reply_markup removes the keyboard, exactly as on Telegram.
    await bot.edit_message_text("card", chat_id=ALICE, message_id=card.message_id)
    seen = alice.last()
    assert seen is not None and seen.buttons == [] and seen.edited
    await bot.delete_message(ALICE, card.message_id)
    assert alice.last() is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("again", chat_id=ALICE, message_id=card.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALICE, card.message_id)


async def test_callback_query_is_answered_once_and_in_time(bot: Bot, sandbox: SandboxServer, alice: SimUser) -> None:
    await bot.send_message(ALICE, "pick", reply_markup=keyboard([("八十 80", "s:80"), ("九十 90", "s:90")]))
    query_id = await alice.press("90")
    assert await bot.answer_callback_query(query_id, text="已保存")
    assert await alice.wait_answer(query_id) == ("已保存", False)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    sandbox.world.callback_timeout = 0.0
    late = await alice.press("八十 80")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late)
    assert alice.answers == [("已保存", False)]


async def test_blocked_user_and_unknown_chat(bot: Bot, sandbox: SandboxServer, alice: SimUser) -> None:
    sandbox.block(ALICE)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "reminder")
    sandbox.unblock(ALICE)
    await bot.send_message(ALICE, "reminder")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "who?")


async def test_injected_errors(bot: Bot, sandbox: SandboxServer, alice: SimUser) -> None:
    sandbox.inject("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALICE, "x")
    assert caught.value.retry_after == 7
    sandbox.inject("sendMessage", error_code=502, chat_id=ALICE)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(ALICE, "x")
    await bot.send_message(ALICE, "x")  # faults are used up


async def test_strict_rates_limit_one_message_a_second_per_chat() -> None:
    async with SandboxServer(strict_rates=True) as server:
        server.user(ALICE)
        async with Bot(server.token, session=AiohttpSession(api=server.api_server())) as bot:
            await bot.send_message(ALICE, "first")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(ALICE, "second")
    assert caught.value.retry_after >= 1


async def test_get_updates_redelivers_until_confirmed(bot: Bot, alice: SimUser) -> None:
    await alice.send("one")
    await alice.send("two")
    first = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)  # a restarted bot sees them again
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    assert [u.update_id for u in again] == [u.update_id for u in first]
    assert await bot.get_updates(offset=first[-1].update_id + 1, timeout=0) == []

    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=first[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    await alice.send("three")
    (update,) = await poll
    assert update.message and update.message.text == "three"
    assert time.monotonic() - started < 2


async def test_second_poller_terminates_the_first(bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="only one bot instance"):
        await first


async def test_dispatcher_polls_the_sandbox(bot: Bot, alice: SimUser) -> None:
    router = Router(name="demo")

    @router.message(CommandStart(deep_link=True))
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"你好 {html.escape(command.args or '')}", reply_markup=keyboard([("确认", "ok")]))

    @router.callback_query(F.data == "ok")
    async def confirm(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("已确认")
        await callback.answer("好")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await alice.send("/start abc")
        await alice.wait_for(lambda u: (m := u.last()) is not None and m.text == "你好 abc")
        query_id = await alice.press("确认")
        assert await alice.wait_answer(query_id) == ("好", False)
        await alice.wait_for(lambda u: (m := u.last()) is not None and m.text == "已确认" and not m.buttons)
    finally:
        await dp.stop_polling()
        await polling


async def test_documents_and_photos_round_trip(bot: Bot, alice: SimUser) -> None:
    await alice.send_document(b"rater,score\nr1,90\n", "scores.csv", caption="import")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message and update.message.document
    document = update.message.document
    assert (document.file_name, document.mime_type) == ("scores.csv", "text/csv")
    downloaded = await bot.download(document)
    assert downloaded is not None and downloaded.read() == b"rater,score\nr1,90\n"

    await bot.send_document(ALICE, BufferedInputFile(b"a,b\n", "report.csv"), caption="<b>报告</b>", parse_mode="HTML")
    report = alice.last()
    assert report and report.document_bytes == b"a,b\n" and report.caption == "报告"
    await bot.send_photo(ALICE, BufferedInputFile(PNG, "chart.png"))
    chart = alice.last()
    assert chart and chart.photo and chart.photo_bytes == PNG
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(ALICE, BufferedInputFile(b"x", "x.txt"), caption="x" * 1025)


async def test_raw_http_errors_have_bot_api_shape(sandbox: SandboxServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox.base_url}/bot1:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{sandbox.base_url}/bot{sandbox.token}/sendTelepathy", json={}) as response:
            assert (response.status, (await response.json())["description"]) == (404, "Not Found")
        sandbox.user(ALICE)
        payload = {"chat_id": ALICE, "text": "json body", "reply_markup": {"inline_keyboard": [[]]}}
        async with http.post(f"{sandbox.base_url}/bot{sandbox.token}/sendMessage", json=payload) as response:
            assert (await response.json())["result"]["text"] == "json body"
    assert sandbox.calls[-1] == ("sendMessage", payload)


async def test_wait_for_times_out_with_the_chat_shown(alice: SimUser) -> None:
    await alice.send("hello")
    with pytest.raises(TimeoutError, match="'hello'"):
        await alice.wait_for(lambda u: u.last() is not None, timeout=0.05)


async def test_command_menus_per_scope_with_telegrams_checks(bot: Bot, alice: SimUser) -> None:
    from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

    everyone = [BotCommand(command="start", description="开始")]
    await bot.set_my_commands(everyone, scope=BotCommandScopeDefault())
    staff = everyone + [BotCommand(command="status", description="进度")]
    await bot.set_my_commands(staff, scope=BotCommandScopeChat(chat_id=ALICE))
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=ALICE))] == [
        "start", "status"]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.set_my_commands(everyone, scope=BotCommandScopeChat(chat_id=999))
    for bad in ("Start", "a" * 33, "with-dash", ""):
        with pytest.raises(TelegramBadRequest):
            await bot.set_my_commands([BotCommand(command=bad, description="x")])
    for description in ("", "x" * 257):
        with pytest.raises(TelegramBadRequest):
            await bot.set_my_commands([BotCommand(command="ok", description=description)])
    with pytest.raises(TelegramBadRequest, match="LANG_CODE_INVALID"):
        await bot.set_my_commands(everyone, language_code="english")
