"""An applied migration must never change.

Every database that exists has already run `MIGRATIONS[i]` as the text it had then; `PRAGMA
user_version` records only how many entries ran, not what they said. If an entry's SQL changed, a
new database would get a schema that no existing one has, and nothing would ever tell them apart.
So the SQL text of every landed entry is pinned here byte for byte (sha256 of its UTF-8 text, taken
from the entries as they landed). Building an entry from shared Python constants is fine as long as
the text it yields stays the same; a new entry is appended, and its hash added here once it lands.
"""

from __future__ import annotations

import hashlib

from storage.schema import MIGRATIONS

LANDED = [
    "5205abf6b8770bc399175513ffd1a41d105867bff68c0c9745bab62fb8ef0e29",  # 1: the first schema
    "fc83ec374f44afd12e29f05c6872a75731095c0ed40cbb0980df4be611710d8f",  # 2: core, issue 10/11
    "dce4fc9baa1fcb6b95120e5d3dbd625b1e612a314451021b28627088a5551ea4",  # 3: prompts
    "99c046de2c2c5e9501028a76c1a63057e4fd97b0bf23886de7e60578b4b43322",  # 4: h4, tg_lang, manual_reminds
    "cc5f02618662781bb85bb2872baebb9a005f6009f7cc9c64bd39aed7c4c02358",  # 5: h3, reminders.attempt_at
    "5032fb6e33e2e365e1c9348b649658be70cdb01e6acf60a73fc1028def1b9494",  # 6: h5, materials
    "a69a34c7a7abf32bc34eaee949fe5af8e6bfc3410970598041f47369b06a7628",  # 7: h9, identity_version
]


def test_landed_migrations_keep_their_exact_sql() -> None:
    assert len(MIGRATIONS) >= len(LANDED)
    changed = [
        number
        for number, (script, pinned) in enumerate(zip(MIGRATIONS[: len(LANDED)], LANDED, strict=True), start=1)
        if hashlib.sha256(script.encode("utf-8")).hexdigest() != pinned
    ]
    assert changed == [], f"migrations {changed} no longer say what existing databases ran"
