"""What a report file says about itself: which campaign, when it was made, whether it is final, for whom.

Every report file (table, CSV, XLSX, JSON) carries a `FileStamp`. The rule
for "provisional" lives here, once, for the chat and the CLI alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scoring.campaign import Campaign

ADMIN, STAFF = "admin", "staff"
VIEWS = (ADMIN, STAFF)


@dataclass(frozen=True, slots=True)
class FileStamp:
    made: str  # when the file was made, local time in the campaign's timezone: "2025-01-08 14:30 Asia/Shanghai"
    provisional: bool  # a milestone is still open, or something is missing
    view: str = ADMIN  # ADMIN: the full result, individual scores included; STAFF: what a non-admin may see


def is_provisional(campaign: Campaign, unsubmitted: int, now: datetime, complete: bool = True) -> bool:
    """Mid-campaign: a milestone is still ahead, some sheet is not submitted, or the full result lacks something.

    `complete`: every department of the full (admin's) result is complete. A staff view's withheld values are
    not missing: the result they belong to may well be final.
    """
    zone = ZoneInfo(campaign.timezone)
    return not complete or unsubmitted > 0 or any(m.due.replace(tzinfo=zone) > now for m in campaign.milestones)


def local_time(campaign: Campaign, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(campaign.timezone))


def file_stamp(campaign: Campaign, now: datetime, unsubmitted: int, complete: bool, view: str = ADMIN) -> FileStamp:
    local = local_time(campaign, now)
    return FileStamp(f"{local:%Y-%m-%d %H:%M} {campaign.timezone}",
                     is_provisional(campaign, unsubmitted, now, complete), view)
