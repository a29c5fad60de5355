"""Sheets and scores: the state machine of a rater's work lives here.

Every write re-checks, in the same statement, that the assignment belongs to
the rater and that its sheet is still open, so a forged or stale callback can
never change a submitted sheet or somebody else's score.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from storage.db import Database

OPEN_STATES = ("open", "reopened")


@dataclass(frozen=True, slots=True)
class SheetInfo:
    id: int
    campaign_id: int
    rater: str
    group: str
    state: str
    total: int
    scored: int  # a value or a recusal
    recused: int
    submitted_at: str | None
    digest: str | None
    reopen_reason: str | None
    approval: str | None  # None (pending), 'approved' or 'returned'
    undo_target: int = 0  # the audit entry Undo would revert (0: nothing); set where a walk card is drawn

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def missing(self) -> int:
        return self.total - self.scored


@dataclass(frozen=True, slots=True)
class Item:
    assignment_id: int
    department: str
    position: int
    value: float | None
    recused: bool
    reason: str | None
    comment: str | None
    source: str | None
    version: int = 0  # the newest audit entry of this assignment (0: never written): what a score button names

    @property
    def done(self) -> bool:
        return self.value is not None or self.recused


@dataclass(frozen=True, slots=True)
class UndoResult:
    outcome: str  # 'undone' | 'already' (this very undo happened before) | 'stale' | 'nothing'
    assignment_id: int | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    sheet_id: int
    count: int
    submitted_at: str
    digest: str


_SHEET_COLUMNS = """
SELECT sh.id, sh.campaign_id, sh.rater, sh.grp, sh.state,
       COUNT(a.id),
       COUNT(CASE WHEN s.value IS NOT NULL OR s.recused THEN 1 END),
       COUNT(CASE WHEN s.recused THEN 1 END),
       sh.submitted_at, sh.digest, sh.reopen_reason, ap.state"""
_SHEET_FROM = """
FROM sheets sh
JOIN assignments a ON a.campaign_id = sh.campaign_id AND a.rater = sh.rater AND a.grp = sh.grp
LEFT JOIN scores s ON s.assignment_id = a.id
LEFT JOIN approvals ap ON ap.sheet_id = sh.id
"""
_SHEET_SQL = _SHEET_COLUMNS + _SHEET_FROM

# The newest score change of a sheet that no undo has reverted yet: what Undo reverts.
_UNDO_TARGET_SQL = """
SELECT MAX(au.id) FROM sheets sh
JOIN assignments a ON a.campaign_id = sh.campaign_id AND a.rater = sh.rater AND a.grp = sh.grp
JOIN audit au ON au.assignment_id = a.id
WHERE sh.id = ?1 AND sh.state != 'submitted' AND au.action = 'score'
  AND NOT EXISTS (SELECT 1 FROM audit u WHERE u.undoes = au.id)
"""
_VERSION = "COALESCE((SELECT MAX(v.id) FROM audit v WHERE v.assignment_id = a.id), 0)"

_WALK_SQL = (
    "SELECT a.id, a.department, a.position, s.value, COALESCE(s.recused, 0), s.reason,"
    f" s.comment, s.source, {_VERSION}, sh.campaign_id, sh.rater, sh.grp, sh.state, sh.submitted_at,"
    f" sh.digest, sh.reopen_reason, ap.state, COALESCE(({_UNDO_TARGET_SQL}), 0)"
    " FROM sheets sh JOIN assignments a ON a.campaign_id = sh.campaign_id"
    " AND a.rater = sh.rater AND a.grp = sh.grp"
    " LEFT JOIN scores s ON s.assignment_id = a.id"
    " LEFT JOIN approvals ap ON ap.sheet_id = sh.id"
    " WHERE sh.id = ?1 ORDER BY a.position"
)

# What the card after a stored score needs, without building every item: the sheet with its counts
# and where the walk goes on (the first open item after the one just scored, else the first open
# one: `next_open`'s rule); then that one item and its place in the walk.
_OPEN = "s.value IS NULL AND COALESCE(s.recused, 0) = 0"
_PROGRESS_SQL = (
    _SHEET_COLUMNS + f""",
       MIN(CASE WHEN {_OPEN} AND a.position > (SELECT position FROM assignments WHERE id = :aid)
                THEN a.position END),
       MIN(CASE WHEN {_OPEN} THEN a.position END)"""
    + _SHEET_FROM + " WHERE sh.id = :sid GROUP BY sh.id"
)
_ITEM_AT_SQL = f"""
SELECT a.id, a.department, a.position, s.value, COALESCE(s.recused, 0), s.reason, s.comment, s.source, {_VERSION},
       (SELECT COUNT(*) FROM assignments b WHERE b.campaign_id = a.campaign_id AND b.rater = a.rater
        AND b.grp = a.grp AND b.position <= a.position)
