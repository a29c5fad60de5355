"""What a report file says about itself: which campaign, when it was made, whether it is final, for whom.

Every report file (table, CSV, XLSX, JSON) carries a `FileStamp`. The rule for "provisional" is the
domain's (`scoring.provisional`), the views are the domain's (`scoring.disclosure`); this only stamps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scoring.campaign import Campaign
from scoring.disclosure import ADMIN
from scoring.provisional import is_provisional


@dataclass(frozen=True, slots=True)
class FileStamp:
    made: str  # when the file was made, local time in the campaign's timezone: "2025-01-08 14:30 Asia/Shanghai"
    provisional: bool  # a milestone is still open, or something is missing
    view: str = ADMIN  # ADMIN: the full result, individual scores included; STAFF: what a non-admin may see


def local_time(campaign: Campaign, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(campaign.timezone))


def file_stamp(campaign: Campaign, now: datetime, unsubmitted: int, complete: bool, view: str = ADMIN) -> FileStamp:
    local = local_time(campaign, now)
    return FileStamp(f"{local:%Y-%m-%d %H:%M} {campaign.timezone}",
                     is_provisional(campaign, unsubmitted, now, complete), view)
