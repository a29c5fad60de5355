"""What the report reads and what staff add to it: adjustments, external results."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from scoring.engine import Tally
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Adjustment:
    id: int
    department: str
    points: float
    reason: str
    by: str
    at: str


_PAIRS_PER_QUERY = 400  # two parameters each, well under SQLite's limit of 32,766
# The approved sheets are few: SQLite materialises them once, indexes them and looks each row up. An IN or
# EXISTS subquery in their place gets re-run per row (measured 14 s against 0.4 s at 356k rows).
_APPROVED_SHEETS = ("WITH ok AS MATERIALIZED (SELECT sh.rater, sh.grp FROM sheets sh JOIN approvals ap"
                    " ON ap.sheet_id = sh.id WHERE sh.campaign_id = ? AND ap.state = 'approved') ")
_JOIN_APPROVED = "LEFT JOIN ok ON ok.rater = a.rater AND ok.grp = a.grp"


def _late(deadlines: Mapping[str, str]) -> tuple[str, list[str]]:
    """SQL true when score `s` of assignment `a` came after its group's deadline (UTC stamps), and its parameters."""
    if not deadlines:
        return "0", []
    # most rows are on time: one comparison with the earliest deadline settles them
    sql = "s.updated_at > ? AND s.updated_at > CASE a.grp " + " ".join("WHEN ? THEN ?" for _ in deadlines) + " END"
    return sql, [min(deadlines.values()), *(x for item in deadlines.items() for x in item)]


class ResultsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def report_rows(self, campaign_id: int, deadlines: Mapping[str, str]) -> list[tuple]:
        """(rater, group, department, value|None, approved, late) for every stored score, in one pass.

        `late`: updated after the group's deadline (a UTC stamp per group);
        `approved`: the sheet's approval is recorded (the engine ignores it for
        groups that need no approval); both come as 0/1.
        """
        late, late_params = _late(deadlines)
        return await self.db.fetchall(
            f"{_APPROVED_SHEETS}SELECT a.rater, a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END,"
            f" ok.rater IS NOT NULL, COALESCE({late}, 0)"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            f" {_JOIN_APPROVED} WHERE a.campaign_id = ? AND (s.value IS NOT NULL OR s.recused)",
            (campaign_id, *late_params, campaign_id),
        )

    async def score_entries(self, campaign_id: int, deadlines: Mapping[str, str]) -> list[tuple]:
        """Every stored entry, in the campaign file's order of assignments: (rater, group, department, value,
        recused, reason, comment, source, entered_by, updated_at, approved, late); read-only.

        A row may hold a comment alone. `value` is NULL for a recusal; `approved` and `late` as in report_rows.
        """
        late, late_params = _late(deadlines)
        return await self.db.fetchall(
            f"{_APPROVED_SHEETS}SELECT a.rater, a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END,"
            " s.recused, s.reason, s.comment, s.source, s.entered_by, s.updated_at,"
            f" ok.rater IS NOT NULL, COALESCE({late}, 0)"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            f" {_JOIN_APPROVED} WHERE a.campaign_id = ?"
            " AND (s.value IS NOT NULL OR s.recused OR s.comment IS NOT NULL) ORDER BY a.position",
            (campaign_id, *late_params, campaign_id),
        )

    async def tallies(
        self, campaign_id: int, deadlines: Mapping[str, str], needs_approval: Collection[str]
    ) -> dict[tuple[str, str], Tally]:
        """(group, department) -> its Tally, added up by SQLite in one pass over the assignments.

        Every assignment is read once, joined to its score; SQLite counts per
        (group, department) and hands the counted values over as one string of
        hundredths, so Python makes an object per group and department, not
        per score. `late`: answered after the group's deadline (a UTC stamp per
        group). A value counts unless its group needs approval and its sheet
        is not approved; then it is pending.
        """
        late, late_params = _late(deadlines)
        approved, ok, ok_join, ok_params = "1", "", "", []
        if needs_approval:
            ok, ok_join, ok_params = _APPROVED_SHEETS, f" {_JOIN_APPROVED}", [campaign_id]
            approved = f"(a.grp NOT IN ({','.join('?' for _ in needs_approval)}) OR ok.rater IS NOT NULL)"
        # recusals store no value (SheetRepo.recuse); a row with neither value nor recusal holds only a comment
        rows = await self.db.fetchall(
            f"{ok}SELECT a.grp, a.department, COUNT(*), COUNT(s.value) + COUNT(NULLIF(s.recused, 0)),"
            f" COUNT(NULLIF(s.recused, 0)), COUNT(CASE WHEN (s.value IS NOT NULL OR s.recused) AND {late} THEN 1 END),"
            f" COUNT(CASE WHEN s.value IS NOT NULL AND NOT {approved} THEN 1 END),"
            f" group_concat(CASE WHEN {approved} THEN CAST(round(s.value * 100) AS INTEGER) END)"
            f" FROM assignments a LEFT JOIN scores s ON s.assignment_id = a.id{ok_join}"
            " WHERE a.campaign_id = ? GROUP BY a.grp, a.department",
            (*ok_params, *late_params, *needs_approval, *needs_approval, campaign_id),
        )
        return {
            (g, d): Tally(expected, answered, recused, pending, late_n, [*map(int, cents.split(","))] if cents else [])
            for g, d, expected, answered, recused, late_n, pending, cents in rows
        }

    async def handed_in(
        self, campaign_id: int, groups: Collection[str], needs_approval: Collection[str], deadlines: Mapping[str, str]
    ) -> list[tuple[str, str, float | None, int, int, int]]:
        """(group, department, value|None, recused, approved, late) of every answer on a handed-in sheet of
        `groups`, in the order the sheets were handed in (the staff view's line: scoring.disclosure). Read-only.

        Handed in: submitted, or filled by an import alone (every answer on it imported) and not submitted.
        `approved`: 1 unless the group needs approval and the sheet has none yet. The order: the latest of the
        submission (or the import's last write) and the approval; ties by the sheet's id.
        """
        if not groups:
            return []
        marks = ",".join("?" for _ in groups)
        approval = ",".join("?" for _ in needs_approval) or "''"  # no group: IN ('') is false, not NULL
        late, late_params = _late(deadlines)
        return await self.db.fetchall(
            "WITH imported AS (SELECT sh.id, max(s.updated_at) AS at FROM sheets sh"
            " JOIN assignments a ON a.campaign_id = sh.campaign_id AND a.rater = sh.rater AND a.grp = sh.grp"
            " JOIN scores s ON s.assignment_id = a.id"
            f" WHERE sh.campaign_id = ? AND sh.grp IN ({marks}) AND sh.state <> 'submitted'"
            " AND (s.value IS NOT NULL OR s.recused) GROUP BY sh.id"
            " HAVING min(s.source = 'import') = 1),"
            " ready AS (SELECT sh.id, sh.rater, sh.grp,"
            f" sh.grp NOT IN ({approval}) OR ap.sheet_id IS NOT NULL AS approved,"
            " max(CASE WHEN sh.state = 'submitted' THEN sh.submitted_at ELSE im.at END, COALESCE(ap.at, '')) AS at"
            " FROM sheets sh LEFT JOIN imported im ON im.id = sh.id"
            " LEFT JOIN approvals ap ON ap.sheet_id = sh.id AND ap.state = 'approved'"
            f" WHERE sh.campaign_id = ? AND sh.grp IN ({marks}) AND (sh.state = 'submitted' OR im.id IS NOT NULL))"
            " SELECT a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END, s.recused, ready.approved,"
            f" COALESCE({late}, 0)"
            " FROM ready JOIN assignments a ON a.campaign_id = ? AND a.rater = ready.rater AND a.grp = ready.grp"
            " JOIN scores s ON s.assignment_id = a.id WHERE s.value IS NOT NULL OR s.recused"
            " ORDER BY ready.at, ready.id",
            (campaign_id, *groups, *needs_approval, campaign_id, *groups, *late_params, campaign_id),
        )

    async def counted_raters(
        self, campaign_id: int, pairs: Collection[tuple[str, str]], needs_approval: Collection[str]
    ) -> dict[tuple[str, str], set[str]]:
        """(group, department) -> the raters whose value counts there, for the few pairs asked about."""
        found: dict[tuple[str, str], set[str]] = {}
        pairs = list(pairs)
        for start in range(0, len(pairs), _PAIRS_PER_QUERY):
            chunk = pairs[start : start + _PAIRS_PER_QUERY]
            rows = await self.db.fetchall(
                "SELECT a.grp, a.department, a.rater FROM assignments a JOIN scores s ON s.assignment_id = a.id"
                " LEFT JOIN sheets sh ON sh.campaign_id = a.campaign_id AND sh.rater = a.rater AND sh.grp = a.grp"
                " LEFT JOIN approvals ap ON ap.sheet_id = sh.id"
                " WHERE a.campaign_id = ? AND s.value IS NOT NULL AND NOT s.recused"
                f" AND (a.grp, a.department) IN (VALUES {','.join('(?, ?)' for _ in chunk)})"
                f" AND (a.grp NOT IN ({','.join('?' for _ in needs_approval)}) OR ap.state = 'approved')",
                (campaign_id, *(x for pair in chunk for x in pair), *needs_approval),
            )
            for group, dept, rater in rows:
                found.setdefault((group, dept), set()).add(rater)
        return found

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

    async def adjustments_in_force(self, campaign_id: int) -> list[tuple[str, float, int, str]]:
        """(department, points, id, reason) of every adjustment not revoked, in the register's order: what the
        report counts and lists. Read-only; the register itself (revoked ones included) is `adjustments`."""
        return await self.db.fetchall(
            "SELECT department, points, id, reason FROM adjustments WHERE campaign_id = ? AND revoked_at IS NULL"
            " ORDER BY id",
            (campaign_id,),
        )

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
