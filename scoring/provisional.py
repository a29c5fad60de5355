"""Whether a result is provisional: the rule every report file and the chat state, written once, here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scoring.campaign import Campaign


def is_provisional(campaign: Campaign, unsubmitted: int, now: datetime, complete: bool = True) -> bool:
    """Mid-campaign: a milestone is still ahead, some sheet is not submitted, or the full result lacks something.

    `complete`: every department of the full (admin's) result is complete. A staff view's withheld values are
    not missing: the result they belong to may well be final.
    """
    zone = ZoneInfo(campaign.timezone)
    return not complete or unsubmitted > 0 or any(m.due.replace(tzinfo=zone) > now for m in campaign.milestones)
