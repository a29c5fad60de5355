"""Sending many messages without tripping Telegram's flood control, and surviving its errors.

`Pacer` spaces sends: at most `rate` messages a second overall and one per
`per_chat` seconds to one chat (Telegram allows about 30/s and 1/s per chat;
we stay under). It hands out time slots by reservation, so concurrent senders
in one event loop need no lock. `Sender` sends one message through the pacer
and turns every failure into an outcome instead of an exception:

- 429 `TelegramRetryAfter`: everyone pauses `retry_after` seconds, then retry;
- 403 `TelegramForbiddenError` (the user blocked the bot): the user is marked
  unreachable, outcome ``unreachable``;
- 400/401/404 (our request is wrong; retrying cannot help): ``failed``;
- 5xx, network errors, timeouts: exponential backoff, up to `tries` attempts,
  then ``failed``;
- a 429 wait that would exceed `max_wait` in all: ``deferred`` (nothing was
  delivered; the caller may try again later). `max_wait` (plus one request
  timeout) also bounds how long a send can take, which must stay below the
  reminder claim's staleness.

`Sender.reply` is for the bot's direct answers to a user's own action (the /report files): not paced
and not turned into outcomes (the handler's error path sees other errors), but a 429 waits
`retry_after` and pauses the bot's other sends just as `send` does, within its own `max_wait`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardMarkup
from aiohttp import ClientConnectorError

from storage.people import PeopleRepo

log = logging.getLogger(__name__)

T = TypeVar("T")
Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Errors where a second attempt would send the very same broken request.
_PERMANENT = (TelegramBadRequest, TelegramUnauthorizedError, TelegramNotFound)


class Outcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    DEFERRED = "deferred"  # not delivered, not given up: flood control asked for a longer wait than allowed
    UNKNOWN = "unknown"  # the request may have reached Telegram and no answer came (at-most-once sends only)


class Pacer:
    """Time slots for sends: `rate` per second overall, one per `per_chat` seconds per chat.

    Time is cut into slots of 1/rate seconds and each send takes a free one, the
    earliest its chat allows: a chat that must wait does not hold up the others,
    and no one-second window ever holds more than `rate` sends.
    """

    def __init__(
        self, rate: float = 25.0, per_chat: float = 1.0, *, clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or per_chat < 0:
            raise ValueError("rate must be positive and per_chat not negative")
        self.interval = 1.0 / rate
        self.per_chat = per_chat
        self.clock = clock
        self.sleep = sleep
        self._taken: set[int] = set()  # slot numbers (time / interval) already given out
        self._next_chat: dict[int, float] = {}
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Flood control answered 429: nobody sends for `seconds`."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def delay(self) -> float:
        """Seconds until anyone may send again after a 429 (0: now)."""
        return max(0.0, self._paused_until - self.clock())

    async def acquire(self, chat_id: int) -> None:
        """Wait for this chat's next slot; the slot is taken when this returns."""
        while True:
            now = self.clock()
            earliest = max(now, self._paused_until, self._next_chat.get(chat_id, 0.0))
            # Reserve before awaiting, so that concurrent callers take different slots.
            slot = math.ceil(earliest / self.interval - 1e-9)
            while slot in self._taken:
                slot += 1
            self._taken.add(slot)
            start = slot * self.interval
            self._next_chat[chat_id] = start + self.per_chat
            if start > now:
                await self.sleep(start - now)
            if self._paused_until <= self.clock():
                break  # else a 429 paused everyone while we slept: take a slot after the pause
        if len(self._taken) > 4096:
            self._forget(self.clock())

    def _forget(self, now: float) -> None:
        past = math.floor(now / self.interval) - 1
        self._taken = {slot for slot in self._taken if slot >= past}
        self._next_chat = {chat: t for chat, t in self._next_chat.items() if t > now}


@dataclass(frozen=True, slots=True)
class Patience:
    """How long a send keeps trying: an error that may pass is tried again after a doubling wait; Telegram's
    flood-control waits are honoured while the send's whole wait stays within `max_wait`."""

    tries: int = 5
    backoff: float = 1.0  # the first wait after an error, in seconds
    max_backoff: float = 30.0
    max_wait: float = 120.0  # longer than this and the send is deferred (or failed, after errors)


