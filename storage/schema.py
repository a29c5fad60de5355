"""The schema, as numbered migrations applied in order (`PRAGMA user_version`)."""

from __future__ import annotations

import aiosqlite

# Each entry moves the database from version i to i + 1. Never edit a landed
# entry: add a new one, so every existing database can follow.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE campaigns (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        doc TEXT NOT NULL,              -- the validated campaign, as JSON
        version INTEGER NOT NULL DEFAULT 1,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE assignments (
        id INTEGER PRIMARY KEY,         -- short ids keep callback data small
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        rater TEXT NOT NULL,
        grp TEXT NOT NULL,
        department TEXT NOT NULL,
        position INTEGER NOT NULL,      -- order of the walk
        UNIQUE (campaign_id, rater, grp, department)
    );
    CREATE INDEX assignments_sheet ON assignments (campaign_id, rater, grp, position);
    CREATE TABLE sheets (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        rater TEXT NOT NULL,
        grp TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'submitted', 'reopened')),
        submitted_at TEXT,
        digest TEXT,
        reopen_reason TEXT,
        UNIQUE (campaign_id, rater, grp)
    );
    CREATE TABLE scores (
        assignment_id INTEGER PRIMARY KEY REFERENCES assignments(id),
        value REAL,                     -- NULL: recused or cleared
        recused INTEGER NOT NULL DEFAULT 0,
        reason TEXT,                    -- why the rater recused
        comment TEXT,
        source TEXT NOT NULL CHECK (source IN ('bot', 'proxy', 'import')),
        entered_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE approvals (
        sheet_id INTEGER PRIMARY KEY REFERENCES sheets(id),
        state TEXT NOT NULL CHECK (state IN ('approved', 'returned')),
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        comment TEXT
    );
    CREATE TABLE adjustments (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        department TEXT NOT NULL,
        points REAL NOT NULL,
        reason TEXT NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE external_results (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        department TEXT NOT NULL,
        score REAL NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (campaign_id, department)
    );
    CREATE TABLE invites (
        token_hash TEXT PRIMARY KEY,    -- sha256 of the token; the token itself is never stored
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        kind TEXT NOT NULL CHECK (kind IN ('rater', 'staff')),
        key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by INTEGER
    );
    CREATE TABLE users (
        telegram_id INTEGER PRIMARY KEY,
        lang TEXT,
        unreachable_at TEXT             -- set when Telegram says the user blocked the bot
    );
    CREATE TABLE bindings (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        kind TEXT NOT NULL CHECK (kind IN ('rater', 'staff')),
        key TEXT NOT NULL,
        telegram_id INTEGER NOT NULL,
        bound_at TEXT NOT NULL,
        PRIMARY KEY (campaign_id, kind, key)
    );
    CREATE INDEX bindings_user ON bindings (telegram_id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        campaign_id INTEGER,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        assignment_id INTEGER,
        old TEXT,
        new TEXT,
        source TEXT,
        undone INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX audit_assignment ON audit (assignment_id);
    CREATE TABLE reminders (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        rater TEXT NOT NULL,
        milestone TEXT NOT NULL,
        offset_s INTEGER NOT NULL,      -- -1: the digest after the milestone
        claimed_by TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        sent_at TEXT,
        outcome TEXT,
        PRIMARY KEY (campaign_id, rater, milestone, offset_s)
    );
    -- Every score write is audited in the same statement as the write, so
    -- a tap costs one round trip and the log can never miss a change.
    CREATE TRIGGER scores_audit_insert AFTER INSERT ON scores BEGIN
        INSERT INTO audit (at, campaign_id, actor, action, subject, assignment_id, old, new, source)
        SELECT NEW.updated_at, a.campaign_id, NEW.entered_by, 'score',
               a.rater || '/' || a.grp || '/' || a.department, NEW.assignment_id, NULL,
               json_object('value', NEW.value, 'recused', NEW.recused, 'reason', NEW.reason,
                           'comment', NEW.comment),
               NEW.source
        FROM assignments a WHERE a.id = NEW.assignment_id;
    END;
    CREATE TRIGGER scores_audit_update AFTER UPDATE ON scores
    WHEN OLD.value IS NOT NEW.value OR OLD.recused IS NOT NEW.recused
         OR OLD.comment IS NOT NEW.comment OR OLD.reason IS NOT NEW.reason
    BEGIN
        INSERT INTO audit (at, campaign_id, actor, action, subject, assignment_id, old, new, source)
        SELECT NEW.updated_at, a.campaign_id, NEW.entered_by, 'score',
               a.rater || '/' || a.grp || '/' || a.department, NEW.assignment_id,
               json_object('value', OLD.value, 'recused', OLD.recused, 'reason', OLD.reason,
                           'comment', OLD.comment),
               json_object('value', NEW.value, 'recused', NEW.recused, 'reason', NEW.reason,
                           'comment', NEW.comment),
               NEW.source
        FROM assignments a WHERE a.id = NEW.assignment_id;
    END;
    CREATE TRIGGER scores_audit_delete AFTER DELETE ON scores BEGIN
        INSERT INTO audit (at, campaign_id, actor, action, subject, assignment_id, old, new, source)
        SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), a.campaign_id, 'system', 'delete',
               a.rater || '/' || a.grp || '/' || a.department, OLD.assignment_id,
               json_object('value', OLD.value, 'recused', OLD.recused, 'reason', OLD.reason,
                           'comment', OLD.comment),
               NULL, OLD.source
        FROM assignments a WHERE a.id = OLD.assignment_id;
    END;
    """,
    """
    -- h3: reminders.attempt_at: the moment the Telegram call of a reminder started. A row with
    -- attempt_at and no sent_at is a send whose outcome is unknown (the process died during the call
    -- or before recording it): never sent again, recorded with outcome 'unknown'.
    ALTER TABLE reminders ADD COLUMN attempt_at TEXT;
    """,
]


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring the database to the newest version; return that version."""
    async with conn.execute("PRAGMA user_version") as cur:
        (version,) = await cur.fetchone()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first; the version bump is part of the script
        await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return len(MIGRATIONS)
