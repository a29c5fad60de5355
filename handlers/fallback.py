"""Anything no other handler took: a forged callback, an unknown command, a sticker, a photo, a file.

Each gets a short, true reply: "no permission" only for a command that exists and this person may not
use; otherwise what the bot does understand for them (their roles' commands).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from handlers.commands import KNOWN, command_list
from handlers.identity import Me
from handlers.replies import ack
from texts import h, t


async def on_unknown_callback(query: CallbackQuery, me: Me) -> None:
    await ack(query, t(me.lang, "stale"))


def _command(text: str) -> str:
    """`/Report@kaoping_bot args` -> `/Report`."""
    return text.split(maxsplit=1)[0].split("@", 1)[0]


async def on_command(message: Message, text: str, me: Me) -> None:
    """`text`: the message's text (the filter lets only text through)."""
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    command = _command(text)
    if command[1:] in KNOWN:  # it exists, and the handler that serves it did not take this person
        await message.answer(t(me.lang, "refused"))
        return
    await message.answer(t(me.lang, "fallback.unknown_command", command=h(command[:40]),
                           commands=command_list(me)))


async def on_document(message: Message, me: Me) -> None:
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    await message.answer(t(me.lang, "fallback.file_staff_only", commands=command_list(me)))


async def on_anything_else(message: Message, me: Me) -> None:
    """Stickers, photos, voice, locations, …: say what the bot reads."""
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    await message.answer(t(me.lang, "fallback.not_text", commands=command_list(me)))


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="fallback")
    router.callback_query.register(on_unknown_callback)
    router.message.register(on_command, F.text.startswith("/"), F.text.as_("text"))
    router.message.register(on_document, F.document)
    router.message.register(on_anything_else)
    return router
