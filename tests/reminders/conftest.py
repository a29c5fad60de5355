"""Fixtures of the reminder tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.reminders.support import World, build, make_world


@pytest.fixture
async def world(store: Store, clock, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(store, clock, tmp_path / "kaoping.db", build())
    yield w
    for svc in w.services:
        await svc.stop()
