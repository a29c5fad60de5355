"""Materials a department hands in: files kept by Telegram file id, each change in the audit log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from storage.db import Database

_COLUMNS = "id, department, kind, file_type, file_id, name, size, sha256, rater, at, file_unique_id"


@dataclass(frozen=True, slots=True)
class Material:
    id: int
    department: str
    kind: str | None  # None: not yet said which of the department's materials it is
    file_type: str  # 'document' | 'photo'
    file_id: str
    name: str
    size: int
    sha256: str
    rater: str  # the contact who handed it in
    at: str
    file_unique_id: str  # the same for the same file, whoever sends it


@dataclass(frozen=True, slots=True)
class Informing:
    """A value of a group that informs the card's group (a self-score), for one department."""

    group: str
    value: float | None  # None: recused or not scored
    submitted: bool


def _audit(conn: sqlite3.Connection, at: str, campaign_id: int, actor: str, subject: str,
           old: dict | None, new: dict | None) -> None:
    conn.execute(
        "INSERT INTO audit (at, campaign_id, actor, action, subject, old, new, source)"
        " VALUES (?, ?, ?, 'material', ?, ?, ?, 'bot')",
        (at, campaign_id, actor, subject,
         None if old is None else json.dumps(old, ensure_ascii=False),
         None if new is None else json.dumps(new, ensure_ascii=False)),
    )


def _record(m: Material) -> dict:
    return {"id": m.id, "kind": m.kind, "type": m.file_type, "name": m.name, "size": m.size, "sha256": m.sha256}


class MaterialsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, campaign_id: int, department: str, kind: str | None, *, file_type: str, file_id: str,
        file_unique_id: str, name: str, size: int, sha256: str, rater: str, telegram_id: int, actor: str,
    ) -> tuple[Material, bool]:
        """Store a handed-in file; (the row, True) when new, (the row already there, False) for the
        same file again (a second send, or the same update delivered twice)."""
        at = self.db.now()

        def work(conn: sqlite3.Connection) -> tuple[Material, bool]:
            cur = conn.execute(
                "INSERT INTO materials (campaign_id, department, kind, file_type, file_id, file_unique_id, name,"
                " size, sha256, rater, telegram_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (campaign_id, department, kind, file_type, file_id, file_unique_id, name, size, sha256, rater,
                 telegram_id, at),
            )
            created = cur.rowcount == 1
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM materials WHERE campaign_id = ? AND department = ?"
                " AND file_unique_id = ? AND withdrawn_at IS NULL",
                (campaign_id, department, file_unique_id),
            ).fetchone()
            material = Material(*row)
            if created:
                _audit(conn, at, campaign_id, actor, f"{department}/{kind or '-'}", None, _record(material))
            return material, created

        return await self.db.run_transaction(work)

    async def get(self, campaign_id: int, material_id: int) -> Material | None:
        """A file still handed in (not withdrawn) of this campaign."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM materials WHERE id = ? AND campaign_id = ? AND withdrawn_at IS NULL",
            (material_id, campaign_id),
        )
        return Material(*row) if row else None

    async def file_as(self, campaign_id: int, material_id: int, department: str, kind: str, *, actor: str) -> bool:
        """Say which of the department's materials a file is (or move it to another); False when the file
        is not the department's or is withdrawn. Filing it where it already is changes nothing."""
        at = self.db.now()

        def work(conn: sqlite3.Connection) -> bool:
            material = _handed_in(conn, campaign_id, material_id, department)
            if material is None:
                return False
            if material.kind == kind:
                return True
            conn.execute("UPDATE materials SET kind = ? WHERE id = ?", (kind, material_id))
            _audit(conn, at, campaign_id, actor, f"{department}/{kind}", _record(material),
                   {**_record(material), "kind": kind})
            return True

        return await self.db.run_transaction(work)

    async def withdraw(self, campaign_id: int, material_id: int, department: str, *, actor: str) -> bool:
        """Take a file back (kept, marked withdrawn); False when it is not there to withdraw."""
        at = self.db.now()

        def work(conn: sqlite3.Connection) -> bool:
            material = _handed_in(conn, campaign_id, material_id, department)
            if material is None:
                return False
            conn.execute("UPDATE materials SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                         (at, actor, material_id))
            _audit(conn, at, campaign_id, actor, f"{department}/{material.kind or '-'}", _record(material), None)
            return True

        return await self.db.run_transaction(work)

    async def of_department(self, campaign_id: int, department: str) -> list[Material]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM materials WHERE campaign_id = ? AND department = ? AND withdrawn_at IS NULL"
            " ORDER BY id", (campaign_id, department),
        )
        return [Material(*r) for r in rows]

    async def handed_in(self, campaign_id: int) -> set[tuple[str, str]]:
        """(kind, department) pairs with at least one file filed under the kind."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT kind, department FROM materials WHERE campaign_id = ? AND kind IS NOT NULL"
            " AND withdrawn_at IS NULL", (campaign_id,),
        )
        return {(k, d) for k, d in rows}

    async def card_info(
        self, campaign_id: int, department: str, kinds: Iterable[str], informing: Iterable[str],
    ) -> tuple[int, list[Informing]]:
        """What a rater's card shows of a department: how many files of `kinds`, and the values of the
        `informing` groups (a self-score) with whether their sheet is submitted. One hop."""
        kinds, informing = list(kinds), list(informing)

        def work(conn: sqlite3.Connection) -> tuple[int, list[Informing]]:
            count = 0
            if kinds:
                marks = ",".join("?" * len(kinds))
                (count,) = conn.execute(
                    f"SELECT COUNT(*) FROM materials WHERE campaign_id = ? AND department = ? AND kind IN ({marks})"
                    " AND withdrawn_at IS NULL", (campaign_id, department, *kinds),
                ).fetchone()
            values: list[Informing] = []
            if informing:
                marks = ",".join("?" * len(informing))
                rows = conn.execute(
                    "SELECT a.grp, s.value, sh.state = 'submitted' FROM assignments a"
                    " JOIN sheets sh ON sh.campaign_id = a.campaign_id AND sh.rater = a.rater AND sh.grp = a.grp"
                    " LEFT JOIN scores s ON s.assignment_id = a.id"
                    f" WHERE a.campaign_id = ? AND a.department = ? AND a.grp IN ({marks}) ORDER BY a.id",
                    (campaign_id, department, *informing),
                ).fetchall()
                values = [Informing(g, v, bool(sub)) for g, v, sub in rows]
            return count, values

        return await self.db.run(work)


def _handed_in(conn: sqlite3.Connection, campaign_id: int, material_id: int, department: str) -> Material | None:
    """A file the department handed in and has not withdrawn, else None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM materials WHERE id = ? AND campaign_id = ? AND department = ?"
        " AND withdrawn_at IS NULL", (material_id, campaign_id, department),
    ).fetchone()
    return Material(*row) if row else None
