"""The store on real SQLite files: durability, WAL, migrations, all or nothing, reloads, backup, audit, locking."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from reports.imports import parse_scores, read_table
from scoring.campaign import Campaign
from scoring.imports import ImportRejected, ResultRow, ScoreRow
from scoring.validation import load_campaign
from storage import schema
from storage.campaigns import OrphanedScores
from storage.reporting import score_rows
from storage.sheets import Writer
from storage.store import Store

ROOT = Path(__file__).resolve().parents[2]
SMALL = (ROOT / "examples" / "small.yaml").read_text(encoding="utf-8")


def small_variant(*pairs: str) -> Campaign:
    text = SMALL
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_campaign(text, "variant.yaml")


@asynccontextmanager
async def opened(path: Path, clock=None) -> AsyncIterator[Store]:
    store = await (Store.open(path) if clock is None else Store.open(path, clock))
    try:
        yield store
    finally:
        await store.close()


async def score(store: Store, cid: int, rater: str, group: str, dept: str, value: float) -> None:
    """Enter a score the way the bot does (the rater's own tap); the store acknowledges by returning True."""
    sheet = await store.sheets.find(cid, rater, group)
    item = next(i for i in await store.sheets.items(sheet.id) if i.department == dept)
    assert await store.sheets.set_value(Writer(cid, own=(rater,)), sheet.id,
                                        item.assignment_id, value)


def stored_scores(path: Path) -> dict[str, tuple]:
    """rater/group/department -> (value, source, entered_by), read by a separate plain sqlite3 connection."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT a.rater || '/' || a.grp || '/' || a.department, s.value, s.source, s.entered_by"
            " FROM scores s JOIN assignments a ON a.id = s.assignment_id"
        ).fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def snapshot(path: Path) -> list[str]:
    """Everything in the database, as SQL text, read by a separate connection."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "kaoping.db"


# -- durability, WAL, migrations ------------------------------------------------------------


async def test_acknowledged_write_survives_close_and_reopen(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        await score(store, cid, "c_fgw", "sector_peers", "czj", 91.5)
        # the files as they are on disk right now, as a crash would leave them (no close, no checkpoint)
        crash = db.parent / "crash"
        crash.mkdir()
        for f in db.parent.glob("kaoping.db*"):
            shutil.copy(f, crash / f.name)
    assert stored_scores(crash / "kaoping.db") == {"c_fgw/sector_peers/czj": (91.5, "bot", "rater:c_fgw")}
    async with opened(db, clock) as store:
        stored = await store.campaigns.get("small2026")
        sheet = await store.sheets.find(stored.id, "c_fgw", "sector_peers")
        values = {i.department: i.value for i in await store.sheets.items(sheet.id)}
        assert values == {"czj": 91.5, "tax": None}


async def test_wal_mode_and_busy_timeout(db: Path) -> None:
    async with opened(db) as store:
        assert await store.db.fetchone("PRAGMA journal_mode") == ("wal",)
        assert (await store.db.fetchone("PRAGMA busy_timeout"))[0] >= 1000
        assert await store.db.fetchone("PRAGMA foreign_keys") == (1,)
    assert count(db, "PRAGMA journal_mode") == "wal"  # persistent in the file


async def test_migrations_set_user_version(db: Path, monkeypatch: pytest.MonkeyPatch, small: Campaign) -> None:
    async with opened(db) as store:
        await store.campaigns.load(small)
    assert count(db, "PRAGMA user_version") == len(schema.MIGRATIONS) >= 1
    before = snapshot(db)
    async with opened(db):
        pass  # reopening an up-to-date file changes nothing
    assert snapshot(db) == before
    # a new migration runs once, on the existing file, and keeps its data
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, "CREATE TABLE future (x INTEGER);"])
    async with opened(db) as store:
        assert await store.db.fetchone("SELECT COUNT(*) FROM campaigns") == (1,)
    assert count(db, "PRAGMA user_version") == len(schema.MIGRATIONS)
    assert count(db, "SELECT COUNT(*) FROM future") == 0


# -- all or nothing ---------------------------------------------------------------------------


