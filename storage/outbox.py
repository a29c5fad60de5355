"""Notices owed to people: written in the same transaction as the change that owes them (by the CLI or
another user's action), delivered by the running bot in the recipient's language."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    campaign_id: int
    kind: str  # 'rater' | 'staff' (a key of the campaign) | 'telegram' (key is a Telegram user id)
    key: str
    text_key: str
    args: dict[str, Any]


_ADD_SQL = ("INSERT INTO outbox (campaign_id, kind, key, text_key, args, created_at) VALUES (?, ?, ?, ?, ?, ?)")


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, campaign_id: int, kind: str, key: str, text_key: str, **args: Any) -> None:
        """Queue a notice; call it inside the caller's `transaction()` so it lands with the change."""
        await self.db.execute(
            _ADD_SQL, (campaign_id, kind, key, text_key, json.dumps(args, ensure_ascii=False), self.db.now())
        )

    async def unsent(self, limit: int = 100) -> list[Notice]:
        rows = await self.db.fetchall(
            "SELECT id, campaign_id, kind, key, text_key, args FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?",
            (limit,),
        )
        return [Notice(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    async def mark(self, notice_id: int, outcome: str) -> None:
        """'sent', 'unbound' (nobody to tell yet), 'unreachable' (blocked the bot), 'failed'."""
        await self.db.execute(
            "UPDATE outbox SET sent_at = ?, outcome = ? WHERE id = ?", (self.db.now(), outcome, notice_id)
        )
