"""Invites, the Telegram users they bind, and what each user is in a campaign."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass, replace
from datetime import timedelta

from storage.db import Database, parse_stamp, stamp
from storage.outbox import OutboxRepo


@dataclass(frozen=True, slots=True)
class Invite:
    kind: str  # 'rater' | 'staff'
    key: str
    token: str


@dataclass(frozen=True, slots=True)
class Binding:
    """A role a Telegram user holds in a campaign: a rater (by rater key) or staff (by role key)."""

    campaign_id: int
    kind: str  # 'rater' | 'staff'
    key: str

    @property
    def subject(self) -> str:
        """The role as the audit log names it."""
        return f"{self.kind}:{self.key}"

    def role_args(self) -> dict[str, str]:
        """A rater role is named by its rater (shown in the reader's language), a staff role by its key."""
        return {"rater": self.key, "role": ""} if self.kind == "rater" else {"rater": "", "role": self.key}


@dataclass(frozen=True, slots=True)
class User:
    telegram_id: int
    lang: str | None
    unreachable: bool
    bindings: tuple[Binding, ...]
    campaign_version: int  # of the newest campaign the user is bound in; 0 if none
    tg_lang: str | None = None  # Telegram's language_code on their last update
    identity_version: int = 0  # `Database.identity_version()` at which this is true (-1: unknown)


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach someone bound in a campaign."""

    chat_id: int  # their Telegram id
    lang: str | None  # their /lang choice, else the language_code Telegram showed on their last update
    unreachable: bool  # they blocked the bot


class InviteRejected(Exception):
    def __init__(self, reason: str) -> None:  # 'unknown' | 'used' | 'expired' | 'revoked'
        self.reason = reason
        super().__init__(reason)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_USER_SQL = (
    "SELECT u.lang, u.unreachable_at, b.campaign_id, b.kind, b.key, c.version, u.tg_lang,"
    " (SELECT n FROM identity_version)"
    " FROM (SELECT ? AS telegram_id) q"
    " LEFT JOIN users u ON u.telegram_id = q.telegram_id"
    " LEFT JOIN bindings b ON b.telegram_id = q.telegram_id"
    " LEFT JOIN campaigns c ON c.id = b.campaign_id"
    " ORDER BY b.campaign_id DESC, b.rowid"  # roles in the order they were bound
)


_TG_LANG_SQL = (
    "INSERT INTO users (telegram_id, tg_lang) VALUES (?, ?)"
    " ON CONFLICT (telegram_id) DO UPDATE SET tg_lang = excluded.tg_lang"
)


def user_of(telegram_id: int, rows: list[tuple]) -> User:
    lang, unreachable = rows[0][0], rows[0][1]
    newest = rows[0][2]
    bindings = tuple(Binding(r[2], r[3], r[4]) for r in rows if r[2] is not None and r[2] == newest)
    version = rows[0][5] or 0
    return User(telegram_id, lang, unreachable is not None, bindings, version, rows[0][6], rows[0][7] or 0)


def _seen(conn: sqlite3.Connection, telegram_id: int, language_code: str | None, expected: int | None) -> User:
    """On the database's thread: `PeopleRepo.seen`."""
    found = user_of(telegram_id, conn.execute(_USER_SQL, (telegram_id,)).fetchall())
    writes = 0
    if found.unreachable:  # they are writing to us, so they have unblocked the bot
        conn.execute("UPDATE users SET unreachable_at = NULL WHERE telegram_id = ?", (telegram_id,))
        found, writes = replace(found, unreachable=False), writes + 1
    if language_code and language_code[:16] != found.tg_lang:  # for reminders sent later
        conn.execute(_TG_LANG_SQL, (telegram_id, language_code[:16]))
        found, writes = replace(found, tg_lang=language_code[:16]), writes + 1
    version = found.identity_version
    if writes:  # each write moved the version by one (the triggers): any other move is somebody else's
        after = conn.execute("SELECT n FROM identity_version").fetchall()[0][0]
        version = after if after == version + writes else -1
    return replace(found, identity_version=version if found.identity_version == expected else -1)


class PeopleRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def issue_invites(
        self, campaign_id: int, people: list[tuple[str, str]], valid_for: timedelta
    ) -> list[Invite]:
        """One fresh single-use token per (kind, key); only its hash is stored."""
        now = self.db.clock()
        invites = [Invite(kind, key, secrets.token_urlsafe(16)) for kind, key in people]
        async with self.db.transaction() as conn:
            # a reissued invite replaces the person's older unused ones: only the newest link works
            await conn.executemany(
                "UPDATE invites SET revoked_at = ? WHERE campaign_id = ? AND kind = ? AND key = ?"
                " AND used_at IS NULL AND revoked_at IS NULL",
                [(stamp(now), campaign_id, i.kind, i.key) for i in invites],
            )
            await conn.executemany(
                "INSERT INTO invites (token_hash, campaign_id, kind, key, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (token_hash(i.token), campaign_id, i.kind, i.key, stamp(now), stamp(now + valid_for))
                    for i in invites
                ],
            )
            await self.db.audit(campaign_id, "cli", "invites", f"{len(invites)} issued")
        return invites

    async def redeem(self, token: str, telegram_id: int) -> Binding:
        """Bind the user to whoever the token names; the token is spent."""
        async with self.db.transaction() as conn:
            row = await self.db.fetchone(
                "SELECT campaign_id, kind, key, expires_at, used_at, used_by, revoked_at FROM invites"
                " WHERE token_hash = ?",
                (token_hash(token),),
            )
            if row is None:
                raise InviteRejected("unknown")
            campaign_id, kind, key, expires_at, used_at, used_by, revoked_at = row
            binding = Binding(campaign_id, kind, key)
            if used_at is not None:
                if used_by == telegram_id:  # the same /start delivered twice
                    return binding
                raise InviteRejected("used")
            if revoked_at is not None:
                raise InviteRejected("revoked")
            if parse_stamp(expires_at) < self.db.clock():
                raise InviteRejected("expired")
            now = self.db.now()
            previous = await self.telegram_id(campaign_id, kind, key)
            if previous is not None and previous != telegram_id:
                # a new invite moves the role to another account: the old one is told, staff see it in the log
                await self.db.audit(campaign_id, f"tg:{telegram_id}", "takeover", binding.subject,
                                    old=f"tg:{previous}", new=f"tg:{telegram_id}")
                await OutboxRepo(self.db).add(campaign_id, "telegram", str(previous), "bind.taken_over",
                                              **binding.role_args())
            await conn.execute(
                "UPDATE invites SET used_at = ?, used_by = ? WHERE token_hash = ?",
                (now, telegram_id, token_hash(token)),
            )
            await conn.execute(
                "INSERT INTO bindings (campaign_id, kind, key, telegram_id, bound_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign_id, kind, key) DO UPDATE SET telegram_id = excluded.telegram_id,"
                " bound_at = excluded.bound_at",
                (campaign_id, kind, key, telegram_id, now),
            )
            await conn.execute(
                "INSERT INTO users (telegram_id) VALUES (?) ON CONFLICT DO NOTHING", (telegram_id,)
            )
            await self.db.audit(campaign_id, f"tg:{telegram_id}", "bind", binding.subject)
        return binding

    async def user(self, telegram_id: int) -> User:
        """Everything the bot needs about a user, in one round trip."""
        return user_of(telegram_id, await self.db.fetchall(_USER_SQL, (telegram_id,)))

    async def seen(self, telegram_id: int, language_code: str | None, expected: int | None = None) -> User:
        """The user as `user` reads them, after what their writing to us tells (a mark of unreachable
        cleared, Telegram's language for them kept), in one round trip. `identity_version` is the version at
        which the returned user is true if it was `expected` when read and only these writes moved it since,
        else -1."""
        return await self.db.run(_seen, telegram_id, language_code, expected)

    def version(self) -> int | None:
        """Who-is-who's version now, without a hop (`Database.identity_version`): a user read at this
        version (`User.identity_version`) is still true while it stands. None: unknown, read again."""
        return self.db.identity_version()

    async def set_lang(self, telegram_id: int, lang: str) -> None:
        await self.db.execute(
            "INSERT INTO users (telegram_id, lang) VALUES (?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET lang = excluded.lang",
            (telegram_id, lang),
        )

    async def set_tg_lang(self, telegram_id: int, code: str) -> None:
        """Remember the language Telegram reports for them, for messages sent when they are not writing."""
        await self.db.execute(_TG_LANG_SQL, (telegram_id, code[:16]))

    async def telegram_id(self, campaign_id: int, kind: str, key: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT telegram_id FROM bindings WHERE campaign_id = ? AND kind = ? AND key = ?",
            (campaign_id, kind, key),
        )
        return row[0] if row else None

    async def contacts(self, campaign_id: int) -> dict[tuple[str, str], Contact]:
        """(kind, key) -> their Contact, for everyone bound in a campaign."""
        rows = await self.db.fetchall(
            "SELECT b.kind, b.key, b.telegram_id, COALESCE(u.lang, u.tg_lang), u.unreachable_at IS NOT NULL"
            " FROM bindings b"
            " LEFT JOIN users u ON u.telegram_id = b.telegram_id WHERE b.campaign_id = ?",
            (campaign_id,),
        )
        return {(kind, key): Contact(chat_id, lang, bool(unreachable))
                for kind, key, chat_id, lang, unreachable in rows}

    async def mark_unreachable(self, telegram_id: int, unreachable: bool = True) -> None:
        await self.db.execute(
            "INSERT INTO users (telegram_id, unreachable_at) VALUES (?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET unreachable_at = excluded.unreachable_at",
            (telegram_id, self.db.now() if unreachable else None),
        )
