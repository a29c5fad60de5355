"""The schema, as numbered migrations applied in order (`PRAGMA user_version`)."""

from __future__ import annotations

import aiosqlite

# Pieces that more than one migration states. The second migration rebuilds tables and triggers the
# first created, so it says much of the same SQL again; it is written once here and put in place
# where each migration says it (white space included: the pieces yield each entry's text exactly).
# An entry's text must stay what existing databases ran (tests/storage/test_migrations_pinned.py
# pins it): never edit a piece; a later change to the schema is a new entry.

# The columns of a sheet after its id.
_SHEET_COLUMNS = """campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        rater TEXT NOT NULL,
        grp TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'submitted', 'reopened')),
        submitted_at TEXT,
        digest TEXT,
        reopen_reason TEXT,
        UNIQUE (campaign_id, rater, grp)"""

# An assignment's place: who rates which department in which group (its position follows).
_ASSIGNMENT_PLACE = """campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        rater TEXT NOT NULL,
        grp TEXT NOT NULL,
        department TEXT NOT NULL,"""

# The columns of an adjustment after its id, as the first schema had them.
_ADJUSTMENT_COLUMNS = """campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        department TEXT NOT NULL,
        points REAL NOT NULL,
        reason TEXT NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL"""

# What an audit entry says, after its id.
_AUDIT_COLUMNS = """at TEXT NOT NULL,
        campaign_id INTEGER,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        assignment_id INTEGER,
        old TEXT,
        new TEXT,
        source TEXT,"""
# The audit columns a score trigger fills.
_AUDITED = "at, campaign_id, actor, action, subject, assignment_id, old, new, source"


def _score_json(row: str) -> str:
    """A score row (`NEW` or `OLD`) as the audit log records it."""
    return (
        f"json_object('value', {row}.value, 'recused', {row}.recused, 'reason', {row}.reason,\n"
        f"                           'comment', {row}.comment)"
    )


def _scores_audit_triggers(*, undo: bool) -> str:
    """The three triggers that audit every score write in the statement that writes it.

    With `undo` (migration 2 on) the update trigger also records which entry an undo reverts
    (`scores.undoes`) and labels that write 'undo'.
    """
    if undo:
        columns = f"{_AUDITED}, undoes"
        action = (
            "\n               CASE WHEN NEW.undoes IS NOT NULL AND NEW.undoes IS NOT OLD.undoes"
            " THEN 'undo' ELSE 'score' END,"
        )
        undoes = ",\n               CASE WHEN NEW.undoes IS NOT OLD.undoes THEN NEW.undoes END"
    else:
        columns, action, undoes = _AUDITED, " 'score',", ""
    subject = "a.rater || '/' || a.grp || '/' || a.department"
    return f"""CREATE TRIGGER scores_audit_insert AFTER INSERT ON scores BEGIN
        INSERT INTO audit ({_AUDITED})
        SELECT NEW.updated_at, a.campaign_id, NEW.entered_by, 'score',
               {subject}, NEW.assignment_id, NULL,
               {_score_json("NEW")},
               NEW.source
        FROM assignments a WHERE a.id = NEW.assignment_id;
    END;
    CREATE TRIGGER scores_audit_update AFTER UPDATE ON scores
    WHEN OLD.value IS NOT NEW.value OR OLD.recused IS NOT NEW.recused
         OR OLD.comment IS NOT NEW.comment OR OLD.reason IS NOT NEW.reason
    BEGIN
        INSERT INTO audit ({columns})
        SELECT NEW.updated_at, a.campaign_id, NEW.entered_by,{action}
               {subject}, NEW.assignment_id,
               {_score_json("OLD")},
               {_score_json("NEW")},
               NEW.source{undoes}
        FROM assignments a WHERE a.id = NEW.assignment_id;
    END;
    CREATE TRIGGER scores_audit_delete AFTER DELETE ON scores BEGIN
        INSERT INTO audit ({_AUDITED})
        SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), a.campaign_id, 'system', 'delete',
               {subject}, OLD.assignment_id,
               {_score_json("OLD")},
               NULL, OLD.source
        FROM assignments a WHERE a.id = OLD.assignment_id;
    END;"""


