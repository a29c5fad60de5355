"""From stored rows to the scoring engine's report: SQLite adds up, the engine scores."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from scoring.disclosure import ADMIN, STAFF, HandedIn, staff_report
from scoring.engine import Report, ScoreRow, compute_tallied
from scoring.entries import ScoreEntry
from storage.campaigns import StoredCampaign
from storage.db import stamp
from storage.store import Store


def milestone_stamps(stored: StoredCampaign) -> dict[str, str]:
    """group -> its milestone's due moment as a UTC stamp (comparable to stored stamps)."""
    campaign = stored.campaign
    zone = ZoneInfo(campaign.timezone)
    due = {m.key: stamp(m.due.replace(tzinfo=zone).astimezone(UTC)) for m in campaign.milestones}
    return {g.key: due[g.milestone] for _, g in campaign.groups()}


def approval_groups(stored: StoredCampaign) -> list[str]:
    return [g.key for _, g in stored.campaign.groups() if g.requires_approval]


async def build_report(store: Store, stored: StoredCampaign) -> Report:
    # one pass in SQLite gives a tally per (group, department): no Python object per score
    tallies = await store.results.tallies(stored.id, milestone_stamps(stored), approval_groups(stored))
    adjustments = await store.results.adjustments_in_force(stored.id)  # revoked ones neither count nor show
    external = await store.results.external(stored.id)
    return compute_tallied(stored.campaign, tallies, adjustments, external)


async def build_view(store: Store, stored: StoredCampaign, view: str = ADMIN) -> tuple[Report, bool]:
    """The result for an audience, and whether the full result lacks nothing (for the files' "provisional").

    ADMIN: the full report; STAFF: what a non-admin may see (scoring.disclosure). The one function behind
    `kaoping report --view` and the chat's /report. Whether the full result is complete is a fact about the
    campaign, not about anyone's score, so the staff view may say it too.
    """
    campaign = stored.campaign
    tallies = await store.results.tallies(stored.id, milestone_stamps(stored), approval_groups(stored))
    adjustments = await store.results.adjustments_in_force(stored.id)
    external = await store.results.external(stored.id)
    full = compute_tallied(campaign, tallies, adjustments, external)
    complete = all(d.complete for d in full.departments)
    if view != STAFF:
        return full, complete
    secret = [g.key for _, g in campaign.groups() if g.confidential]
    handed: dict[tuple[str, str], HandedIn] = {}
    rows = await store.results.handed_in(stored.id, secret, approval_groups(stored), milestone_stamps(stored))
    for group, dept, value, recused, approved, late in rows:
        got = handed.get((group, dept))
        if got is None:
            got = handed[group, dept] = HandedIn()
        got.answered += 1
        got.late += late
        if recused:
            got.recused += 1
        elif not approved:
            got.pending += 1
        elif value is not None:
            got.cents.append(round(value * 100))
    return staff_report(campaign, tallies, handed, adjustments, external), complete


async def score_rows(store: Store, stored: StoredCampaign) -> list[ScoreRow]:
    """Every individual score, for the admin's workbook (the report itself does not need them)."""
    return await store.results.score_rows(stored.id, milestone_stamps(stored))


async def score_entries(store: Store, stored: StoredCampaign) -> list[ScoreEntry]:
    """Every entry with its record (comment, recusal reason, source, who, when in campaign time): admins only."""
    return await store.results.score_entries(stored.id, milestone_stamps(stored), ZoneInfo(stored.campaign.timezone))


async def counted_raters(
    store: Store, stored: StoredCampaign, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], set[str]]:
    """(group, department) -> the raters whose value counts there, for the few pairs asked about."""
    if not pairs:
        return {}
    return await store.results.counted_raters(stored.id, pairs, approval_groups(stored))
