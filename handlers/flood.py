"""Flood control for the bot's direct answers to a user's own action (the /report files).

Messages the bot starts (reminders, digests, notices to other people) go through the outbox and the
paced `Sender` (bot/delivery.py). A handler's own replies stay direct, but when Telegram answers 429
they wait `retry_after` with the rest of the bot: through this protocol, which the composition root
provides as the dispatcher's `sender` (bot.delivery.Sender)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Replies(Protocol):
    async def reply(self, call: Callable[[], Awaitable[T]], *, max_wait: float) -> T: ...


async def patiently(sender: Replies | None, call: Callable[[], Awaitable[T]], max_wait: float) -> T:
    """`call` through the bot's Sender; a dispatcher built without one (tests that send no files) calls
    Telegram directly."""
    if sender is None:
        return await call()
    return await sender.reply(call, max_wait=max_wait)
