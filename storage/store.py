"""The store: one database and the repositories over it, opened in one place."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from storage.adjustments import AdjustmentRepo
from storage.audit import AuditRepo
from storage.campaigns import CampaignRepo
from storage.db import Clock, Database, utc_now
from storage.materials import MaterialsRepo
from storage.outbox import OutboxRepo
from storage.pending import PendingRepo
from storage.people import PeopleRepo
from storage.prompts import PromptRepo
from storage.reminders import ReminderRepo
from storage.results import ResultsRepo
from storage.sheets import SheetRepo


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.campaigns = CampaignRepo(db)
        self.sheets = SheetRepo(db)
        self.people = PeopleRepo(db)
        self.results = ResultsRepo(db)
        self.reminders = ReminderRepo(db)
        self.outbox = OutboxRepo(db)
        self.adjustments = AdjustmentRepo(db)
        self.pending = PendingRepo(db)
        self.audit = AuditRepo(db)
        self.prompts = PromptRepo(db)
        self.materials = MaterialsRepo(db)

    @classmethod
    async def open(cls, path: str | Path, clock: Clock = utc_now) -> Store:
        return cls(await Database.open(path, clock))

    async def close(self) -> None:
        await self.db.close()

    async def backup(self, dest: str | Path) -> None:
        """SQLite's online backup: a consistent copy while the bot keeps writing."""
        target = await aiosqlite.connect(str(dest))
        try:
            # Never inside another task's open transaction on this connection: SQLite's backup
            # answers LOCKED while its own connection is writing, Python retries forever, and the
            # transaction's COMMIT/ROLLBACK waits behind it on the same thread (a deadlock).
            async with self.db.turn():
                await self.db.conn.backup(target)
        finally:
            await target.close()
