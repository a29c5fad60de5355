"""The sandbox Bot API and the real bot polling it, for every end-to-end test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.runner import RunningBot
from sandbox import SandboxServer
from storage.store import Store

TOKEN = "123456:SANDBOX-kaoping-e2e-token"


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def running(store: Store, sandbox: SandboxServer, clock) -> AsyncIterator[RunningBot]:
    bot = RunningBot(store, TOKEN, sandbox.base_url, clock=clock)
    await bot.start()
    yield bot
    await bot.stop()
