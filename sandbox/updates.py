"""The getUpdates queue with Telegram's confirmation semantics.

An update stays queued until a later getUpdates passes an ``offset`` above its
``update_id``; so a bot that crashes (or is restarted) before confirming sees
the same update again, and its handlers must be idempotent -- the sandbox
makes that happen in tests instead of once a year in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from sandbox.errors import POLL_CONFLICT, conflict

Update = dict[str, Any]

# What Telegram sends when a bot never set allowed_updates.
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "chat_join_request",
        "poll",
        "poll_answer",
        "shipping_query",
        "pre_checkout_query",
    }
)


def update_type(update: Update) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    def __init__(self, first_update_id: int = 1000) -> None:
        self._pending: list[Update] = []
        self._next_id = first_update_id
        self._allowed: frozenset[str] = DEFAULT_ALLOWED
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closed = False
        self.history: list[Update] = []  # every update ever queued, for tests that redeliver one

    @property
    def pending(self) -> list[Update]:
        """Updates not confirmed yet (oldest first)."""
        return list(self._pending)

    def push(self, kind: str, payload: dict[str, Any]) -> Update:
        update: Update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self.history.append(update)
        self._wake()
        return update

    def redeliver(self, update: Update) -> None:
        """Queue an update again with its own id, as Telegram does when a bot crashed before confirming it."""
        if all(u["update_id"] != update["update_id"] for u in self._pending):
            self._pending.append(update)
            self._pending.sort(key=lambda u: u["update_id"])
        self._wake()

    def drop_pending(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        """Release every waiting long poll (with no updates) so the server can stop."""
        self._closed = True
        self._wake()

    def reopen(self) -> None:
        self._closed = False

    async def get(
        self,
        offset: int | None = None,
        limit: int = 100,
        timeout: float = 0.0,
        allowed_updates: list[str] | None = None,
    ) -> list[Update]:
        """getUpdates: confirm below ``offset``, then wait up to ``timeout`` seconds."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older poll still waiting is now superseded
        if allowed_updates:
            self._allowed = frozenset(allowed_updates)
        self._confirm(offset)
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            if generation != self._poll_generation:
                raise conflict(POLL_CONFLICT)
            ready = self._deliverable(max(1, min(limit, 100)))
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closed:
                return ready
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[Update]:
        # Updates of types the bot did not ask for are never delivered.
        self._pending = [u for u in self._pending if update_type(u) in self._allowed]
        return self._pending[:limit]

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
