"""From stored rows to the scoring engine's report, in one pass over the scores."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from scoring.assignments import Assignment
from scoring.engine import Report, ScoreRow, compute
from storage.campaigns import StoredCampaign
from storage.db import stamp
from storage.store import Store


def milestone_stamps(stored: StoredCampaign) -> dict[str, str]:
    """group -> its milestone's due moment as a UTC stamp (comparable to stored stamps)."""
    campaign = stored.campaign
    zone = ZoneInfo(campaign.timezone)
    due = {m.key: stamp(m.due.replace(tzinfo=zone).astimezone(UTC)) for m in campaign.milestones}
    return {g.key: due[g.milestone] for _, g in campaign.groups()}


async def score_rows(store: Store, stored: StoredCampaign) -> list[ScoreRow]:
    deadline = milestone_stamps(stored)
    return [
        ScoreRow(rater, group, dept, value, bool(approved), updated_at > deadline[group])
        for rater, group, dept, value, approved, updated_at in await store.results.score_rows(stored.id)
    ]


async def build_report(store: Store, stored: StoredCampaign) -> tuple[Report, list[ScoreRow]]:
    rows = await score_rows(store, stored)
    assignments = [Assignment(*a) for a in await store.results.assignment_keys(stored.id)]
    adjustments = [(a.department, a.points) for a in await store.results.adjustments(stored.id)]
    external = await store.results.external(stored.id)
    report = compute(stored.campaign, assignments, rows, adjustments, external)
    return report, rows
