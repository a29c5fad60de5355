"""Campaigns in the store: loading a (changed) file without losing scores."""

from __future__ import annotations

import json
from dataclasses import dataclass

from scoring.assignments import Assignment, expand
from scoring.campaign import Campaign
from storage.db import Database, inserted_id


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    id: int
    key: str
    version: int
    campaign: Campaign
    # looked up on every update: a set, not a scan of the raters
    rater_keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LoadResult:
    campaign_id: int
    created: bool
    added: int
    removed: int
    dropped_scores: int


class OrphanedScores(Exception):
    """The new file would drop assignments that already hold scores."""

    def __init__(self, orphans: list[str]) -> None:
        self.orphans = orphans
        super().__init__(f"{len(orphans)} stored score(s) would be orphaned")


class CampaignNotFound(LookupError):
    pass


class CampaignRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[tuple[int, int], StoredCampaign] = {}

    async def get(self, key: str) -> StoredCampaign:
        row = await self.db.fetchone("SELECT id, key, version, doc FROM campaigns WHERE key = ?", (key,))
        if row is None:
            known = [r[0] for r in await self.db.fetchall("SELECT key FROM campaigns ORDER BY id")]
            raise CampaignNotFound(
                f"no campaign '{key}' in the database (loaded: {', '.join(known) or 'none'}; "
                "use `kaoping load FILE`)"
            )
        return self._stored(row)

    async def by_id(self, campaign_id: int) -> StoredCampaign:
        row = await self.db.fetchone("SELECT id, key, version, doc FROM campaigns WHERE id = ?", (campaign_id,))
        if row is None:
            raise CampaignNotFound(f"no campaign with id {campaign_id}")
        return self._stored(row)

    async def all(self) -> list[StoredCampaign]:
        rows = await self.db.fetchall("SELECT id, key, version, doc FROM campaigns ORDER BY id")
        return [self._stored(r) for r in rows]

    async def at_version(self, campaign_id: int, version: int) -> StoredCampaign:
        """The campaign as of `version`, parsed once per version (the bot's hot path)."""
        cached = self._cache.get((campaign_id, version))
        return cached if cached is not None else await self.by_id(campaign_id)

    def _stored(self, row: tuple) -> StoredCampaign:
        campaign_id, key, version, doc = row
        stored = self._cache.get((campaign_id, version))
        if stored is None:
            campaign = Campaign.model_validate_json(doc)
            stored = StoredCampaign(campaign_id, key, version, campaign, frozenset(r.key for r in campaign.raters))
            self._cache[(campaign_id, version)] = stored
        return stored

    async def load(self, campaign: Campaign, *, actor: str = "cli", force: bool = False) -> LoadResult:
        """Insert or update a campaign; keep every score whose assignment survives."""
        wanted = expand(campaign)
        doc = campaign.model_dump_json()
        async with self.db.transaction() as conn:
            row = await self.db.fetchone("SELECT id, version FROM campaigns WHERE key = ?", (campaign.key,))
            if row is None:
                cur = await conn.execute(
                    "INSERT INTO campaigns (key, title, doc, version, loaded_at) VALUES (?, ?, ?, 1, ?)",
                    (campaign.key, campaign.title, doc, self.db.now()),
                )
                campaign_id, created = inserted_id(cur), True
            else:
                campaign_id, created = row[0], False
                await conn.execute(
                    "UPDATE campaigns SET title = ?, doc = ?, version = version + 1, loaded_at = ?"
                    " WHERE id = ?",
                    (campaign.title, doc, self.db.now(), campaign_id),
                )
            added, removed, dropped = await self._sync_assignments(campaign_id, wanted, force)
            await self._sync_sheets(campaign_id, wanted)
            await self.db.audit(
                campaign_id, actor, "load", campaign.key,
                new=json.dumps({"added": added, "removed": removed, "dropped_scores": dropped}),
            )
        return LoadResult(campaign_id, created, added, removed, dropped)

    async def _sync_assignments(
        self, campaign_id: int, wanted: list[Assignment], force: bool
    ) -> tuple[int, int, int]:
        conn = self.db.conn
        existing = {
            (r[1], r[2], r[3]): (r[0], r[4])
            for r in await self.db.fetchall(
                "SELECT a.id, a.rater, a.grp, a.department, s.assignment_id IS NOT NULL"
                " FROM assignments a LEFT JOIN scores s ON s.assignment_id = a.id"
                " WHERE a.campaign_id = ?",
                (campaign_id,),
            )
        }
        keep = {(a.rater, a.group, a.department) for a in wanted}
        gone = [(k, v) for k, v in existing.items() if k not in keep]
        orphans = [f"{r}/{g}/{d}" for (r, g, d), (_, scored) in gone if scored]
        if orphans and not force:
            raise OrphanedScores(sorted(orphans))
        ids = [(aid,) for _, (aid, _) in gone]
        # scores first: the delete trigger copies each one into the audit log
        await conn.executemany("DELETE FROM scores WHERE assignment_id = ?", ids)
        await conn.executemany("DELETE FROM assignments WHERE id = ?", ids)
        new = [
            (campaign_id, a.rater, a.group, a.department, pos)
            for pos, a in enumerate(wanted)
            if (a.rater, a.group, a.department) not in existing
        ]
        await conn.executemany(
            "INSERT INTO assignments (campaign_id, rater, grp, department, position) VALUES (?, ?, ?, ?, ?)",
            new,
        )
        # the walk follows the file's order, also after a change
        await conn.executemany(
            "UPDATE assignments SET position = ? WHERE campaign_id = ? AND rater = ? AND grp = ?"
            " AND department = ?",
            [(pos, campaign_id, a.rater, a.group, a.department) for pos, a in enumerate(wanted)],
        )
        return len(new), len(gone), len(orphans)

    async def _sync_sheets(self, campaign_id: int, wanted: list[Assignment]) -> None:
        conn = self.db.conn
        sheets = sorted({(a.rater, a.group) for a in wanted})
        await conn.executemany(
            "INSERT OR IGNORE INTO sheets (campaign_id, rater, grp) VALUES (?, ?, ?)",
            [(campaign_id, r, g) for r, g in sheets],
        )
        await conn.execute(
            "DELETE FROM approvals WHERE sheet_id IN (SELECT id FROM sheets s WHERE s.campaign_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.campaign_id = s.campaign_id"
            " AND a.rater = s.rater AND a.grp = s.grp))",
            (campaign_id,),
        )
        await conn.execute(
            "DELETE FROM sheets WHERE campaign_id = ? AND NOT EXISTS (SELECT 1 FROM assignments a"
            " WHERE a.campaign_id = sheets.campaign_id AND a.rater = sheets.rater AND a.grp = sheets.grp)",
            (campaign_id,),
        )
