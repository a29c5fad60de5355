"""Reading the audit log, and the facts `kaoping verify` checks it against."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    campaign_id: int | None
    actor: str
    action: str
    subject: str
    assignment_id: int | None
    old: str | None
    new: str | None
    source: str | None
    undoes: int | None
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True, slots=True)
class StoredScore:
    value: float | None
    recused: bool
    reason: str | None
    comment: str | None
    rater: str | None  # rater, group, department and campaign are None when the assignment is gone
    group: str | None
    department: str | None
    campaign_id: int | None


_COLUMNS = "id, at, campaign_id, actor, action, subject, assignment_id, old, new, source, undoes, prev_hash, hash"


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def entries(self, campaign_id: int | None = None) -> list[AuditEntry]:
        """Every entry in order (all campaigns when `campaign_id` is None: the chain is one)."""
        if campaign_id is None:
            rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM audit ORDER BY id")
        else:
            rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM audit WHERE campaign_id = ? ORDER BY id",
                                          (campaign_id,))
        return [AuditEntry(*r) for r in rows]

    async def about(self, campaign_id: int, *, department: str | None = None,
                    rater: str | None = None) -> list[AuditEntry]:
        """Entries about one department (its scores, adjustments, results) or one rater (their sheets,
        their bindings, what they did)."""
        where: list[str] = ["campaign_id = ?"]
        params: list[int | str] = [campaign_id]
        if department is not None:
            where.append("(subject = ? OR subject LIKE ? ESCAPE '\\')")
            params += [department, "%/" + _like(department)]
        if rater is not None:
            where.append("(subject LIKE ? ESCAPE '\\' OR subject = ? OR actor = ?)")
            params += [_like(rater) + "/%", f"rater:{rater}", f"rater:{rater}"]
        rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM audit WHERE {' AND '.join(where)} ORDER BY id",
                                      tuple(params))
        return [AuditEntry(*r) for r in rows]

    async def sequence(self) -> int:
        """The highest id the log ever handed out (AUTOINCREMENT keeps it even when rows go)."""
        row = await self.db.fetchone("SELECT seq FROM sqlite_sequence WHERE name = 'audit'")
        return row[0] if row else 0

    async def scores(self) -> dict[int, StoredScore]:
        """assignment id -> its stored score, every campaign's: what `kaoping verify` compares with the log
        (a score whose assignment is gone has no campaign and still needs explaining)."""
        rows = await self.db.fetchall(
            "SELECT s.assignment_id, s.value, s.recused, s.reason, s.comment, a.rater, a.grp, a.department,"
            " a.campaign_id FROM scores s LEFT JOIN assignments a ON a.id = s.assignment_id"
        )
        return {aid: StoredScore(value, bool(recused), reason, comment, rater, group, dept, cid)
                for aid, value, recused, reason, comment, rater, group, dept, cid in rows}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