# A change to who is who (users, bindings, campaigns) in any process moves identity_version.n.
_IDENTITY_TRIGGERS = "\n    ".join(
    f"CREATE TRIGGER identity_{table}_{suffix} AFTER {event} ON {table}\n"
    "        BEGIN UPDATE identity_version SET n = n + 1; END;"
    for table in ("users", "bindings", "campaigns")
    for suffix, event in (("ins", "INSERT"), ("upd", "UPDATE"), ("del", "DELETE"))
)


# Each entry moves the database from version i to i + 1. Never edit a landed
# entry: add a new one, so every existing database can follow.
MIGRATIONS: list[str] = [
    f"""
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
        {_ASSIGNMENT_PLACE}
        position INTEGER NOT NULL,      -- order of the walk
        UNIQUE (campaign_id, rater, grp, department)
    );
    CREATE INDEX assignments_sheet ON assignments (campaign_id, rater, grp, position);
    CREATE TABLE sheets (
        id INTEGER PRIMARY KEY,
        {_SHEET_COLUMNS}
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
        {_ADJUSTMENT_COLUMNS}
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
        {_AUDIT_COLUMNS}
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
    {_scores_audit_triggers(undo=False)}
    """,
    f"""
    -- core (issue 10/11): ids that are never reused, an append-only hash-chained audit log, the
    -- adjustment register, confirmations bound to a pending action, an outbox of notices
    DROP TRIGGER scores_audit_insert;
    DROP TRIGGER scores_audit_update;
    DROP TRIGGER scores_audit_delete;

    CREATE TABLE assignments_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: a button from before a reload stays stale
        {_ASSIGNMENT_PLACE}
        position INTEGER NOT NULL,
        UNIQUE (campaign_id, rater, grp, department)
    );
    INSERT INTO assignments_v2 SELECT id, campaign_id, rater, grp, department, position FROM assignments;
    DROP TABLE assignments;
    ALTER TABLE assignments_v2 RENAME TO assignments;
    CREATE INDEX assignments_sheet ON assignments (campaign_id, rater, grp, position);

    CREATE TABLE sheets_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        {_SHEET_COLUMNS}
    );
    INSERT INTO sheets_v2 SELECT id, campaign_id, rater, grp, state, submitted_at, digest, reopen_reason FROM sheets;
    DROP TABLE sheets;
    ALTER TABLE sheets_v2 RENAME TO sheets;

    CREATE TABLE adjustments_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        {_ADJUSTMENT_COLUMNS},
        revoked_at TEXT,                -- a revoked adjustment stays in the register
        revoked_by TEXT,
        revoke_reason TEXT
    );
    INSERT INTO adjustments_v2 (id, campaign_id, department, points, reason, by, at)
        SELECT id, campaign_id, department, points, reason, by, at FROM adjustments;
    DROP TABLE adjustments;
    ALTER TABLE adjustments_v2 RENAME TO adjustments;

    -- set only by an undo: the audit entry it reverts (the trigger below labels the write 'undo')
    ALTER TABLE scores ADD COLUMN undoes INTEGER;
    ALTER TABLE invites ADD COLUMN revoked_at TEXT;

    CREATE TABLE audit_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        {_AUDIT_COLUMNS}
        undoes INTEGER,                 -- an undo names the entry it reverts
        prev_hash TEXT,
        hash TEXT
    );
    -- every entry is chained to the one before it as it is appended
    CREATE TRIGGER audit_chain AFTER INSERT ON audit_v2 BEGIN
        UPDATE audit_v2 SET
            prev_hash = (SELECT hash FROM audit_v2 WHERE id < NEW.id ORDER BY id DESC LIMIT 1),
            hash = kaoping_chain(
                (SELECT hash FROM audit_v2 WHERE id < NEW.id ORDER BY id DESC LIMIT 1),
                NEW.id, NEW.at, NEW.campaign_id, NEW.actor, NEW.action, NEW.subject, NEW.assignment_id,
                NEW.old, NEW.new, NEW.source, NEW.undoes)
        WHERE id = NEW.id;
    END;
    INSERT INTO audit_v2 (id, at, campaign_id, actor, action, subject, assignment_id, old, new, source)
        SELECT id, at, campaign_id, actor, action, subject, assignment_id, old, new, source FROM audit ORDER BY id;
    DROP TABLE audit;
    ALTER TABLE audit_v2 RENAME TO audit;
    CREATE INDEX audit_assignment ON audit (assignment_id);
    CREATE INDEX audit_campaign ON audit (campaign_id);
    CREATE INDEX audit_undoes ON audit (undoes) WHERE undoes IS NOT NULL;
    -- append-only: only the chain trigger fills in a new entry's hash
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END;

    -- Every score write is audited in the same statement as the write (one round trip per tap).
    {_scores_audit_triggers(undo=True)}

    -- A confirmation button names the action it confirms; a second tap (or a redelivered update) finds
    -- it decided and answers as the first did.
    CREATE TABLE pending (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        telegram_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled', 'failed')),
        result TEXT,
        decided_at TEXT
    );
    -- Notices to people that an action elsewhere (the CLI, another user) owes them; the running bot
    -- delivers them in the recipient's language.
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        kind TEXT NOT NULL CHECK (kind IN ('rater', 'staff', 'telegram')),
        key TEXT NOT NULL,
        text_key TEXT NOT NULL,
        args TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        outcome TEXT
    );
    CREATE INDEX outbox_unsent ON outbox (sent_at) WHERE sent_at IS NULL;
    """,
    """
    -- core (issue 13): the "type a value / comment / reason" prompts live in the store, so a restart
    -- continues them (aiogram's FSM storage on our database: bot/prompt_storage.py)
    CREATE TABLE prompts (
        key TEXT PRIMARY KEY,           -- aiogram's StorageKey, joined
        state TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    );
    """,
    """
    -- h4: the Telegram language seen on a user's last update (a reminder sent later knows it), and the
    -- last manual /remind per milestone (its quiet period; recorded before the burst is sent)
    ALTER TABLE users ADD COLUMN tg_lang TEXT;
    CREATE TABLE manual_reminds (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        milestone TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        counts TEXT,
        PRIMARY KEY (campaign_id, milestone)
    );
    """,
    """
    -- h3: reminders.attempt_at: the moment the Telegram call of a reminder started. A row with
    -- attempt_at and no sent_at is a send whose outcome is unknown (the process died during the call
    -- or before recording it): never sent again, recorded with outcome 'unknown'.
    ALTER TABLE reminders ADD COLUMN attempt_at TEXT;
    """,
    """
    -- h5: materials a department hands in (its summary, its self-check), by Telegram file id;
    -- kind NULL while the contact has not said which of its department's materials a file is.
    -- Withdrawn files stay (withdrawn_at set); every change is audited with the file's SHA-256.
    CREATE TABLE materials (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        department TEXT NOT NULL,
        kind TEXT,
        file_type TEXT NOT NULL CHECK (file_type IN ('document', 'photo')),
        file_id TEXT NOT NULL,
        file_unique_id TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        rater TEXT NOT NULL,
        telegram_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        withdrawn_at TEXT,
        withdrawn_by TEXT
    );
    -- the same file sent twice (or one update delivered twice) is one row
    CREATE UNIQUE INDEX materials_once ON materials (campaign_id, department, file_unique_id)
        WHERE withdrawn_at IS NULL;
    """,
    f"""
    -- h9: identity_version.n moves whenever users, bindings or campaigns change, in any process (the CLI's
    -- `kaoping load` and invites included): the bot keeps who-is-who in memory while it stands still.
    CREATE TABLE identity_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
    );
    INSERT INTO identity_version (id, n) VALUES (1, 0);
    {_IDENTITY_TRIGGERS}
    """,
]


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring the database to the newest version; return that version."""
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    version = row[0] if row else 0
    if version >= len(MIGRATIONS):
        return len(MIGRATIONS)
    # Rebuilding a table (SQLite's way to change a key) needs foreign keys off, which cannot change
    # inside a transaction; the check before COMMIT keeps what they would have kept.
    await conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            # executescript commits first; the version bump is part of the script
            await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};")
            async with conn.execute("PRAGMA foreign_key_check") as cur:
                broken = list(await cur.fetchall())
            if broken:
                await conn.execute("ROLLBACK")
                raise RuntimeError(f"migration {number} would break foreign keys: {broken[:5]}")
            await conn.execute("COMMIT")
    finally:
        await conn.execute("PRAGMA foreign_keys=ON")
    return len(MIGRATIONS)
