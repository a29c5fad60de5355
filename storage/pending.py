"""Actions waiting for a confirming tap: the button names the row, so a stale or repeated tap confirms
exactly what its card showed, or finds it decided already."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database, inserted_id


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    campaign_id: int
    telegram_id: int
    kind: str
    payload: dict[str, Any]
    state: str  # 'pending' | 'done' | 'cancelled' | 'failed'
    result: dict[str, Any] | None


class PendingRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def propose(self, campaign_id: int, telegram_id: int, kind: str, payload: dict[str, Any]) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO pending (campaign_id, telegram_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                (campaign_id, telegram_id, kind, json.dumps(payload, ensure_ascii=False), self.db.now()),
            )
            return inserted_id(cur)

    async def get(self, pending_id: int) -> Pending | None:
        row = await self.db.fetchone(
            "SELECT id, campaign_id, telegram_id, kind, payload, state, result FROM pending WHERE id = ?",
            (pending_id,),
        )
        if row is None:
            return None
        return Pending(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5],
                       json.loads(row[6]) if row[6] else None)

    async def decide(self, pending_id: int, state: str, result: dict[str, Any] | None = None) -> None:
        await self.db.execute(
            "UPDATE pending SET state = ?, result = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
            (state, json.dumps(result, ensure_ascii=False) if result is not None else None, self.db.now(),
             pending_id),
        )
