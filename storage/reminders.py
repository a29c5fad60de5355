"""Reminders sent: claimed in the store first, so no two processes send one twice.

A row goes claimed -> attempting (`attempt_at`, written just before the
Telegram call) -> recorded (`sent_at`, `outcome`). A process that dies leaves
either a claim with no attempt (nothing was sent: it may be sent again) or an
attempt with no outcome (the message may have arrived: it is never sent again,
it is recorded 'unknown'). See bot/scheduler.py for when each is taken back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, parse_stamp, stamp

UNKNOWN = "unknown"  # outcome of a send that started and was never recorded (crash, lost response)
Key = tuple[int, str, str, int]  # campaign_id, rater, milestone, offset_s


@dataclass(frozen=True, slots=True)
class Claimed:
    """One reminder's claim and what became of it."""

    rater: str
    milestone: str
    offset_s: int  # before the milestone's due moment
    outcome: str | None  # None while the send is in flight
    sent_at: datetime | None


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self, campaign_id: int, rater: str, milestone: str, offset_s: int, *, owner: str,
        stale_after: timedelta = timedelta(minutes=5),
    ) -> bool:
        """Take the right to send one reminder.

        A claim that was never completed (its process died between claim and
        send) may be taken over once it is older than `stale_after`, unless its
        send had started (`attempt_at`): that one is never taken over.
        """
        now = self.db.clock()
        rows = await self.db.fetchall(
            "INSERT INTO reminders (campaign_id, rater, milestone, offset_s, claimed_by, claimed_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (campaign_id, rater, milestone, offset_s) DO UPDATE SET"
            " claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at"
            " WHERE reminders.sent_at IS NULL AND reminders.attempt_at IS NULL AND reminders.claimed_at < ?"
            " RETURNING claimed_by",
            (campaign_id, rater, milestone, offset_s, owner, stamp(now), stamp(now - stale_after)),
        )
        return bool(rows) and rows[0][0] == owner

    async def attempting(self, campaign_id: int, rater: str, milestone: str, offset_s: int, *, owner: str) -> bool:
        """Mark our claim as being sent, right before the Telegram call (committed when this returns).

        False: the claim is not ours any more, or its send had already started; do not send."""
        rows = await self.db.fetchall(
            "UPDATE reminders SET attempt_at = ? WHERE campaign_id = ? AND rater = ? AND milestone = ?"
            " AND offset_s = ? AND claimed_by = ? AND sent_at IS NULL AND attempt_at IS NULL RETURNING 1",
            (self.db.now(), campaign_id, rater, milestone, offset_s, owner),
        )
        return bool(rows)

    async def recover(self) -> tuple[list[Key], list[Key]]:
        """After a restart, for a process that knows it is the only one on this database.

        Claims whose send never started are given back (sent at once by the next
        tick); sends that started and were never recorded are recorded 'unknown'.
        Returns (given back, unknown)."""
        return await self.db.run_transaction(_recover, self.db.now())

    async def expire_attempts(self, *, stale_after: timedelta) -> list[Key]:
        """Sends started longer than `stale_after` ago and never recorded: 'unknown' (their process died)."""
        now = self.db.clock()
        rows = await self.db.fetchall(
            "UPDATE reminders SET sent_at = ?, outcome = ? WHERE sent_at IS NULL AND attempt_at < ?"
            " RETURNING campaign_id, rater, milestone, offset_s",
            (stamp(now), UNKNOWN, stamp(now - stale_after)),
        )
        return [tuple(r) for r in rows]

    async def unknown_count(self, campaign_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM reminders WHERE campaign_id = ? AND outcome = ?", (campaign_id, UNKNOWN)
        )
        return row[0] if row else 0

    async def complete(self, campaign_id: int, rater: str, milestone: str, offset_s: int, outcome: str) -> None:
        await self.db.execute(
            "UPDATE reminders SET sent_at = ?, outcome = ? WHERE campaign_id = ? AND rater = ?"
            " AND milestone = ? AND offset_s = ?",
            (self.db.now(), outcome, campaign_id, rater, milestone, offset_s),
        )

    async def sent(self, campaign_id: int) -> list[Claimed]:
        rows = await self.db.fetchall(
            "SELECT rater, milestone, offset_s, outcome, sent_at FROM reminders WHERE campaign_id = ?"
            " ORDER BY claimed_at",
            (campaign_id,),
        )
        return [Claimed(r, m, o, out, parse_stamp(s) if s else None) for r, m, o, out, s in rows]

    async def release(self, campaign_id: int, rater: str, milestone: str, offset_s: int, *, owner: str) -> bool:
        """Give back a claim that was not used (nothing was delivered): the next tick decides again."""
        rows = await self.db.fetchall(
            "DELETE FROM reminders WHERE campaign_id = ? AND rater = ? AND milestone = ? AND offset_s = ?"
            " AND claimed_by = ? AND sent_at IS NULL RETURNING 1",
            (campaign_id, rater, milestone, offset_s, owner),
        )
        return bool(rows)


def _recover(conn: sqlite3.Connection, now: str) -> tuple[list[Key], list[Key]]:
    given_back = conn.execute(
        "DELETE FROM reminders WHERE sent_at IS NULL AND attempt_at IS NULL"
        " RETURNING campaign_id, rater, milestone, offset_s"
    ).fetchall()
    unknown = conn.execute(
        "UPDATE reminders SET sent_at = ?, outcome = ? WHERE sent_at IS NULL AND attempt_at IS NOT NULL"
        " RETURNING campaign_id, rater, milestone, offset_s",
        (now, UNKNOWN),
    ).fetchall()
    return [tuple(r) for r in given_back], [tuple(r) for r in unknown]