async def test_rejected_import_leaves_nothing(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        await score(store, cid, "c_fgw", "sector_peers", "czj", 80)
        before = snapshot(db)
        data = b"rater,group,department,score\nc_fgw,sector_peers,czj,95\nc_fgw,sector_peers,tax,101\n"
        assignments = set(await store.results.assignment_keys(cid))
        with pytest.raises(ImportRejected):
            rows = parse_scores(small, read_table(data, "s.csv"), "s.csv", assignments)
            await store.results.import_scores(cid, rows, actor="cli")
        assert snapshot(db) == before


async def test_integrity_error_mid_import_rolls_back_everything(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        await score(store, cid, "ld_sz", "leaders", "fgw", 70)
        before = snapshot(db)
        keys = await store.results.assignment_keys(cid)
        rows = [ScoreRow(r, g, d, 80.0 + i % 20, f"行{i}", i + 2) for i, (r, g, d) in enumerate(keys)]
        # the 40th row violates a constraint, after 39 inserts (and 39 audit rows from the trigger)
        (victim,) = await store.db.fetchone(
            "SELECT id FROM assignments WHERE rater = ? AND grp = ? AND department = ?", keys[39]
        )
        await store.db.execute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.scores"
            f" WHEN NEW.assignment_id = {int(victim)} BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )
        with pytest.raises(sqlite3.IntegrityError, match="refused by test"):
            await store.results.import_scores(cid, rows, actor="cli", overwrite=True)
        assert not store.db.conn.in_transaction
        assert snapshot(db) == before
        # the store is still usable: the lock was released and the next import commits
        await store.db.execute("DROP TRIGGER temp.refuse")
        assert len(await store.results.import_scores(cid, rows, actor="cli", overwrite=True)) == len(rows)
        assert len(stored_scores(db)) == len(keys)


async def test_integrity_error_in_external_results_rolls_back(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        before = snapshot(db)
        with pytest.raises(sqlite3.IntegrityError):
            await store.results.set_external(cid, [ResultRow("icbc", 88.0), ResultRow("other", None)], actor="cli")
        assert snapshot(db) == before
        assert await store.results.external(cid) == {}


# -- reloading a changed campaign ---------------------------------------------------------------


async def test_reloading_a_changed_campaign_keeps_scores(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        await score(store, cid, "c_fgw", "sector_peers", "czj", 90)
        await score(store, cid, "ld_cw", "leaders", "wjw", 85.5)
        await score(store, cid, "panel_econ", "sector_panel", "tax", 77)
        before = stored_scores(db)
        changed = small_variant(
            "title: 示例市2026年度部门考核（小样）", "title: 示例市2026年度部门考核（修订）",
            # a new department: new assignments for every `all` rater
            "  - {key: jyj,", "  - {key: sjj, name: 市审计局, sector: econ, profile: standard}\n  - {key: jyj,",
            # an unscored assignment disappears: the health contact no longer evaluates itself
            "department: wjw, groups: [sector_peers, self_eval]}", "department: wjw, groups: [sector_peers]}",
        )
        result = await store.campaigns.load(changed)
        assert (result.campaign_id, result.created, result.removed, result.dropped_scores) == (cid, False, 1, 0)
        assert result.added > 0
        stored = await store.campaigns.get("small2026")
        assert stored.version == 2 and stored.campaign.title.endswith("（修订）")
        assert stored_scores(db) == before
        assert ("off_zf", "four_offices", "sjj") in await store.results.assignment_keys(cid)
        assert await store.sheets.find(cid, "c_wjw", "self_eval") is None


async def test_orphaning_change_is_refused_then_forced(db: Path, small: Campaign, clock) -> None:
    without_ld_cw = small_variant(
        "  - {key: ld_cw, name: 常务副市长, name_en: Executive Vice Mayor, groups: [leaders]}\n", "",
        "collects_for: [ld_sz, ld_cw]", "collects_for: [ld_sz]",
    )
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        await score(store, cid, "ld_cw", "leaders", "fgw", 88)
        await score(store, cid, "ld_cw", "leaders", "czj", 86.5)
        await score(store, cid, "ld_sz", "leaders", "fgw", 90)
        before = snapshot(db)
        with pytest.raises(OrphanedScores) as info:
            await store.campaigns.load(without_ld_cw)
        assert info.value.orphans == ["ld_cw/leaders/czj", "ld_cw/leaders/fgw"]
        assert snapshot(db) == before  # nothing changed, not even the version
        assert not store.db.conn.in_transaction

        result = await store.campaigns.load(without_ld_cw, force=True)
        assert (result.dropped_scores, result.removed) == (2, 5)
        assert stored_scores(db) == {"ld_sz/leaders/fgw": (90.0, "bot", "rater:ld_sz")}
        assert await store.sheets.find(cid, "ld_cw", "leaders") is None
        # the dropped scores are kept in the audit log, old value and all
        conn = sqlite3.connect(db)
        deleted = conn.execute(
            "SELECT subject, old, new FROM audit WHERE action = 'delete' ORDER BY subject"
        ).fetchall()
        conn.close()
        assert [(s, json.loads(old)["value"], new) for s, old, new in deleted] == [
            ("ld_cw/leaders/czj", 86.5, None), ("ld_cw/leaders/fgw", 88.0, None),
        ]


# -- backup, audit --------------------------------------------------------------------------------


async def test_backup_while_the_source_stays_open(db: Path, tmp_path: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store, opened(db, clock) as other:
        cid = (await store.campaigns.load(small)).campaign_id
        for dept, value in (("fgw", 90), ("czj", 85.5), ("tax", 70)):
            await score(store, cid, "off_zf", "four_offices", dept, value)
        committed = stored_scores(db)
        # another connection is half-way through a write while the backup runs: the copy stays consistent
        async with other.db.transaction() as conn:
            await conn.execute("UPDATE scores SET value = 1")
            await store.backup(tmp_path / "copy.db")
        await score(store, cid, "off_zf", "four_offices", "jyj", 60)  # the source is still in use
    assert stored_scores(tmp_path / "copy.db") == committed
    assert count(tmp_path / "copy.db", "PRAGMA integrity_check") == "ok"
    async with opened(tmp_path / "copy.db") as copy:  # and a Store can work on it
        stored = await copy.campaigns.get("small2026")
        assert len(await score_rows(copy, stored)) == 3


async def test_backup_waits_for_a_transaction_on_its_own_connection(
    db: Path, tmp_path: Path, small: Campaign, clock
) -> None:
    # the bot shares one connection between tasks: a backup asked for while another task is
    # half-way through a transaction must wait for it, not copy (or deadlock on) its writes
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        writing = asyncio.Event()

        async def doomed_write() -> None:
            with pytest.raises(RuntimeError):
                async with store.db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO adjustments (campaign_id, department, points, reason, by, at)"
                        " VALUES (?, 'fgw', 1, 'x', 'x', 'now')", (cid,)
                    )
                    writing.set()
                    await asyncio.sleep(0.1)
                    raise RuntimeError("rolled back")

        async def backup() -> None:
            await writing.wait()
            await store.backup(tmp_path / "copy.db")

        # a guard, not a measurement: without the fix this never finishes
        await asyncio.wait_for(asyncio.gather(doomed_write(), backup()), timeout=30)
        await store.adjustments.add(cid, "czj", 1, "after", actor="test")  # the connection still works
    assert count(tmp_path / "copy.db", "SELECT COUNT(*) FROM adjustments") == 0
    assert count(db, "SELECT COUNT(*) FROM adjustments") == 1


async def test_audit_records_old_and_new_of_a_score_change(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as store:
        cid = (await store.campaigns.load(small)).campaign_id
        await score(store, cid, "c_fgw", "sector_peers", "czj", 80)
        await score(store, cid, "c_fgw", "sector_peers", "czj", 80)  # same value: no new entry
        await score(store, cid, "c_fgw", "sector_peers", "czj", 92.5)
        await store.results.import_scores(cid, [("c_fgw", "sector_peers", "czj", 75.0, "纸质表")], actor="staff:x",
                                          overwrite=True)  # it replaces what the rater entered
        log = [r for r in await store.results.audit_log(cid) if r[2] == "score"]
    changes = [
        (actor, subject, old and json.loads(old)["value"], json.loads(new)["value"], source)
        for _, actor, _, subject, old, new, source in log
    ]
    assert changes == [
        ("rater:c_fgw", "c_fgw/sector_peers/czj", None, 80.0, "bot"),
        ("rater:c_fgw", "c_fgw/sector_peers/czj", 80.0, 92.5, "bot"),
        ("staff:x", "c_fgw/sector_peers/czj", 92.5, 75.0, "import"),
    ]


# -- two writers on one file --------------------------------------------------------------------


async def test_two_stores_write_at_once(db: Path, small: Campaign, clock) -> None:
    async with opened(db, clock) as a, opened(db, clock) as b:
        cid = (await a.campaigns.load(small)).campaign_id
        events: list[str] = []
        holding = asyncio.Event()

        async def long_writer() -> None:
            async with a.db.transaction():
                await a.db.execute(
                    "INSERT INTO adjustments (campaign_id, department, points, reason, by, at)"
                    " VALUES (?, 'fgw', 1, 'a', 'a', 'now')", (cid,)
                )
                events.append("a holds the write lock")
                holding.set()
                await asyncio.sleep(0.3)
                events.append("a commits")

        async def second_writer() -> None:
            await holding.wait()
            events.append("b writes")
            await b.adjustments.add(cid, "czj", -1, "b", actor="b")  # must wait, not fail
            events.append("b committed")

        await asyncio.gather(long_writer(), second_writer())
        assert events == ["a holds the write lock", "b writes", "a commits", "b committed"]

        # and many interleaved single writes from both connections all land
        items = [(r, g, d) for r, g, d in await a.results.assignment_keys(cid)][:40]
        await asyncio.gather(*(
            score(a if i % 2 else b, cid, r, g, d, 60 + i % 40) for i, (r, g, d) in enumerate(items)
        ))
    assert count(db, "SELECT COUNT(*) FROM adjustments") == 2
    assert len(stored_scores(db)) == 40
