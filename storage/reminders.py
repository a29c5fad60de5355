"""Reminders sent: claimed in the store first, so no two processes send one twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database, parse_stamp, stamp


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self, campaign_id: int, rater: str, milestone: str, offset_s: int, *, owner: str,
        stale_after: timedelta = timedelta(minutes=5),
    ) -> bool:
        """Take the right to send one reminder.

        A claim that was never completed (its process died between claim and
        send) may be taken over once it is older than `stale_after`.
        """
        now = self.db.clock()
        rows = await self.db.fetchall(
            "INSERT INTO reminders (campaign_id, rater, milestone, offset_s, claimed_by, claimed_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (campaign_id, rater, milestone, offset_s) DO UPDATE SET"
            " claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at"
            " WHERE reminders.sent_at IS NULL AND reminders.claimed_at < ?"
            " RETURNING claimed_by",
            (campaign_id, rater, milestone, offset_s, owner, stamp(now), stamp(now - stale_after)),
        )
        return bool(rows) and rows[0][0] == owner

    async def complete(self, campaign_id: int, rater: str, milestone: str, offset_s: int, outcome: str) -> None:
        await self.db.execute(
            "UPDATE reminders SET sent_at = ?, outcome = ? WHERE campaign_id = ? AND rater = ?"
            " AND milestone = ? AND offset_s = ?",
            (self.db.now(), outcome, campaign_id, rater, milestone, offset_s),
        )

    async def sent(self, campaign_id: int) -> list[tuple[str, str, int, str | None, datetime | None]]:
        rows = await self.db.fetchall(
            "SELECT rater, milestone, offset_s, outcome, sent_at FROM reminders WHERE campaign_id = ?"
            " ORDER BY claimed_at",
            (campaign_id,),
        )
        return [(r, m, o, out, parse_stamp(s) if s else None) for r, m, o, out, s in rows]

    async def release(self, campaign_id: int, rater: str, milestone: str, offset_s: int, *, owner: str) -> bool:
        """Give back a claim that was not used (nothing was delivered): the next tick decides again."""
        rows = await self.db.fetchall(
            "DELETE FROM reminders WHERE campaign_id = ? AND rater = ? AND milestone = ? AND offset_s = ?"
            " AND claimed_by = ? AND sent_at IS NULL RETURNING 1",
            (campaign_id, rater, milestone, offset_s, owner),
        )
        return bool(rows)
