"""What a valid adjustment is: one rule for the chat and the command line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from scoring.campaign import Campaign

POINTS_MAX = Decimal(100)
REASON_MAX = 300
# plain decimals only: an optional sign, at most three digits, at most two decimals; no exponent
# (1e1), no nan/inf, no thousands separators, no spaces inside
_POINTS = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,2})?")


class AdjustmentRefused(ValueError):
    """`code` names the problem so each interface says it in its reader's language; `args` fill it in."""

    def __init__(self, code: str, message: str, **args: str) -> None:
        self.code, self.args_ = code, args
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AdjustmentRequest:
    department: str
    points: float
    reason: str
    notes: tuple[str, ...] = field(default=())


def find_department(campaign: Campaign, text: str) -> str | None:
    """A department by key, Chinese or English name."""
    for d in campaign.departments:
        if text in (d.key, d.name, d.name_en):
            return d.key
    return None


def parse_points(text: str) -> float:
    clean = unicodedata.normalize("NFKC", text).strip().replace("−", "-")
    if len(clean) > 8 or not _POINTS.fullmatch(clean):
        raise AdjustmentRefused(
            "points", f"points must be a plain number such as 2, -1.5 or +0.25 (at most two decimals), "
            f"not '{text[:20]}'", points=text[:20])
    number = Decimal(clean)
    if number == 0 or abs(number) > POINTS_MAX:
        raise AdjustmentRefused("points_range", f"points must be non-zero and within ±{POINTS_MAX}, not {clean}",
                                points=clean)
    return float(number)


def clean_reason(text: str) -> str:
    """The reason as stored: control characters removed, at most REASON_MAX characters."""
    reason = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == "\n").strip()
    if not reason:
        raise AdjustmentRefused("reason", "a reason is required (it is shown in the report and the audit log)")
    if len(reason) > REASON_MAX:
        raise AdjustmentRefused("reason_long", f"the reason is {len(reason)} characters; at most {REASON_MAX}",
                                n=str(len(reason)), max=str(REASON_MAX))
    return reason


def check_adjustment(campaign: Campaign, department: str, points: str, reason: str) -> AdjustmentRequest:
    """Validate an adjustment request; AdjustmentRefused says what is wrong."""
    key = find_department(campaign, department)
    if key is None:
        raise AdjustmentRefused("department", f"unknown department '{department[:40]}'", dept=department[:40])
    if campaign.is_external(campaign.department(key).profile):
        raise AdjustmentRefused(
            "external", f"'{department}' is assessed externally: its imported final score is its total "
            "(use import-results)", dept=department[:40])
    return AdjustmentRequest(key, parse_points(points), clean_reason(reason))
