"""The audit log's hash chain: each entry's hash covers its fields and the hash of the entry before it.

SQLite computes it in a trigger (`audit_chain`) by calling `chain_hash`, which `Database.open` registers
on every connection of ours. A connection that lacks it (someone editing the file with the sqlite3 shell)
cannot add an audit entry, and so cannot change a score without first dropping triggers: what
`kaoping verify` then finds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

SQL_NAME = "kaoping_chain"
FIELDS = ("id", "at", "campaign_id", "actor", "action", "subject", "assignment_id", "old", "new", "source",
          "undoes")


def chain_hash(prev: str | None, *fields: object) -> str:
    """sha256 over the previous hash and the entry's fields in a canonical JSON form."""
    body = json.dumps([prev or "", *fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Give a plain sqlite3 connection (benchmarks, maintenance scripts) what the chain trigger calls."""
    conn.create_function(SQL_NAME, 1 + len(FIELDS), chain_hash, deterministic=True)
