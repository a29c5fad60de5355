"""Time as the handlers see it: an injected clock (tests control it) and local display."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.db import parse_stamp

Clock = Callable[[], datetime]


def local_time(stamp: str, timezone: str) -> str:
    """A stored UTC stamp as the campaign's local time, to the minute."""
    return f"{parse_stamp(stamp).astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"


def local_moment(moment: datetime, timezone: str) -> str:
    """An aware moment as the campaign's local time, to the minute."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"
