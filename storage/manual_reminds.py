"""The last manual `/remind` per milestone: its quiet period holds across processes and redelivered updates.

`claim` is one conditional statement: it records the remind (who, when) unless another was recorded
within the quiet period, so two taps, two processes or the same Telegram update delivered twice send
one burst; the burst starts only after the claim is committed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from storage.db import Database, parse_stamp, stamp


class RemindedRecently(Exception):
    """A manual remind of this milestone was sent at `at` (UTC), within the quiet period."""

    def __init__(self, at: datetime, actor: str) -> None:
        self.at = at
        self.actor = actor
        super().__init__(f"reminded at {at.isoformat()} by {actor}")


class ManualReminds:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, campaign_id: int, milestone: str, actor: str, quiet: timedelta, now: datetime) -> None:
        """Record a remind at `now`, or raise RemindedRecently with the one within `quiet` before it."""
        rows = await self.db.fetchall(
            "INSERT INTO manual_reminds (campaign_id, milestone, at, actor) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (campaign_id, milestone) DO UPDATE SET at = excluded.at, actor = excluded.actor,"
            " counts = NULL WHERE manual_reminds.at <= ? RETURNING at",
            (campaign_id, milestone, stamp(now), actor, stamp(now - quiet)),
        )
        if rows:
            return
        last = await self.last(campaign_id, milestone)
        assert last is not None  # the row that refused the claim
        raise RemindedRecently(*last)

    async def last(self, campaign_id: int, milestone: str) -> tuple[datetime, str] | None:
        row = await self.db.fetchone(
            "SELECT at, actor FROM manual_reminds WHERE campaign_id = ? AND milestone = ?", (campaign_id, milestone)
        )
        return (parse_stamp(row[0]), row[1]) if row else None

    async def done(self, campaign_id: int, milestone: str, counts: dict[str, int]) -> None:
        await self.db.execute(
            "UPDATE manual_reminds SET counts = ? WHERE campaign_id = ? AND milestone = ?",
            (json.dumps(counts, sort_keys=True), campaign_id, milestone),
        )
