"""`Database.run` / `run_transaction`: plain functions on the sqlite3 connection, one hop each."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.db import Database
from storage.sheets import Tap, Writer


def count_hops(db: Database) -> list[int]:
    real = db.conn._execute
    seen = [0]

    async def counted(*args, **kwargs):
        seen[0] += 1
        return await real(*args, **kwargs)

    db.conn._execute = counted
    return seen


def insert_two(conn: sqlite3.Connection, key: str, fail: bool = False) -> int:
    conn.execute("INSERT INTO users (telegram_id, lang) VALUES (1, ?)", (key,))
    if fail:
        raise RuntimeError("half-way")
    conn.execute("INSERT INTO users (telegram_id, lang) VALUES (2, ?)", (key,))
    return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]


async def test_run_is_one_hop_and_sees_the_connection(store):
    db = store.db
    hops = count_hops(db)
    assert await db.run(lambda conn, n: conn.execute("SELECT ?", (n,)).fetchone()[0], 7) == 7
    assert hops[0] == 1


async def test_run_transaction_commits_all_or_nothing_in_one_hop(store):
    db = store.db
    hops = count_hops(db)
    assert await db.run_transaction(insert_two, "zh") == 2
    assert hops[0] == 1
    await db.execute("DELETE FROM users")
    with pytest.raises(RuntimeError):
        await db.run_transaction(insert_two, "en", True)
    assert await db.fetchone("SELECT COUNT(*) FROM users") == (0,)  # the first insert was rolled back
    assert not db.conn.in_transaction
    assert await db.run_transaction(insert_two, "en") == 2  # and the connection is usable


async def test_run_transaction_commits_before_returning(store, tmp_path):
    await store.db.run_transaction(insert_two, "zh")
    other = sqlite3.connect(store.db.path)  # another process's view of the file
    try:
        assert other.execute("SELECT COUNT(*) FROM users").fetchone() == (2,)
    finally:
        other.close()


async def test_run_transaction_joins_the_callers_transaction(store):
    db = store.db
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.run_transaction(insert_two, "zh")
            raise RuntimeError("caller fails after")
    assert await db.fetchone("SELECT COUNT(*) FROM users") == (0,)


async def test_other_tasks_wait_outside_the_transaction(store):
    db = store.db
    started = asyncio.Event()

    def slow(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO users (telegram_id, lang) VALUES (1, 'zh')")
        return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    async def writer() -> int:
        started.set()
        return await db.run_transaction(slow)

    async def reader() -> tuple:
        await started.wait()
        return await db.fetchone("SELECT COUNT(*) FROM users")

    written, read = await asyncio.gather(writer(), reader())
    assert written == 1 and read == (1,)


def insert_user(conn: sqlite3.Connection, telegram_id: int) -> int:
    conn.execute("INSERT INTO users (telegram_id, lang) VALUES (?, 'zh')", (telegram_id,))
    if telegram_id == 13:
        raise ValueError("unlucky")
    return telegram_id


async def test_taps_arriving_together_share_one_commit_and_each_gets_its_own_outcome(store):
    db = store.db
    hops = count_hops(db)
    results = await asyncio.gather(*(db.run_grouped(insert_user, n) for n in range(1, 21)), return_exceptions=True)
    assert hops[0] <= 2  # one group (or two), not twenty hops and twenty fsyncs
    assert isinstance(results[12], ValueError)  # only the failing one fails ...
    assert [r for r in results if not isinstance(r, Exception)] == [n for n in range(1, 21) if n != 13]
    stored = [r[0] for r in await db.fetchall("SELECT telegram_id FROM users ORDER BY telegram_id")]
    assert stored == [n for n in range(1, 21) if n != 13]  # ... and its insert alone is rolled back
    assert not db.conn.in_transaction


async def test_a_grouped_call_returns_only_after_its_commit(store):
    other = sqlite3.connect(store.db.path)  # another process's view of the file
    try:
        async def tap(n: int) -> tuple:
            await store.db.run_grouped(insert_user, n)
            return other.execute("SELECT COUNT(*) FROM users WHERE telegram_id = ?", (n,)).fetchone()

        assert await asyncio.gather(*(tap(n) for n in (1, 2, 3))) == [(1,), (1,), (1,)]
        assert await tap(4) == (1,)  # a lone call: committed at once, no waiting for company
    finally:
        other.close()


async def test_grouped_work_and_other_statements_do_not_interleave(store):
    db = store.db

    async def reader() -> tuple:
        return await db.fetchone("SELECT COUNT(*) FROM users")

    out = await asyncio.gather(db.run_grouped(insert_user, 1), reader(), db.run_grouped(insert_user, 2), reader())
    assert out[0] == 1 and out[2] == 2
    assert out[1][0] in (0, 2) and out[3][0] in (0, 2)  # before the group or after it, never half of it


async def test_a_crowd_is_split_into_groups_of_at_most_group_max(store, monkeypatch):
    monkeypatch.setattr("storage.db.GROUP_MAX", 4)
    hops = count_hops(store.db)
    assert await asyncio.gather(*(store.db.run_grouped(insert_user, n) for n in range(100, 110))) == list(
        range(100, 110))
    assert hops[0] == 3  # 4 + 4 + 2


async def test_a_group_that_cannot_commit_fails_for_every_caller_and_stores_nothing(store):
    await store.db.execute("PRAGMA busy_timeout=50")
    other = sqlite3.connect(store.db.path, isolation_level=None)  # another process holds the write lock
    other.execute("BEGIN IMMEDIATE")
    try:
        results = await asyncio.gather(*(store.db.run_grouped(insert_user, n) for n in (1, 2, 3)),
                                       return_exceptions=True)
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await store.db.fetchone("SELECT COUNT(*) FROM users") == (0,)
    assert await store.db.run_grouped(insert_user, 4) == 4  # and the next group goes through


async def test_the_private_api_adapter_runs_a_function_on_aiosqlites_own_thread(store):
    """`on_worker` is the one use of aiosqlite's private `Connection._execute` / `._conn` (pyproject pins the
    versions): the function gets the very sqlite3 connection aiosqlite's public calls use, on its thread."""
    import threading

    from storage.db import on_worker

    db = store.db
    await db.conn.create_function("worker_ident", 0, threading.get_ident)
    (public_ident,) = (await db.conn.execute_fetchall("SELECT worker_ident()"))[0]

    def inside(conn: sqlite3.Connection) -> tuple[int, bool, int]:
        by_sql = conn.execute("SELECT worker_ident()").fetchone()[0]
        return threading.get_ident(), isinstance(conn, sqlite3.Connection), by_sql

    ident, is_sqlite3, seen_by_sql = await on_worker(db.conn, inside)
    assert ident == public_ident == seen_by_sql != threading.get_ident() and is_sqlite3


async def test_the_identity_version_moves_with_users_bindings_and_campaigns_from_any_process(store, small):
    db = store.db
    start = db.identity_version()
    loaded = await store.campaigns.load(small)
    after_load = db.identity_version()
    assert after_load > start
    other = sqlite3.connect(db.path, isolation_level=None)  # another process (the CLI)
    try:
        other.execute("INSERT INTO users (telegram_id, lang) VALUES (77, 'en')")
        assert db.identity_version() == after_load + 1
        other.execute("INSERT INTO bindings (campaign_id, kind, key, telegram_id, bound_at)"
                      " VALUES (?, 'rater', ?, 77, 'x')", (loaded.campaign_id, small.raters[0].key))
        assert db.identity_version() == after_load + 2
    finally:
        other.close()
    sheet = (await store.sheets.for_campaign(loaded.campaign_id))[0]
    _, items = await store.sheets.walk(sheet.id)
    tap = await store.sheets.score_tap(Writer(loaded.campaign_id, own=(sheet.rater,)),
                                       Tap(sheet.id, items[0].assignment_id, 80.0, 0))
    assert tap.outcome == "stored" and db.identity_version() == after_load + 2  # a score is not who-is-who