FROM sheets sh
JOIN assignments a ON a.campaign_id = sh.campaign_id AND a.rater = sh.rater AND a.grp = sh.grp
LEFT JOIN scores s ON s.assignment_id = a.id
WHERE sh.id = ? AND a.position = ?
"""

# One statement checks ownership and the sheet's state and writes the score;
# the audit trigger records it. RETURNING tells whether anything was written.
_WHO = """
FROM assignments a
JOIN sheets sh ON sh.campaign_id = a.campaign_id AND sh.rater = a.rater AND sh.grp = a.grp
WHERE a.id = :aid AND sh.id = :sid AND a.campaign_id = :cid AND sh.state != 'submitted'
  AND a.rater IN (SELECT value FROM json_each(:allowed))
"""
# A score button names the version of the value it replaces: a stale card (another device, or the same
# update delivered again after a later tap) must not overwrite what was entered since it was drawn.
_UNCHANGED = f" AND {_VERSION} = :base"
_OWN = "a.rater IN (SELECT value FROM json_each(:own))"
_SOURCE = f"CASE WHEN {_OWN} THEN :source ELSE 'proxy' END"
_ACTOR = f"CASE WHEN {_OWN} THEN 'rater:' || a.rater ELSE :proxy_actor END"

_WRITE = f"""
INSERT INTO scores (assignment_id, value, recused, reason, comment, source, entered_by, updated_at)
SELECT a.id, :value, :recused, :reason, NULL, {_SOURCE}, {_ACTOR}, :now {_WHO}{{unchanged}}
ON CONFLICT (assignment_id) DO UPDATE SET
    value = excluded.value, recused = excluded.recused, reason = excluded.reason,
    source = excluded.source, entered_by = excluded.entered_by, updated_at = excluded.updated_at
RETURNING assignment_id
"""
_WRITE_SQL = _WRITE.format(unchanged="")
_TAP_SQL = _WRITE.format(unchanged=_UNCHANGED)

_COMMENT_SQL = f"""
INSERT INTO scores (assignment_id, value, recused, reason, comment, source, entered_by, updated_at)
SELECT a.id, NULL, 0, NULL, :comment, {_SOURCE}, {_ACTOR}, :now {_WHO}
ON CONFLICT (assignment_id) DO UPDATE SET
    comment = excluded.comment, entered_by = excluded.entered_by, updated_at = excluded.updated_at
RETURNING assignment_id
"""


@dataclass(frozen=True, slots=True)
class Writer:
    """Who writes: the rater themself, or a collector entering for the raters it collects for."""

    campaign_id: int
    own: tuple[str, ...] = ()  # one account may hold several rater roles (a vice mayor who also leads key work)
    proxy_for: tuple[str, ...] = ()
    proxy_actor: str = ""

    def may_write(self, rater: str) -> bool:
        return rater in self.own or rater in self.proxy_for

    def actor_for(self, rater: str) -> str:
        """Who the audit log names for a change to `rater`'s sheet."""
        return f"rater:{rater}" if rater in self.own else self.proxy_actor

    def params(self) -> dict:
        return {
            "cid": self.campaign_id, "allowed": json.dumps([*self.own, *self.proxy_for]),
            "own": json.dumps(list(self.own)), "proxy_actor": self.proxy_actor,
        }


