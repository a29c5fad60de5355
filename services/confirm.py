"""Confirm or cancel a pending action, exactly once.

The confirming button carries the pending action's id; deciding runs the action and records the
decision in one transaction. A second tap, a redelivered update or a stale card finds the decision
and gets the same answer; nothing runs twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storage.pending import Pending
from storage.store import Store

Action = Callable[[Pending], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str  # 'done' | 'cancelled' | 'failed' (now or before) | 'unknown' (not this user's, or no such)
    pending: Pending | None
    result: dict[str, Any] | None
    repeated: bool = False  # decided before this call


async def propose(store: Store, campaign_id: int, telegram_id: int, kind: str, payload: dict[str, Any]) -> int:
    return await store.pending.propose(campaign_id, telegram_id, kind, payload)


async def decide(store: Store, pending_id: int, telegram_id: int, kind: str, yes: bool, action: Action) -> Decision:
    """Run `action` for a pending action of this user and kind, or cancel it; once."""
    async with store.db.transaction():
        found = await store.pending.get(pending_id)
        if found is None or found.telegram_id != telegram_id or found.kind != kind:
            return Decision("unknown", None, None)
        if found.state != "pending":
            return Decision(found.state, found, found.result, repeated=True)
        if not yes:
            await store.pending.decide(pending_id, "cancelled")
            return Decision("cancelled", found, None)
        result = await action(found)
        state = "failed" if result.get("failed") else "done"
        await store.pending.decide(pending_id, state, result)
        return Decision(state, found, result)
