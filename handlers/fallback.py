"""Anything no other handler took: a forged callback, an unknown command."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from handlers.identity import Me
from handlers.replies import ack
from handlers.texts import t


async def on_unknown_callback(query: CallbackQuery, me: Me) -> None:
    await ack(query, t(me.lang, "stale"))


async def on_unknown_message(message: Message, me: Me) -> None:
    await message.answer(t(me.lang, "refused" if me.bound else "start.not_bound"))


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="fallback")
    router.callback_query.register(on_unknown_callback)
    router.message.register(on_unknown_message)
    return router