@dataclass(frozen=True, slots=True)
class Tap:
    """One score button pressed: `value` for `assignment_id` of `sheet_id`, replacing the value at version
    `base` (the newest audit entry of the assignment when the card was drawn; 0: never written)."""

    sheet_id: int
    assignment_id: int
    value: float
    base: int


@dataclass(frozen=True, slots=True)
class ReviewNext:
    """The review card shows next: the sheet is locked, or every item is done."""

    sheet: SheetInfo
    items: list[Item]


@dataclass(frozen=True, slots=True)
class ItemNext:
    """The score card of `item`, the `pos`-th of the walk, shows next."""

    sheet: SheetInfo
    item: Item
    pos: int


@dataclass(frozen=True, slots=True)
class ScoreTap:
    """What a score tap did and the card to show after it.

    `outcome`: 'stored'; 'same' (the value was stored already: this very tap delivered again, or the
    same value from a second device: nothing to do); 'stale' (the value changed since the card was
    drawn: nothing stored, `next` is that item as stored now); 'locked' (`next` is the review);
    'outdated' (a card from before a campaign reload: its department is no longer on the sheet; `next`
    is the sheet as it is now, from its first open department); 'refused' (not the writer's to make:
    `next` is None, nothing of the sheet is shown)."""

    outcome: str
    next: ReviewNext | ItemNext | None = None

    @property
    def stored(self) -> bool:
        return self.outcome in ("stored", "same")


class SheetWalk(NamedTuple):
    """A sheet and its items in walk order (a pair its readers mostly unpack)."""

    sheet: SheetInfo
    items: list[Item]


def _item(r: tuple) -> Item:
    return Item(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7], r[8])


def _walk_of(sheet_id: int, rows: list[tuple]) -> SheetWalk | None:
    if not rows:
        return None
    items = [_item(r) for r in rows]
    r = rows[0]
    sheet = SheetInfo(
        sheet_id, r[9], r[10], r[11], r[12], len(items), sum(i.done for i in items),
        sum(i.recused for i in items), r[13], r[14], r[15], r[16], r[17],
    )
    return SheetWalk(sheet, items)


def _walk(conn: sqlite3.Connection, sheet_id: int) -> SheetWalk | None:
    return _walk_of(sheet_id, conn.execute(_WALK_SQL, (sheet_id,)).fetchall())


def _score_tap(conn: sqlite3.Connection, who: Writer, tap: Tap, now: str) -> ScoreTap:
    """On the database's thread, inside one transaction: the checked write, then what the next card needs."""
    params = who.params() | {
        "sid": tap.sheet_id, "aid": tap.assignment_id, "value": tap.value, "recused": 0, "reason": None,
        "source": "bot", "now": now, "base": tap.base,
    }
    if conn.execute(_TAP_SQL, params).fetchall():
        return ScoreTap("stored", _after_tap(conn, tap))
    # not written: show the sheet only if it is the writer's to see
    found = _walk(conn, tap.sheet_id)
    if found is None or found.sheet.campaign_id != who.campaign_id or not who.may_write(found.sheet.rater):
        return ScoreTap("refused")
    sheet, items = found
    if not sheet.is_open:
        return ScoreTap("locked", ReviewNext(sheet, items))
    pos, item = next(((n, i) for n, i in enumerate(items, start=1) if i.assignment_id == tap.assignment_id),
                     (0, None))
    if item is None:
        if conn.execute("SELECT 1 FROM assignments WHERE id = ?", (tap.assignment_id,)).fetchone():
            return ScoreTap("refused")  # another sheet's department: forged
        # the writer's own sheet and an id that no longer exists: a card from before a reload (ids are never reused)
        first = next(((n, i) for n, i in enumerate(items, start=1) if not i.done), None)
        return ScoreTap("outdated", ItemNext(sheet, first[1], first[0]) if first else ReviewNext(sheet, items))
    if item.value == tap.value and not item.recused:
        return ScoreTap("same", _after_tap(conn, tap))
    return ScoreTap("stale", ItemNext(sheet, item, pos))


