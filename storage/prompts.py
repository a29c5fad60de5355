"""Open prompts ("type a value", "type the reason"): what the chat waits for from each user, kept in the store."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database


class PromptRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> dict[str, tuple[str | None, dict[str, Any]]]:
        """Every open prompt (few: a prompt lives from a tap to the typed answer)."""
        rows = await self.db.fetchall("SELECT key, state, data FROM prompts")
        return {k: (state, json.loads(data)) for k, state, data in rows}

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = await self.db.fetchone("SELECT state, data FROM prompts WHERE key = ?", (key,))
        return (row[0], json.loads(row[1])) if row else (None, {})

    async def put(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        if state is None and not data:
            await self.db.execute("DELETE FROM prompts WHERE key = ?", (key,))
            return
        await self.db.execute(
            "INSERT INTO prompts (key, state, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE"
            " SET state = excluded.state, data = excluded.data, updated_at = excluded.updated_at",
            (key, state, json.dumps(data, ensure_ascii=False), self.db.now()),
        )
