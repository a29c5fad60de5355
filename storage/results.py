"""What the report reads and what staff add to it: adjustments, external results."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scoring import engine
from scoring.engine import Adjustment, Tally
from scoring.entries import ScoreEntry
from scoring.imports import (
    UNCHANGED,
    ImportRejected,
    NeedsOverwrite,
    PlanChanged,
    Planned,
    PlannedResult,
    ResultRow,
    RowProblem,
    ScoreRow,
    Stored,
    counts,
    overwrite_problems,
    plan_digest,
    plan_results,
    plan_scores,
)
from scoring.imports import old_text as _old_text
from storage.db import Database, inserted_id, parse_stamp
from storage.outbox import OutboxRepo


class AlreadyDecided(Exception):
    """The pending action was confirmed, cancelled or failed before: nothing more is done."""


@dataclass(frozen=True, slots=True)
class PendingImport:
    id: int
    campaign_id: int
    telegram_id: int
    kind: str  # 'import_scores' | 'import_results'
    payload: dict
    state: str  # 'pending' | 'done' | 'cancelled' | 'failed'
    result: dict | None


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

    async def score_rows(self, campaign_id: int, deadlines: Mapping[str, str]) -> list[engine.ScoreRow]:
        """Every stored score (a recusal's value None), in one pass.

        `late`: updated after the group's deadline (a UTC stamp per group); `approved`: the sheet's approval
        is recorded (the engine ignores it for groups that need no approval).
        """
        late, late_params = _late(deadlines)
        rows = await self.db.fetchall(
            f"{_APPROVED_SHEETS}SELECT a.rater, a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END,"
            f" ok.rater IS NOT NULL, COALESCE({late}, 0)"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            f" {_JOIN_APPROVED} WHERE a.campaign_id = ? AND (s.value IS NOT NULL OR s.recused)",
            (campaign_id, *late_params, campaign_id),
        )
        return [engine.ScoreRow(rater, group, dept, value, approved == 1, is_late == 1)
                for rater, group, dept, value, approved, is_late in rows]

    async def score_entries(self, campaign_id: int, deadlines: Mapping[str, str], zone: ZoneInfo) -> list[ScoreEntry]:
        """Every stored entry, in the campaign file's order of assignments, its time in `zone`; read-only.

        An entry may hold a comment alone; `approved` and `late` as in score_rows.
        """
        late, late_params = _late(deadlines)
        rows = await self.db.fetchall(
            f"{_APPROVED_SHEETS}SELECT a.rater, a.grp, a.department, CASE WHEN s.recused THEN NULL ELSE s.value END,"
            " s.recused, s.reason, s.comment, s.source, s.entered_by, s.updated_at,"
            f" ok.rater IS NOT NULL, COALESCE({late}, 0)"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            f" {_JOIN_APPROVED} WHERE a.campaign_id = ?"
            " AND (s.value IS NOT NULL OR s.recused OR s.comment IS NOT NULL) ORDER BY a.position",
            (campaign_id, *late_params, campaign_id),
        )
        return [
            ScoreEntry(rater, group, dept, value, bool(recused), reason, comment, source, entered_by,
                       f"{parse_stamp(at).astimezone(zone):%Y-%m-%d %H:%M:%S}", approved == 1, is_late == 1)
            for rater, group, dept, value, recused, reason, comment, source, entered_by, at, approved, is_late in rows
        ]

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

    async def adjustments_in_force(self, campaign_id: int) -> list[Adjustment]:
        """Every adjustment not revoked, in the register's order: what the report counts and lists.
        Read-only; the register itself (revoked ones included) is `AdjustmentRepo`."""
        rows = await self.db.fetchall(
            "SELECT department, points, id, reason FROM adjustments WHERE campaign_id = ? AND revoked_at IS NULL"
            " ORDER BY id",
            (campaign_id,),
        )
        return [Adjustment(*row) for row in rows]

    async def external(self, campaign_id: int) -> dict[str, float]:
        rows = await self.db.fetchall(
            "SELECT department, score FROM external_results WHERE campaign_id = ?", (campaign_id,)
        )
        return dict(rows)

    async def set_external(
        self, campaign_id: int, rows: list[ResultRow], *, actor: str, source: str = "", dry_run: bool = False,
        expected: str | None = None, pending: int | None = None, pending_result: dict | None = None,
    ) -> list[PlannedResult]:
        """Final scores of external departments, all rows or none, each new or changed one audited.

        `dry_run`: only the plan. `expected`: the plan digest a preview showed (PlanChanged when the store
        moved on since). `pending`: the confirmed pending action, marked done in the same transaction
        (AlreadyDecided when it was decided before). Rows may also be plain (department, value) tuples."""
        rows = [r if isinstance(r, ResultRow) else ResultRow(*r) for r in rows]
        if dry_run:
            return plan_results(rows, await self.external(campaign_id))
        async with self.db.transaction() as conn:
            plan = plan_results(rows, await self.external(campaign_id))
            if expected is not None and plan_digest(plan) != expected:
                raise PlanChanged
            now = self.db.now()
            writes = [p for p in plan if p.kind != UNCHANGED]
            await conn.executemany(
                "INSERT INTO external_results (campaign_id, department, score, by, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign_id, department) DO UPDATE SET score = excluded.score,"
                " by = excluded.by, at = excluded.at",
                [(campaign_id, p.row.department, p.row.value, actor, now) for p in writes],
            )
            await conn.executemany(
                "INSERT INTO audit (at, campaign_id, actor, action, subject, old, new, source)"
                " VALUES (?, ?, ?, 'external', ?, ?, ?, 'import')",
                [(now, campaign_id, actor, p.row.department, _num(p.old), _num(p.row.value)) for p in writes],
            )
            if pending is not None:
                await self._decide(pending, "done", {**(pending_result or {}), "counts": counts(plan)})
        return plan

    async def stored_scores(self, campaign_id: int) -> tuple[dict[tuple[str, str, str], int], dict]:
        """(assignment ids, what is stored now) for every assignment of the campaign."""
        rows = await self.db.fetchall(
            "SELECT a.id, a.rater, a.grp, a.department, s.value, s.recused, s.comment, s.source"
            " FROM assignments a LEFT JOIN scores s ON s.assignment_id = a.id WHERE a.campaign_id = ?",
            (campaign_id,),
        )
        ids = {(r, g, d): aid for aid, r, g, d, *_ in rows}
        stored = {(r, g, d): Stored(v, bool(rec), c, src) for _, r, g, d, v, rec, c, src in rows if src is not None}
        return ids, stored

    async def plan_scores(self, campaign_id: int, rows: list[ScoreRow], source: str) -> list[Planned]:
        """What importing `rows` would do now; ImportRejected for a row whose sheet is submitted or whose
        assignment is gone (the campaign was reloaded since the file was read)."""
        return (await self._plan(campaign_id, rows, source))[0]

    async def _plan(self, campaign_id: int, rows: list[ScoreRow], source: str) -> tuple[list[Planned], dict]:
        locked = await self.locked_sheets(campaign_id)
        ids, stored = await self.stored_scores(campaign_id)
        problems = [
            RowProblem(source, r.line, f"the sheet of {r.rater} in {r.group} is submitted and locked (reopen it first)"
                       if r.key in ids else f"{r.rater} is no longer assigned {r.department} in group {r.group}")
            for r in rows if (r.rater, r.group) in locked or r.key not in ids
        ]
        if problems:
            raise ImportRejected(problems)
        return plan_scores(rows, stored), ids

    async def import_scores(
        self, campaign_id: int, rows: list[ScoreRow], *, actor: str, source: str = "", overwrite: bool = False,
        dry_run: bool = False, expected: str | None = None, pending: int | None = None,
        pending_result: dict | None = None, digest: str | None = None,
    ) -> list[Planned]:
        """Scores from a file: one transaction, all or nothing; returns what each row did.

        Refused (nothing stored): a row of a submitted sheet (ImportRejected); a row that would replace
        what a rater entered themselves, unless `overwrite` (NeedsOverwrite, listing them); `expected`
        (the digest of the plan a preview showed) no longer matching (PlanChanged); `pending` already
        decided (AlreadyDecided). Each written score is audited by the scores triggers (source 'import',
        the actor); each rater whose value is replaced gets a notice in the outbox, in the same
        transaction (naming the department by key, shown in the reader's language). Rows may
        also be plain (rater, group, department, value, comment) tuples (tests and tools filling a store)."""
        rows = [r if isinstance(r, ScoreRow) else ScoreRow(*r) for r in rows]
        if dry_run:
            return await self.plan_scores(campaign_id, rows, source)
        async with self.db.transaction() as conn:
            plan, ids = await self._plan(campaign_id, rows, source)
            if expected is not None and plan_digest(plan) != expected:
                raise PlanChanged
            if not overwrite and any(p.overwrites for p in plan):
                raise NeedsOverwrite(overwrite_problems(plan, source))
            now = self.db.now()
            writes = [p for p in plan if p.kind != UNCHANGED]
            await conn.executemany(
                "INSERT INTO scores (assignment_id, value, recused, comment, source, entered_by, updated_at)"
                " VALUES (?, ?, 0, ?, 'import', ?, ?) ON CONFLICT (assignment_id) DO UPDATE SET"
                " value = excluded.value, recused = 0, reason = NULL,"
                " comment = COALESCE(excluded.comment, scores.comment), source = 'import',"
                " entered_by = excluded.entered_by, updated_at = excluded.updated_at",
                [(ids[p.row.key], p.row.value, p.row.comment, actor, now) for p in writes],
            )
            outbox = OutboxRepo(self.db)
            for p in plan:
                if p.overwrites:
                    # the department by key: the notice names it in the reader's language when it is sent
                    await outbox.add(campaign_id, "rater", p.row.rater, "import.overwritten_notice",
                                     dept=p.row.department, old=_old_text(p.old), new=f"{p.row.value:g}")
            tally = counts(plan)
            await self.db.audit(
                campaign_id, actor, "import", f"{len(writes)} scores",
                new=json.dumps({"file": source, "sha256": digest, **tally,
                                "overwritten": sum(p.overwrites for p in plan)}, ensure_ascii=False),
                source="import",
            )
            if pending is not None:
                await self._decide(pending, "done", {**(pending_result or {}), "counts": tally,
                                                     "overwritten": sum(p.overwrites for p in plan)})
        return plan

    async def locked_sheets(self, campaign_id: int) -> set[tuple[str, str]]:
        rows = await self.db.fetchall(
            "SELECT rater, grp FROM sheets WHERE campaign_id = ? AND state = 'submitted'", (campaign_id,)
        )
        return {(r, g) for r, g in rows}

    async def imported_sheets(self, campaign_id: int) -> set[tuple[str, str]]:
        """(rater, group) of every sheet holding at least one score that came from an import."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT a.rater, a.grp FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            " WHERE a.campaign_id = ? AND s.source = 'import'",
            (campaign_id,),
        )
        return {(r, g) for r, g in rows}

    # -- an import waiting for its confirmation (the chat's preview) -----------------------------------

    async def open_import(self, campaign_id: int, telegram_id: int, kind: str, payload: dict) -> int:
        """A pending import; the same file from the same person, still undecided, is the same action."""
        async with self.db.transaction() as conn:
            found = await self.db.fetchone(
                "SELECT id FROM pending WHERE campaign_id = ? AND telegram_id = ? AND kind = ? AND state = 'pending'"
                " AND json_extract(payload, '$.sha256') = ? AND json_extract(payload, '$.plan') = ?",
                (campaign_id, telegram_id, kind, payload["sha256"], payload["plan"]),
            )
            if found:
                return found[0]
            cur = await conn.execute(
                "INSERT INTO pending (campaign_id, telegram_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                (campaign_id, telegram_id, kind, json.dumps(payload, ensure_ascii=False), self.db.now()),
            )
            return inserted_id(cur)

    async def import_for_message(self, campaign_id: int, telegram_id: int, message_id: int) -> PendingImport | None:
        """The import an uploaded message started, if it was handled before (Telegram delivers it again)."""
        row = await self.db.fetchone(
            "SELECT id FROM pending WHERE campaign_id = ? AND telegram_id = ? AND kind IN ('import_scores',"
            " 'import_results') AND json_extract(payload, '$.message') = ? ORDER BY id DESC LIMIT 1",
            (campaign_id, telegram_id, message_id),
        )
        return await self.import_action(row[0]) if row else None

    async def import_action(self, pending_id: int) -> PendingImport | None:
        row = await self.db.fetchone(
            "SELECT id, campaign_id, telegram_id, kind, payload, state, result FROM pending WHERE id = ?"
            " AND kind IN ('import_scores', 'import_results')",
            (pending_id,),
        )
        if row is None:
            return None
        pending_id, campaign_id, telegram_id, kind, payload, state, result = row
        return PendingImport(pending_id, campaign_id, telegram_id, kind, json.loads(payload), state,
                             json.loads(result) if result else None)

    async def close_import(self, pending_id: int, state: str, result: dict | None) -> bool:
        """Cancelled or failed; False when it was decided already."""
        try:
            async with self.db.transaction():
                await self._decide(pending_id, state, result)
        except AlreadyDecided:
            return False
        return True

    async def _decide(self, pending_id: int, state: str, result: dict | None) -> None:
        cur = await self.db.conn.execute(
            "UPDATE pending SET state = ?, result = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
            (state, json.dumps(result, ensure_ascii=False) if result is not None else None, self.db.now(),
             pending_id),
        )
        if cur.rowcount != 1:
            raise AlreadyDecided

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
