"""The adjustment register: every bonus or penalty with its reason, revoked ones kept."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.db import Database, inserted_id


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    id: int
    department: str
    points: float
    reason: str
    by: str
    at: str
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


_COLUMNS = "id, department, points, reason, by, at, revoked_at, revoked_by, revoke_reason"


class AdjustmentRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, campaign_id: int, department: str, points: float, reason: str, *, actor: str) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO adjustments (campaign_id, department, points, reason, by, at) VALUES (?, ?, ?, ?, ?, ?)",
                (campaign_id, department, points, reason, actor, self.db.now()),
            )
            new_id = inserted_id(cur)
            await self.db.audit(
                campaign_id, actor, "adjust", department,
                new=json.dumps({"id": new_id, "points": points, "reason": reason}, ensure_ascii=False),
            )
        return new_id

    async def get(self, campaign_id: int, adjustment_id: int) -> RegisterEntry | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM adjustments WHERE campaign_id = ? AND id = ?", (campaign_id, adjustment_id)
        )
        return RegisterEntry(*row) if row else None

    async def register(self, campaign_id: int) -> list[RegisterEntry]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM adjustments WHERE campaign_id = ? ORDER BY id", (campaign_id,)
        )
        return [RegisterEntry(*r) for r in rows]

    async def revoke(self, campaign_id: int, adjustment_id: int, reason: str, *, actor: str) -> str:
        """'revoked', 'already' (revoked before: nothing changes) or 'unknown'."""
        async with self.db.transaction() as conn:
            entry = await self.get(campaign_id, adjustment_id)
            if entry is None:
                return "unknown"
            if entry.revoked:
                return "already"
            await conn.execute(
                "UPDATE adjustments SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?",
                (self.db.now(), actor, reason, adjustment_id),
            )
            await self.db.audit(
                campaign_id, actor, "revoke", entry.department,
                old=json.dumps({"id": entry.id, "points": entry.points, "reason": entry.reason}, ensure_ascii=False),
                new=json.dumps({"id": entry.id, "revoked": True, "reason": reason}, ensure_ascii=False),
            )
        return "revoked"
