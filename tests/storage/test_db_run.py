"""`Database.run` / `run_transaction`: plain functions on the sqlite3 connection, one hop each."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.db import Database


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
