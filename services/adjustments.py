"""Adjust a department's total (bonus or penalty with a reason) and revoke an adjustment."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.adjustments import AdjustmentRefused, AdjustmentRequest, check_adjustment, clean_reason
from storage.adjustments import RegisterEntry
from storage.campaigns import StoredCampaign
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Revoked:
    outcome: str  # 'revoked' | 'already' | 'unknown'
    entry: RegisterEntry | None


def request(stored: StoredCampaign, department: str, points: str, reason: str) -> AdjustmentRequest:
    """Check an adjustment before anything is stored (the chat shows it back for confirmation)."""
    return check_adjustment(stored.campaign, department, points, reason)


async def adjust(store: Store, stored: StoredCampaign, wanted: AdjustmentRequest, *, actor: str) -> RegisterEntry:
    """Store a checked adjustment; the register and the audit log both name the actor."""
    new_id = await store.adjustments.add(stored.id, wanted.department, wanted.points, wanted.reason, actor=actor)
    entry = await store.adjustments.get(stored.id, new_id)
    assert entry is not None
    return entry


async def revoke(store: Store, stored: StoredCampaign, adjustment_id: int, reason: str, *, actor: str) -> Revoked:
    """Revoke one adjustment; it stays in the register and the audit log. Twice is the same as once."""
    why = clean_reason(reason)
    outcome = await store.adjustments.revoke(stored.id, adjustment_id, why, actor=actor)
    return Revoked(outcome, await store.adjustments.get(stored.id, adjustment_id))


__all__ = ["AdjustmentRefused", "Revoked", "adjust", "request", "revoke"]