PATIENT = Patience()


class Sender:
    """One message to one chat: paced, retried, and never raising a Telegram error."""

    def __init__(self, bot: Bot, people: PeopleRepo, pacer: Pacer | None = None, *, patience: Patience = PATIENT,
                 clock: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.bot = bot
        self.people = people
        self.pacer = pacer or Pacer(clock=clock, sleep=sleep)
        self.patience = patience
        self.clock = clock
        self.sleep = sleep

    async def send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, *,
        before: Callable[[], Awaitable[bool]] | None = None,
    ) -> Outcome:
        """`before`: awaited once, after pacing and right before the first call to Telegram (reminders
        record there that the send started); when it returns False nothing is sent (DEFERRED). A send
        with `before` is at most once: after a timeout or a dropped connection, when the message may
        have arrived, it is not retried but answered UNKNOWN."""
        at_most_once = before is not None
        deadline = self.clock() + self.patience.max_wait
        failures = 0  # errors after which the message may or may not have arrived
        while True:
            if self.clock() + self.pacer.delay() > deadline:
                if failures:
                    log.error("send to %s failed: out of time after %d errors", chat_id, failures)
                    return Outcome.FAILED
                log.warning("send to %s deferred: flood control wait exceeds %.0fs", chat_id, self.patience.max_wait)
                return Outcome.DEFERRED
            await self.pacer.acquire(chat_id)
            if before is not None:
                if not await before():
                    return Outcome.DEFERRED
                before = None
            try:
                await self.bot.send_message(chat_id, text, reply_markup=markup)
                return Outcome.SENT
            except TelegramRetryAfter as exc:
                log.info("429 for chat %s: waiting %ss", chat_id, exc.retry_after)
                self.pacer.pause(exc.retry_after)
                continue  # not counted as a failure: Telegram told us exactly when to come back
            except TelegramForbiddenError as exc:
                log.info("chat %s is unreachable: %s", chat_id, exc.message)
                await self.people.mark_unreachable(chat_id)
                return Outcome.UNREACHABLE
            except _PERMANENT as exc:
                log.error("send to %s rejected: %s", chat_id, exc.message)
                return Outcome.FAILED
            except (TelegramAPIError, OSError, TimeoutError) as exc:
                if at_most_once and _maybe_delivered(exc):
                    log.warning("send to %s: no answer (%s); it may have arrived, not sent again", chat_id, exc)
                    return Outcome.UNKNOWN
                failures += 1
                if failures >= self.patience.tries:
                    log.error("send to %s failed after %d tries: %s", chat_id, failures, exc)
                    return Outcome.FAILED
                wait = min(self.patience.max_backoff, self.patience.backoff * 2 ** (failures - 1))
                if self.clock() + wait > deadline:
                    log.error("send to %s failed: %s (no time left to retry)", chat_id, exc)
                    return Outcome.FAILED
                log.warning("send to %s failed (%s); retry %d in %.1fs", chat_id, exc, failures, wait)
                await self.sleep(wait)

    async def reply(self, call: Callable[[], Awaitable[T]], *, max_wait: float) -> T:
        """Make a direct answer's call (`call` does one request); on 429 everyone waits `retry_after` and
        the call is made again, as long as the waits fit in `max_wait`; then the 429 is raised."""
        deadline = self.clock() + max_wait
        while True:
            paused = self.pacer.delay()  # another send met flood control: wait with everyone
            if paused and self.clock() + paused <= deadline:
                await self.sleep(paused)
            try:
                return await call()
            except TelegramRetryAfter as exc:
                if self.clock() + exc.retry_after > deadline:
                    raise
                log.info("429 on a reply: waiting %ss", exc.retry_after)
                self.pacer.pause(exc.retry_after)


def _maybe_delivered(exc: BaseException) -> bool:
    """True when the request may have reached Telegram: no HTTP answer, and not a failure to connect.

    A 5xx or any other Telegram answer means the request was handled and refused; a connection that
    was never made carried nothing."""
    if isinstance(exc, TelegramAPIError) and not isinstance(exc, TelegramNetworkError):
        return False
    cause = exc.__cause__ if isinstance(exc, TelegramNetworkError) else exc
    return not isinstance(cause, ClientConnectorError | ConnectionRefusedError)
