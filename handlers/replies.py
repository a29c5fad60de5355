"""Answering taps safely: a redelivered update must still reach its card, and a card that is gone is not an
error."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def ack(query: CallbackQuery, text: str | None = None, show_alert: bool = False) -> None:
    """Answer a callback; a query too old to answer (the bot restarted and Telegram
    delivered the tap again) is not an error: the write already happened and the
    card is still redrawn."""
    try:
        await query.answer(text, show_alert=show_alert)
    except TelegramBadRequest as exc:
        if "query is too old" not in exc.message and "query ID is invalid" not in exc.message:
            raise


def card_of(query: CallbackQuery) -> Message | None:
    """The message the tapped button sits on, or None when it is gone: Telegram sends an
    `InaccessibleMessage` for one deleted or too old for the bot to see, and nothing for an inline message."""
    message = query.message
    return message if isinstance(message, Message) else None


_GONE = ("message to edit not found", "can't be edited")


async def show_text(query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """What a tap did, on the message its button sits on (edited in place); when that message is gone, as a
    new message in its chat. The same text shown again (a second device, a redelivered tap) is no error."""
    card = card_of(query)
    if card is None or not await edited(card.edit_text(text, reply_markup=reply_markup)):
        await say(query, text, reply_markup)


async def edited(edit: Awaitable[object]) -> bool:
    """Run an edit of a message; False when that message is gone (deleted, too old) and the caller should send
    a new one. The same text shown again (a second device, a redelivered update) counts as edited."""
    try:
        await edit
    except TelegramBadRequest as exc:
        if "message is not modified" in exc.message:
            return True
        if not edit_gone(exc):
            raise
        return False
    return True


async def say(query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """A new message in the chat of the tapped button (the button's message itself may be gone)."""
    if query.message is not None:  # an inline message has no chat to write to: the tap's answer is all
        await query.message.answer(text, reply_markup=reply_markup)


def edit_gone(exc: TelegramBadRequest) -> bool:
    """The edit failed because the message cannot be edited any more (deleted, too old)."""
    return any(reason in exc.message for reason in _GONE)
