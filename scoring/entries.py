"""One stored entry of the record, as the admin's exports list it (`kaoping scores`, the admin's workbook)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """Everything stored about one answer: the value and who gave it, how and when.

    A row may hold a comment alone (no value, not recused): the leaders' 提出意见 without a score.
    """

    rater: str
    group: str
    department: str
    value: float | None  # None: recused, or no value (a comment alone)
    recused: bool
    reason: str | None  # why the rater recused
    comment: str | None
    source: str  # 'bot', 'proxy' or 'import'
    entered_by: str  # 'rater:KEY', a collector, 'cli', ...
    at: str  # when it was last changed, local time in the campaign's timezone
    approved: bool = True  # the sheet's approval is recorded (meaningful only where the group needs one)
    late: bool = False  # entered after the group's milestone
