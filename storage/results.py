"""What the report reads and what staff add to it: adjustments, external results."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Adjustment:
    id: int
    department: str
    points: float
    reason: str
    by: str
    at: str


class ResultsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def score_rows(self, campaign_id: int) -> list[tuple]:
        """(rater, group, department, value|None, approved, updated_at) for every stored score.

        One pass over the scores joined to their sheet; `approved` is true when
        the sheet's approval is recorded (the engine ignores it for groups that
        need no approval).
        """
        return await self.db.fetchall(
            "SELECT a.rater, a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END,"
            " ap.state = 'approved', s.updated_at"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            " JOIN sheets sh ON sh.campaign_id = a.campaign_id AND sh.rater = a.rater AND sh.grp = a.grp"
            " LEFT JOIN approvals ap ON ap.sheet_id = sh.id"
            " WHERE a.campaign_id = ? AND (s.value IS NOT NULL OR s.recused)",
            (campaign_id,),
        )

    async def report_rows(self, campaign_id: int, deadlines: Mapping[str, str]) -> list[tuple]:
        """(rater, group, department, value|None, approved, late) for every stored score, in one pass.

        What `score_rows` returns, with `late` (updated after the group's
        deadline, a UTC stamp per group) worked out in SQL instead of in
        Python row by row; `approved` and `late` come as 0/1.
        """
        late = "0"
        params: list = []
        if deadlines:
            late = "s.updated_at > CASE a.grp " + " ".join("WHEN ? THEN ?" for _ in deadlines) + " END"
            params = [x for item in deadlines.items() for x in item]
        # the approved sheets are few: look each row up in that small set, not in all sheets
        return await self.db.fetchall(
            "WITH ok AS MATERIALIZED (SELECT sh.rater, sh.grp FROM sheets sh JOIN approvals ap ON ap.sheet_id = sh.id"
            " WHERE sh.campaign_id = ? AND ap.state = 'approved')"
            " SELECT a.rater, a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END,"
            " EXISTS (SELECT 1 FROM ok WHERE ok.rater = a.rater AND ok.grp = a.grp),"
            f" COALESCE({late}, 0)"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            " WHERE a.campaign_id = ? AND (s.value IS NOT NULL OR s.recused)",
            (campaign_id, *params, campaign_id),
        )

    async def expected_counts(self, campaign_id: int) -> dict[tuple[str, str], int]:
        """(group, department) -> number of assignments: what the report needs of them, without every row."""
        rows = await self.db.fetchall(
            "SELECT grp, department, COUNT(*) FROM assignments WHERE campaign_id = ? GROUP BY grp, department",
            (campaign_id,),
        )
        return {(g, d): n for g, d, n in rows}

    async def assignment_keys(self, campaign_id: int) -> list[tuple[str, str, str]]:
        return await self.db.fetchall(
            "SELECT rater, grp, department FROM assignments WHERE campaign_id = ? ORDER BY position",
            (campaign_id,),
        )

    async def add_adjustment(
        self, campaign_id: int, department: str, points: float, reason: str, *, actor: str
    ) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO adjustments (campaign_id, department, points, reason, by, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (campaign_id, department, points, reason, actor, self.db.now()),
            )
            await self.db.audit(
                campaign_id, actor, "adjust", department,
                new=json.dumps({"points": points, "reason": reason}, ensure_ascii=False),
            )
            return cur.lastrowid

    async def adjustments(self, campaign_id: int) -> list[Adjustment]:
        rows = await self.db.fetchall(
            "SELECT id, department, points, reason, by, at FROM adjustments WHERE campaign_id = ? ORDER BY id",
            (campaign_id,),
        )
        return [Adjustment(*r) for r in rows]

    async def external(self, campaign_id: int) -> dict[str, float]:
        rows = await self.db.fetchall(
            "SELECT department, score FROM external_results WHERE campaign_id = ?", (campaign_id,)
        )
        return dict(rows)

    async def set_external(self, campaign_id: int, results: list[tuple[str, float]], *, actor: str) -> None:
        """All rows or none: the import was validated before it gets here."""
        async with self.db.transaction() as conn:
            old = await self.external(campaign_id)
            now = self.db.now()
            await conn.executemany(
                "INSERT INTO external_results (campaign_id, department, score, by, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign_id, department) DO UPDATE SET score = excluded.score,"
                " by = excluded.by, at = excluded.at",
                [(campaign_id, d, v, actor, now) for d, v in results],
            )
            await conn.executemany(
                "INSERT INTO audit (at, campaign_id, actor, action, subject, old, new, source)"
                " VALUES (?, ?, ?, 'external', ?, ?, ?, 'import')",
                [(now, campaign_id, actor, d, _num(old.get(d)), _num(v)) for d, v in results],
            )

    async def import_scores(self, campaign_id: int, rows: list[tuple], *, actor: str) -> int:
        """rows: (rater, group, department, value, comment). One transaction: all or nothing.

        Locked (submitted) sheets are refused by the caller's validation; this
        re-checks and raises so a race cannot slip a row in.
        """
        ids = {
            (r, g, d): aid
            for aid, r, g, d in await self.db.fetchall(
                "SELECT id, rater, grp, department FROM assignments WHERE campaign_id = ?", (campaign_id,)
            )
        }
        now = self.db.now()
        params = [(ids[(r, g, d)], v, c, actor, now) for r, g, d, v, c in rows]
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO scores (assignment_id, value, recused, comment, source, entered_by, updated_at)"
                " VALUES (?, ?, 0, ?, 'import', ?, ?) ON CONFLICT (assignment_id) DO UPDATE SET"
                " value = excluded.value, recused = 0, reason = NULL,"
                " comment = COALESCE(excluded.comment, scores.comment), source = 'import',"
                " entered_by = excluded.entered_by, updated_at = excluded.updated_at",
                params,
            )
            await self.db.audit(campaign_id, actor, "import", f"{len(rows)} scores", source="import")
        return len(rows)

    async def locked_sheets(self, campaign_id: int) -> set[tuple[str, str]]:
        rows = await self.db.fetchall(
            "SELECT rater, grp FROM sheets WHERE campaign_id = ? AND state = 'submitted'", (campaign_id,)
        )
        return {(r, g) for r, g in rows}

    async def audit_log(self, campaign_id: int) -> Iterator[tuple]:
        return iter(
            await self.db.fetchall(
                "SELECT at, actor, action, subject, old, new, source FROM audit WHERE campaign_id = ?"
                " ORDER BY id",
                (campaign_id,),
            )
        )


def _num(value: float | None) -> str | None:
    return None if value is None else json.dumps(value)
