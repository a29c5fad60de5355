"""When reminders are due: pure functions of the campaign and the moment, no I/O.

- a reminder (rater, milestone, offset) is due from `due - offset` until the milestone's `due`; days of
  an offset count in local calendar days (3d before 18:00 is 18:00 three days earlier, also across a DST
  change), the rest in real hours/minutes/seconds. Times are the campaign's local times (zoneinfo).
- only the latest due offset of a (rater, milestone) is sent; older ones not yet recorded are `skipped`
  (after downtime a rater gets one reminder, not three).
- inside quiet hours (local; may cross midnight) a reminder waits until they end. If they end at or
  after the milestone's due, it is `dropped`.
- after the milestone passes, reminders never sent are `dropped`, and the digest goes out (it also waits
  for the end of quiet hours). A milestone more than `grace` in the past is ignored altogether.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scoring.campaign import Campaign, Milestone, QuietHours

SKIPPED = "skipped"
DROPPED = "dropped"


class Step(StrEnum):
    """What to do now about one not yet recorded (rater, milestone, offset)."""

    SEND = "send"
    SKIPPED = SKIPPED  # an older offset than the latest due one
    DROPPED = DROPPED  # too late: the milestone passed, or quiet hours outlast it
    WAIT = "wait"  # quiet hours: decide again when they end


def milestone_due(campaign: Campaign, milestone: Milestone) -> datetime:
    """The milestone's local `due` as an aware UTC moment."""
    return milestone.due.replace(tzinfo=ZoneInfo(campaign.timezone)).astimezone(UTC)


def reminder_at(due_local: datetime, tz: ZoneInfo, offset: timedelta) -> datetime:
    """`offset` before a naive local due: whole days on the local calendar, the rest in real time."""
    local = due_local - timedelta(days=offset.days)
    rest = offset - timedelta(days=offset.days)
    return local.replace(tzinfo=tz).astimezone(UTC) - rest


@dataclass(frozen=True, slots=True)
class Slot:
    milestone: str
    offset_s: int
    at: datetime  # UTC


def schedule(campaign: Campaign) -> list[Slot]:
    """Every reminder moment of the campaign, earliest first."""
    tz = ZoneInfo(campaign.timezone)
    slots = [
        Slot(m.key, int(d.total_seconds()), reminder_at(m.due, tz, d))
        for m in campaign.milestones
        for d in campaign.reminders.deltas()
    ]
    return sorted(slots, key=lambda s: s.at)


def in_quiet(moment: time, quiet: QuietHours | None) -> bool:
    if quiet is None or quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:
        return quiet.start <= moment < quiet.end
    return moment >= quiet.start or moment < quiet.end  # across midnight


def quiet_end(campaign: Campaign, now: datetime) -> datetime | None:
    """When the quiet hours that `now` falls in end (UTC); None outside quiet hours."""
    quiet = campaign.reminders.quiet_hours
    tz = ZoneInfo(campaign.timezone)
    local = now.astimezone(tz)
    if quiet is None or not in_quiet(local.time().replace(tzinfo=None), quiet):
        return None
    end = datetime.combine(local.date(), quiet.end)
    if end <= local.replace(tzinfo=None):
        end += timedelta(days=1)
    return end.replace(tzinfo=tz).astimezone(UTC)


def active_milestones(campaign: Campaign, now: datetime, grace: timedelta) -> list[tuple[Milestone, datetime]]:
    """Milestones with something to do now (their first reminder has come, they passed less than `grace`
    ago), each with its due moment (UTC)."""
    tz = ZoneInfo(campaign.timezone)
    deltas = campaign.reminders.deltas()
    active = []
    for m in campaign.milestones:
        due = milestone_due(campaign, m)
        first = min((reminder_at(m.due, tz, d) for d in deltas), default=due)
        if first <= now < due + grace:
            active.append((m, due))
    return active


def due_offsets(campaign: Campaign, milestone: Milestone, now: datetime) -> list[timedelta]:
    """The reminder offsets of `milestone` whose moment has come (the same for every rater)."""
    tz = ZoneInfo(campaign.timezone)
    return [d for d in campaign.reminders.deltas() if reminder_at(milestone.due, tz, d) <= now]


def step(offset: timedelta, latest: timedelta, now: datetime, due: datetime, quiet_until: datetime | None) -> Step:
    """The rule for one due offset not yet recorded; `latest`: the smallest due offset of the milestone,
    `quiet_until`: `quiet_end(campaign, now)`."""
    if now >= due:
        return Step.DROPPED
    if offset != latest:
        return Step.SKIPPED
    if quiet_until is None:
        return Step.SEND
    if quiet_until >= due:
        return Step.DROPPED  # quiet hours outlast the milestone
    return Step.WAIT


def digest_due(now: datetime, due: datetime, quiet_until: datetime | None) -> bool:
    """The digest after a milestone: once it has passed, outside quiet hours."""
    return now >= due and quiet_until is None
