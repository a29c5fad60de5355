"""From stored rows to the scoring engine's report, in one pass over the scores."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

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


def _objects(rows: list[tuple]) -> list[ScoreRow]:
    return [ScoreRow(rater, group, dept, value, approved == 1, late == 1)
            for rater, group, dept, value, approved, late in rows]


async def build_report(store: Store, stored: StoredCampaign) -> tuple[Report, list[ScoreRow]]:
    # the engine reads the plain tuples (no object per row) and only the number of assignments
    # per (group, department); the ScoreRow objects are for the callers
    raw = await store.results.report_rows(stored.id, milestone_stamps(stored))
    expected = await store.results.expected_counts(stored.id)
    adjustments = [(a.department, a.points) for a in await store.results.adjustments(stored.id)]
    external = await store.results.external(stored.id)
    report = compute(stored.campaign, expected, raw, adjustments, external)
    return report, _objects(raw)
