"""Answering taps safely: a redelivered update must still reach its card."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery


async def ack(query: CallbackQuery, text: str | None = None, show_alert: bool = False) -> None:
    """Answer a callback; a query too old to answer (the bot restarted and Telegram
    delivered the tap again) is not an error: the write already happened and the
    card is still redrawn."""
    try:
        await query.answer(text, show_alert=show_alert)
    except TelegramBadRequest as exc:
        if "query is too old" not in exc.message and "query ID is invalid" not in exc.message:
            raise
