"""Reopen, approve and return sheets: the same rules and the same notices from the chat and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.adjustments import AdjustmentRefused, clean_reason
from storage.campaigns import StoredCampaign
from storage.sheets import SheetInfo
from storage.store import Store


class SheetRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class SheetChange:
    outcome: str  # 'done' | 'already' (this change happened before: nothing more) | 'refused'
    sheet: SheetInfo


async def find_sheet(store: Store, stored: StoredCampaign, rater: str, group: str) -> SheetInfo:
    campaign = stored.campaign
    if rater not in stored.rater_keys:
        raise SheetRefused("rater", f"unknown rater '{rater[:40]}'")
    if group not in {g.key for _, g in campaign.groups()}:
        raise SheetRefused("group", f"unknown group '{group[:40]}'")
    sheet = await store.sheets.find(stored.id, rater, group)
    if sheet is None:
        raise SheetRefused("no_sheet", f"rater '{rater}' has no sheet in group '{group}'")
    return sheet


def reason_of(text: str) -> str:
    try:
        return clean_reason(text)
    except AdjustmentRefused as exc:
        raise SheetRefused("reason", str(exc)) from None


async def reopen(store: Store, stored: StoredCampaign, sheet: SheetInfo, reason: str, *, actor: str) -> SheetChange:
    """Reopen a submitted sheet with a reason; the rater is told (the outbox, in their language)."""
    why = reason_of(reason)
    async with store.db.transaction():
        fresh = await store.sheets.get(sheet.id)
        if fresh is None or fresh.campaign_id != stored.id:
            raise SheetRefused("no_sheet", "no such sheet")
        if fresh.state == "reopened" and fresh.reopen_reason == why:
            return SheetChange("already", fresh)
        if not await store.sheets.reopen(sheet.id, why, actor=actor):
            return SheetChange("refused", fresh)
        await store.outbox.add(stored.id, "rater", sheet.rater, "reopen.told_rater", group=sheet.group,
                               comment=why, sheet=sheet.id)
        after = await store.sheets.get(sheet.id)
    assert after is not None
    return SheetChange("done", after)


async def submitted_sheets(store: Store, stored: StoredCampaign, search: str = "") -> list[SheetInfo]:
    """Submitted sheets, newest first; `search` matches a rater's key or name, or a group's key or name."""
    campaign = stored.campaign
    needle = search.strip().lower()
    found = []
    for sheet in await store.sheets.for_campaign(stored.id):
        if sheet.state != "submitted":
            continue
        if needle:
            rater, group = campaign.rater(sheet.rater), campaign.group(sheet.group)
            names = (rater.key, rater.name, rater.name_en or "", group.key, group.name, group.name_en or "")
            if not any(needle in n.lower() for n in names):
                continue
        found.append(sheet)
    return sorted(found, key=lambda s: s.submitted_at or "", reverse=True)
