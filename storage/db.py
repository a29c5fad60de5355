"""The connection: one aiosqlite connection per process, WAL, migrations on open."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from storage import audit_chain
from storage.schema import migrate

Clock = Callable[[], datetime]
T = TypeVar("T")
# At most this many taps in one group commit (~100 µs of SQL each): the write lock, and every other
# statement of the bot, waits for one group at most this long.
GROUP_MAX = 64


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """UTC timestamps as sortable ISO text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return datetime.fromisoformat(text)  # the same aware UTC moment, 40x faster than strptime
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Database:
    """A connection in autocommit mode: single statements commit on their own,
    and multi-statement work goes through `transaction()` (BEGIN IMMEDIATE, so
    two processes on one file serialise instead of failing half-way)."""

    def __init__(self, conn: aiosqlite.Connection, path: str, clock: Clock) -> None:
        self.conn = conn
        self.path = path
        self.clock = clock
        # Many updates are handled at once on one connection: a statement of
        # one task must never run inside another task's open transaction (it
        # would commit or roll back with it), so everything takes this lock;
        # the task that holds a transaction re-enters freely.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        # run_grouped: work waiting for the next group commit, and the task committing groups
        self._pending: list[tuple[Callable[..., Any], tuple, asyncio.Future]] = []
        self._committer: asyncio.Task | None = None
        self._probe: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: str | Path, clock: Clock = utc_now) -> Database:
        connecting = aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn = await connecting
        except BaseException:
            # aiosqlite has asked its worker thread to stop but does not wait for it: wait here, or the
            # thread answers into a closed event loop (a traceback after the one-line error)
            worker = getattr(connecting, "_thread", None)
            while worker is not None and worker.is_alive():
                await asyncio.sleep(0.001)
            raise
        try:
            if not (hasattr(conn, "_execute") and hasattr(conn, "_conn")):  # see on_worker
                raise RuntimeError(f"aiosqlite {aiosqlite.__version__} lacks Connection._execute/_conn: "
                                   "install the version pyproject.toml pins")
            await conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before the bot acknowledges the tap, power cut included
            await conn.execute("PRAGMA synchronous=FULL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=10000")
            # the audit log's chain trigger calls it: without it no audit entry, and so no score, can be written
            await conn.create_function(audit_chain.SQL_NAME, 1 + len(audit_chain.FIELDS), audit_chain.chain_hash,
                                       deterministic=True)
            await migrate(conn)
        except BaseException:
            # aiosqlite's worker thread is not a daemon: left open, it keeps the process alive after
            # the error is printed (`kaoping status` on an unwritable folder never exited)
            await conn.close()
            raise
        return cls(conn, str(path), clock)

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        await self.conn.close()

    def identity_version(self) -> int | None:
        """`identity_version.n` as committed now (it moves whenever users, bindings or campaigns change, in
        any process), read without a hop: on a connection of its own in the calling thread, a read of one
        row in WAL mode (~10 µs, never waiting for a writer). None when it cannot be read at once."""
        try:
            if self._probe is None:
                # read-only, and timeout 0: the event loop never waits on it
                uri = Path(self.path).absolute().as_uri() + "?mode=ro"
                self._probe = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
            rows = self._probe.execute("SELECT n FROM identity_version").fetchall()
        except sqlite3.Error:
            return None
        return rows[0][0] if rows else None

    def now(self) -> str:
        return stamp(self.clock())

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._owner is not None and self._owner is asyncio.current_task():
            yield
            return
        async with self._lock:
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; inside a transaction of the same task it joins that one, so a use
        case can compose repository methods that each keep their own `transaction()`."""
        if self._owner is not None and self._owner is asyncio.current_task():
            yield self.conn
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
                await self.conn.execute("COMMIT")
            finally:
                self._owner = None

    # execute_fetchall runs statement and fetch in one hop to aiosqlite's
    # thread (~65 µs each); the bot's hot paths count these hops.
    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[tuple]:
        async with self.turn():
            # aiosqlite types rows as sqlite3.Row whatever the row factory; ours is the default: tuples
            return cast(list[tuple], list(await self.conn.execute_fetchall(sql, params)))

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> tuple | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def one(self, sql: str, params: tuple | dict = ()) -> tuple:
        """The row of a query that always has one (an aggregate, or a key this transaction just read)."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise LookupError(f"no row for a query that always has one: {sql[:80]}")
        return row

    async def execute(self, sql: str, params: tuple | dict = ()) -> None:
        async with self.turn():
            await self.conn.execute(sql, params)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` on the sqlite3 connection in one hop to aiosqlite's thread, under `turn()`.

        `fn` runs in that thread: plain sqlite3 calls and pure Python only, no awaiting, no event-loop
        objects. Statements commit on their own (autocommit) unless the caller holds `transaction()`."""
        async with self.turn():
            return await on_worker(self.conn, fn, *args)

    async def run_transaction(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` inside BEGIN IMMEDIATE … COMMIT, all in one hop: when this returns the
        work is committed (on disk, with synchronous=FULL); when `fn` raises it is rolled back.
        Inside the caller's own `transaction()` it simply joins that transaction."""
        if self._owner is not None and self._owner is asyncio.current_task():
            return await self.run(fn, *args)
        async with self._lock:
            return await on_worker(self.conn, _in_transaction, fn, *args)

    async def run_grouped(self, fn: Callable[..., T], *args: Any) -> T:
        """`run_transaction` with group commit: work that arrives while a group is being committed
        waits for the next group, and a group is one hop and one BEGIN IMMEDIATE … COMMIT (one fsync)
        for all of it. Each `fn` runs in its own SAVEPOINT, so one that raises rolls back its own work
        only and only its caller sees the error. Every caller returns after its group's COMMIT: what
        it acknowledges is on disk. A lone caller is a group of one, committed at once (no waiting
        for company)."""
        if self._owner is not None and self._owner is asyncio.current_task():
            return await self.run(fn, *args)
        done = asyncio.get_running_loop().create_future()
        self._pending.append((fn, args, done))
        if self._committer is None:
            # its own task, so that a caller cancelled while waiting cannot strand the others
            self._committer = asyncio.create_task(self._commit_groups())
        return await done

    async def _commit_groups(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending[:GROUP_MAX], self._pending[GROUP_MAX:]
                work = [(fn, args) for fn, args, _ in group]
                try:
                    async with self._lock:
                        outcomes = await on_worker(self.conn, _in_group, work)
                except Exception as exc:  # BEGIN or COMMIT failed: rolled back, nothing of the group is stored
                    for _, _, done in group:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                except BaseException:  # cancelled (the loop is closing): nobody is told "stored"
                    for _, _, done in group:
                        done.cancel()
                    raise
                for (_, _, done), (ok, result) in zip(group, outcomes, strict=True):
                    if done.done():
                        continue  # its caller was cancelled; its work is committed all the same
                    if ok:
                        done.set_result(result)
                    else:
                        done.set_exception(result)
        finally:
            self._committer = None
            for _, _, done in self._pending:  # left only when cancelled
                if not done.done():
                    done.cancel()
            self._pending = []

    async def audit(
        self,
        campaign_id: int | None,
        actor: str,
        action: str,
        subject: str,
        old: str | None = None,
        new: str | None = None,
        source: str | None = None,
    ) -> None:
        await self.execute(
            "INSERT INTO audit (at, campaign_id, actor, action, subject, old, new, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.now(), campaign_id, actor, action, subject, old, new, source),
        )


# The one use of aiosqlite's private API. No public call runs a plain function on aiosqlite's thread: with
# public calls only, the score tap's transaction (BEGIN, the checked write, the reads for the next card,
# COMMIT) would be five or six hops instead of one. pyproject pins aiosqlite to the versions known to have
# `Connection._execute(fn, *args)` (queue `fn` for its thread, await the result) and `Connection._conn` (the
# sqlite3 connection); tests/storage/test_db_run.py checks both on the installed version.
def inserted_id(cur: aiosqlite.Cursor) -> int:
    """The rowid the INSERT just run on `cur` made (every table of ours has one)."""
    if cur.lastrowid is None:
        raise LookupError("the statement inserted no row")
    return cur.lastrowid


def on_worker(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
    """`fn(sqlite3_connection, *args)` on aiosqlite's thread, in one hop."""
    return conn._execute(fn, conn._conn, *args)


def _in_transaction(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    """On aiosqlite's thread: the whole transaction in one queued call, so no other task's statement
    can run inside it, even if the awaiting task is cancelled meanwhile."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # also when COMMIT itself failed (busy, I/O): never leave it open
            conn.execute("ROLLBACK")
        raise
    return result


def _in_group(conn: sqlite3.Connection, work: list[tuple[Callable[..., Any], tuple]]) -> list[tuple[bool, Any]]:
    """On aiosqlite's thread: a group commit. Each function in its own savepoint; (ok, result or error) each."""
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for fn, args in work:
            conn.execute("SAVEPOINT grouped")
            try:
                result = fn(conn, *args)
            except Exception as exc:
                conn.execute("ROLLBACK TO grouped")
                outcomes.append((False, exc))
            else:
                outcomes.append((True, result))
            conn.execute("RELEASE grouped")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes
