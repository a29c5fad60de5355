"""The frame of the small synthetic campaigns that property tests build per example: one year, one
milestone `m`, one sector `s`; the test gives the parts, profiles, departments and raters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from scoring.campaign import Campaign, Milestone, Period, Sector


def synthetic(key: str, title: str, **fields: Any) -> Campaign:
    return Campaign(
        key=key,
        title=title,
        period=Period(start=date(2024, 1, 1), end=date(2024, 12, 31)),
        milestones=[Milestone(key="m", name="截止", due=datetime(2025, 1, 10))],
        sectors=[Sector(key="s", name="口")],
        **fields,
    )