def _after_tap(conn: sqlite3.Connection, tap: Tap) -> ReviewNext | ItemNext:
    """The card after a stored score: the next open department, else the review."""
    (sid, cid, rater, group, state, total, scored, recused, submitted_at, digest, reopen_reason, approval,
     next_after, first_open) = conn.execute(_PROGRESS_SQL, {"sid": tap.sheet_id, "aid": tap.assignment_id}).fetchone()
    undo = conn.execute(_UNDO_TARGET_SQL, (tap.sheet_id,)).fetchone()[0] or 0
    sheet = SheetInfo(sid, cid, rater, group, state, total, scored, recused, submitted_at, digest, reopen_reason,
                      approval, undo)
    position = next_after if next_after is not None else first_open
    if position is None:  # complete: the review card shows every item
        found = _walk(conn, tap.sheet_id)
        assert found is not None
        return ReviewNext(*found)
    nxt = conn.execute(_ITEM_AT_SQL, (tap.sheet_id, position)).fetchone()
    return ItemNext(sheet, _item(nxt), nxt[9])


class SheetRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def for_rater(self, campaign_id: int, rater: str) -> list[SheetInfo]:
        rows = await self.db.fetchall(
            _SHEET_SQL + " WHERE sh.campaign_id = ? AND sh.rater = ? GROUP BY sh.id ORDER BY sh.id",
            (campaign_id, rater),
        )
        return [SheetInfo(*r) for r in rows]

    async def for_campaign(self, campaign_id: int) -> list[SheetInfo]:
        # grouped by the sheet's key (unique within the campaign): SQLite then walks the sheets in index
        # order and aggregates as it goes instead of sorting every assignment row first (2x at 100k raters)
        rows = await self.db.fetchall(
            _SHEET_SQL + " WHERE sh.campaign_id = ? GROUP BY sh.rater, sh.grp ORDER BY sh.id", (campaign_id,)
        )
        return [SheetInfo(*r) for r in rows]

    async def imported(self, campaign_id: int, raters: tuple[str, ...]) -> frozenset[tuple[str, str]]:
        """(rater, group) of these raters' sheets holding a score that came from an import."""
        if not raters:
            return frozenset()
        rows = await self.db.fetchall(
            "SELECT DISTINCT a.rater, a.grp FROM assignments a JOIN scores s ON s.assignment_id = a.id"
            f" WHERE a.campaign_id = ? AND a.rater IN ({','.join('?' for _ in raters)}) AND s.source = 'import'",
            (campaign_id, *raters),
        )
        return frozenset((r, g) for r, g in rows)

    async def get(self, sheet_id: int) -> SheetInfo | None:
        row = await self.db.fetchone(_SHEET_SQL + " WHERE sh.id = ? GROUP BY sh.id", (sheet_id,))
        return SheetInfo(*row) if row else None

    async def find(self, campaign_id: int, rater: str, group: str) -> SheetInfo | None:
        row = await self.db.fetchone(
            _SHEET_SQL + " WHERE sh.campaign_id = ? AND sh.rater = ? AND sh.grp = ? GROUP BY sh.id",
            (campaign_id, rater, group),
        )
        return SheetInfo(*row) if row else None

    async def items(self, sheet_id: int) -> list[Item]:
        found = await self.walk(sheet_id)
        return found.items if found else []

    # -- writes ---------------------------------------------------------------

    async def walk(self, sheet_id: int) -> SheetWalk | None:
        """The sheet and its items in one round trip: what the scoring card shows."""
        return _walk_of(sheet_id, await self.db.fetchall(_WALK_SQL, (sheet_id,)))

    async def score_tap(self, who: Writer, tap: Tap) -> ScoreTap:
        """A score tap in one hop to the database, committed before this returns (with the taps that
        arrive meanwhile: one group commit, one fsync; each in its own savepoint).

        Writes the score with `set_value`'s statement and the version check of `base` (owner or
        collector proxy, open sheet, assignment of the sheet, unchanged since the card was drawn; the
        audit trigger records it) and reads what the next card needs."""
        return await self.db.run_grouped(_score_tap, who, tap, self.db.now())

    async def set_value(self, who: Writer, sheet_id: int, assignment_id: int, value: float,
                        source: str = "bot", base: int | None = None) -> bool:
        """Store a score; False when the assignment is not the writer's, the sheet is locked, or (with
        `base`) the value changed since the version `base` that the person saw."""
        return await self._write(who, sheet_id, assignment_id, source, value=value, base=base)

    async def recuse(self, who: Writer, sheet_id: int, assignment_id: int, reason: str,
                     source: str = "bot") -> bool:
        return await self._write(who, sheet_id, assignment_id, source, value=None, recused=1, reason=reason)

    async def _write(self, who: Writer, sheet_id: int, aid: int, source: str, *,
                     value: float | None, recused: int = 0, reason: str | None = None,
                     base: int | None = None) -> bool:
        params = who.params() | {
            "sid": sheet_id, "aid": aid, "value": value, "recused": recused, "reason": reason,
            "source": source, "now": self.db.now(), "base": base,
        }
        return bool(await self.db.fetchall(_WRITE_SQL if base is None else _TAP_SQL, params))

    async def comment(self, who: Writer, sheet_id: int, assignment_id: int, text: str | None,
                      source: str = "bot") -> bool:
        params = who.params() | {
            "sid": sheet_id, "aid": assignment_id, "comment": text, "source": source, "now": self.db.now(),
        }
        return bool(await self.db.fetchall(_COMMENT_SQL, params))

    async def undo_target(self, sheet_id: int) -> int:
        """The audit entry Undo would revert now (0: nothing): what an Undo button names."""
        row = await self.db.fetchone(_UNDO_TARGET_SQL, (sheet_id,))
        return row[0] if row and row[0] else 0

    async def undo(self, sheet_id: int, target: int | None, *, actor: str) -> UndoResult:
        """Revert one change of an open sheet by appending its inverse to the audit log.

        `target` is the entry the rater's Undo button named (None: the newest undoable one). Undo is
        idempotent: a second delivery of the same tap finds the entry undone already and changes
        nothing; a button drawn before a later change is stale and changes nothing either."""
        async with self.db.transaction():
            row = await self.db.fetchone(_UNDO_TARGET_SQL, (sheet_id,))
            newest = row[0] if row and row[0] else 0
            if target is not None and target != newest:
                done = await self.db.fetchone("SELECT assignment_id FROM audit WHERE undoes = ?", (target,))
                if done is not None:
                    return UndoResult("already", done[0])
                return UndoResult("stale" if newest else "nothing")
            if not newest:
                return UndoResult("nothing")
            aid, old = await self.db.one("SELECT assignment_id, old FROM audit WHERE id = ?", (newest,))
            prev = json.loads(old) if old else {"value": None, "recused": 0, "reason": None, "comment": None}
            await self.db.conn.execute(
                "UPDATE scores SET value = ?, recused = ?, reason = ?, comment = ?, entered_by = ?,"
                " updated_at = ?, undoes = ? WHERE assignment_id = ?",
                (prev["value"], prev["recused"], prev["reason"], prev["comment"], actor, self.db.now(), newest,
                 aid),
            )
        return UndoResult("undone", aid)

    async def submit(self, sheet_id: int, *, actor: str) -> Receipt | None:
        """Lock a complete open sheet; None when it is locked already or incomplete."""
        async with self.db.transaction():
            found = await self.walk(sheet_id)
            if found is None or not found.sheet.is_open or found.sheet.missing:
                return None
            sheet, items = found
            digest = sheet_digest(sheet, items)
            now = self.db.now()
            await self.db.conn.execute(
                "UPDATE sheets SET state = 'submitted', submitted_at = ?, digest = ? WHERE id = ?",
                (now, digest, sheet_id),
            )
            # a resubmitted sheet needs a fresh approval
            await self.db.conn.execute("DELETE FROM approvals WHERE sheet_id = ?", (sheet_id,))
            await self.db.audit(
                sheet.campaign_id, actor, "submit", f"{sheet.rater}/{sheet.group}",
                new=json.dumps({"count": len(items), "digest": digest}),
            )
        return Receipt(sheet_id, len(items), now, digest)

    async def reopen(self, sheet_id: int, reason: str, *, actor: str) -> bool:
        async with self.db.transaction():
            sheet = await self.get(sheet_id)
            if sheet is None or sheet.state != "submitted":
                return False
            await self.db.conn.execute(
                "UPDATE sheets SET state = 'reopened', reopen_reason = ? WHERE id = ?", (reason, sheet_id)
            )
            await self.db.conn.execute("DELETE FROM approvals WHERE sheet_id = ?", (sheet_id,))
            await self.db.audit(
                sheet.campaign_id, actor, "reopen", f"{sheet.rater}/{sheet.group}", old="submitted",
                new=json.dumps({"reason": reason}, ensure_ascii=False),
            )
        return True

    async def approve(self, sheet_id: int, *, actor: str) -> bool:
        async with self.db.transaction():
            sheet = await self.get(sheet_id)
            if sheet is None or sheet.approval == "approved":
                return False
            if sheet.state != "submitted" and not await self._imported(sheet_id):
                return False
            await self.db.conn.execute(
                "INSERT OR REPLACE INTO approvals (sheet_id, state, by, at) VALUES (?, 'approved', ?, ?)",
                (sheet_id, actor, self.db.now()),
            )
            await self.db.audit(sheet.campaign_id, actor, "approve", f"{sheet.rater}/{sheet.group}")
        return True

    async def _imported(self, sheet_id: int) -> bool:
        """A sheet filled from a stamped paper form by import counts as handed in."""
        row = await self.db.fetchone(
            "SELECT 1 FROM sheets sh JOIN assignments a ON a.campaign_id = sh.campaign_id"
            " AND a.rater = sh.rater AND a.grp = sh.grp JOIN scores s ON s.assignment_id = a.id"
            " WHERE sh.id = ? AND s.source = 'import' LIMIT 1",
            (sheet_id,),
        )
        return row is not None

    async def return_sheet(self, sheet_id: int, comment: str, *, actor: str) -> bool:
        """The approver sends a sheet back: it reopens for the rater with the comment."""
        async with self.db.transaction():
            sheet = await self.get(sheet_id)
            if sheet is None or sheet.state != "submitted":
                return False
            now = self.db.now()
            await self.db.conn.execute(
                "INSERT OR REPLACE INTO approvals (sheet_id, state, by, at, comment)"
                " VALUES (?, 'returned', ?, ?, ?)",
                (sheet_id, actor, now, comment),
            )
            await self.db.conn.execute(
                "UPDATE sheets SET state = 'reopened', reopen_reason = ? WHERE id = ?", (comment, sheet_id)
            )
            await self.db.audit(
                sheet.campaign_id, actor, "return", f"{sheet.rater}/{sheet.group}",
                new=json.dumps({"comment": comment}, ensure_ascii=False),
            )
        return True


def sheet_digest(sheet: SheetInfo, items: list[Item]) -> str:
    """SHA-256 over the sheet's content in a canonical form the rater can re-derive."""
    lines = [f"{sheet.rater}\t{sheet.group}"]
    for item in sorted(items, key=lambda i: i.department):
        value = "" if item.value is None else f"{item.value:g}"
        lines.append(f"{item.department}\t{value}\t{int(item.recused)}\t{item.comment or ''}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
