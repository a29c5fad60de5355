"""aiogram's FSM storage on our database: a prompt survives a restart.

aiogram reads the state of every update; the score tap must stay one round trip to the store, so the
open prompts are read from the store once, at the first update after a start, and kept in this process,
written through. One process serves a database (`kaoping run` refuses a second), so they cannot go stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.prompts import PromptRepo


def _key(key: StorageKey) -> str:
    parts = (key.bot_id, key.chat_id, key.user_id, key.thread_id or "", key.business_connection_id or "", key.destiny)
    return ":".join(map(str, parts))


class StorePromptStorage(BaseStorage):
    def __init__(self, prompts: PromptRepo) -> None:
        self.prompts = prompts
        self._cache: dict[str, tuple[str | None, dict[str, Any]]] | None = None

    async def _load(self, key: StorageKey) -> tuple[str, tuple[str | None, dict[str, Any]]]:
        if self._cache is None:
            self._cache = await self.prompts.all()
        k = _key(key)
        return k, self._cache.get(k, (None, {}))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        k, (_, data) = await self._load(key)
        value = state.state if isinstance(state, State) else state
        await self.prompts.put(k, value, data)
        self._remember(k, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        _, (state, _) = await self._load(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        k, (state, _) = await self._load(key)
        copy = dict(data)
        await self.prompts.put(k, state, copy)
        self._remember(k, state, copy)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, (_, data) = await self._load(key)
        return dict(data)

    def _remember(self, k: str, state: str | None, data: dict[str, Any]) -> None:
        assert self._cache is not None
        if state is None and not data:
            self._cache.pop(k, None)
        else:
            self._cache[k] = (state, data)

    async def close(self) -> None:
        self._cache = None
