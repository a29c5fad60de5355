"""The campaign file's model: one assessment round as the regulation describes it.

The model only checks the shape of each field; whether the pieces fit
together (references, weights, rules) is `scoring.validation`'s job, so that
every problem of a file is reported at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
Weight = Annotated[float, Field(ge=0)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Method(StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED_MEAN = "trimmed_mean"


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    COLLECTOR = "collector"
    APPROVER = "approver"


class Scale(Model):
    min: float = 0
    max: float = 100
    decimals: int = Field(default=1, ge=0, le=2)


class Grade(Model):
    """A named button (优秀, 良好, ...) that stands for a value on the scale."""

    label: str = Field(min_length=1, max_length=12)
    label_en: str | None = Field(default=None, max_length=16)
    value: float


class Milestone(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    due: datetime  # local time in the campaign's timezone (naive in the file)


class Group(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    weight: Weight = 1.0
    method: Method = Method.MEAN
    min_raters: int = Field(default=1, ge=1)
    milestone: Key
    requires_approval: bool = False
    # False for groups whose raters are bodies (a sector panel, an enterprise
    # channel): chat reports then show their results even from a single rater.
    confidential: bool = True
    # Default assignment rule for members of the group; a rater may override it.
    assign: AssignRule = "all"
    # Another group whose raters see this group's values on their cards (a
    # self-evaluation informing the key-work lead). Counts only with `weight`.
    informs: Key | None = None


class Part(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    groups: list[Group] = Field(min_length=1)
    # The weights of the part's groups in one place (group -> weight); a group
    # listed here takes this weight instead of its own `weight`.
    weights: dict[Key, Weight] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _apply_weights(self) -> Part:
        known = {g.key for g in self.groups}
        unknown = sorted(set(self.weights) - known)
        if unknown:
            raise ValueError(
                f"weights name group(s) {', '.join(unknown)} that are not in this part "
                f"(its groups: {', '.join(sorted(known))})"
            )
        if self.weights:
            groups = [g.model_copy(update={"weight": self.weights[g.key]}) if g.key in self.weights else g
                      for g in self.groups]
            object.__setattr__(self, "groups", groups)
        return self


class Sector(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None


class Department(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    sector: Key
    profile: Key


class SectorRule(Model):
    sector: Key


class ListRule(Model):
    departments: list[Key] = Field(min_length=1)


# all | peers (own sector, never the own department) | own (self-evaluation)
# | {sector: KEY} | {departments: [KEY, ...]}
AssignRule = Literal["all", "peers", "own"] | SectorRule | ListRule
Group.model_rebuild()


class Membership(Model):
    group: Key
    assign: AssignRule | None = None  # None: the group's default rule


class MaterialKind(Model):
    """Files each department hands in (its year's summary, its self-check) for the raters of some groups.

    Every department assigned in one of `shown_to` owes them; any rater whose
    `department` is that department (its contact) hands them in, in the chat,
    until the milestone.
    """

    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    milestone: Key
    shown_to: list[Key] = Field(min_length=1)  # groups whose raters see the files on their cards


class Rater(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    department: Key | None = None  # own department: for `peers` and `own` rules
    groups: list[Key | Membership] = Field(min_length=1)
    # departments the rater must not score (declared conflicts of interest)
    conflicts: list[Key] = Field(default_factory=list)

    def memberships(self) -> list[Membership]:
        return [m if isinstance(m, Membership) else Membership(group=m) for m in self.groups]


class Staff(Model):
    key: Key
    name: str = Field(min_length=1)
    name_en: str | None = None
    roles: list[Role] = Field(min_length=1)
    collects_for: list[Key] = Field(default_factory=list)  # rater keys (collector)
    approves: list[Key] = Field(default_factory=list)  # group keys (approver)


_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`90s`, `5m`, `2h`, `3d` -> timedelta; anything else is a ValueError."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a duration such as 90s, 5m, 2h or 3d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class QuietHours(Model):
    start: time = time(22, 0)
    end: time = time(8, 0)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_text(cls, value: object) -> object:
        # YAML reads an unquoted 22:00 as the sexagesimal number 1320, which
        # pydantic would take as 00:22 UTC; insist on the quoted "HH:MM" form.
        if not isinstance(value, str | time):
            raise ValueError('write a local time in quotes, like "22:00"')
        if isinstance(value, str) and not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value.strip()):
            raise ValueError('write a local time in quotes, like "22:00"')
        return value


class Reminders(Model):
    offsets: list[str] = Field(default_factory=lambda: ["3d", "1d", "2h"])
    quiet_hours: QuietHours | None = QuietHours()
    # a staff member's /remind of the same milestone is refused for this long after the last one
    manual_quiet: str = "1h"

    @field_validator("offsets")
    @classmethod
    def _durations(cls, offsets: list[str]) -> list[str]:
        for text in offsets:
            parse_duration(text)
        return offsets

    @field_validator("manual_quiet")
    @classmethod
    def _quiet(cls, text: str) -> str:
        parse_duration(text)
        return text

    def manual_quiet_delta(self) -> timedelta:
        return parse_duration(self.manual_quiet)

    def deltas(self) -> list[timedelta]:
        return sorted({parse_duration(o) for o in self.offsets}, reverse=True)


class Period(Model):
    start: date
    end: date


EXTERNAL = "external"


class Campaign(Model):
    key: Key
    title: str = Field(min_length=1)
    title_en: str | None = None
    timezone: str = "Asia/Shanghai"
    # the language of messages to someone who chose none with /lang and whose Telegram language is neither
    default_lang: Literal["zh", "en"] = "zh"
    period: Period
    scale: Scale = Scale()
    presets: list[float] = Field(default_factory=lambda: [100.0, 95.0, 90.0, 85.0, 80.0, 70.0, 60.0])
    grades: list[Grade] = Field(default_factory=list)
    milestones: list[Milestone] = Field(min_length=1)
    parts: list[Part] = Field(min_length=1)
    # profile -> part -> weight; the string "external" for imported final scores
    profiles: dict[Key, dict[Key, Weight] | Literal["external"]]
    sectors: list[Sector] = Field(min_length=1)
    departments: list[Department] = Field(min_length=1)
    raters: list[Rater] = Field(min_length=1)
    staff: list[Staff] = Field(default_factory=list)
    materials: list[MaterialKind] = Field(default_factory=list)
    reminders: Reminders = Reminders()
    adjustment_cap: float | None = Field(default=None, gt=0)
    # chat reports withhold a group's result while fewer raters scored it
    report_min_raters: int = Field(default=3, ge=1)

    # -- lookups the rest of the code relies on -------------------------------

    def groups(self) -> list[tuple[Part, Group]]:
        return [(part, group) for part in self.parts for group in part.groups]

    def group(self, key: str) -> Group:
        return next(g for _, g in self.groups() if g.key == key)

    def part_of(self, group_key: str) -> Part:
        return next(p for p, g in self.groups() if g.key == group_key)

    def department(self, key: str) -> Department:
        return next(d for d in self.departments if d.key == key)

    def rater(self, key: str) -> Rater:
        return next(r for r in self.raters if r.key == key)

    def milestone(self, key: str) -> Milestone:
        return next(m for m in self.milestones if m.key == key)

    def milestones_past(self, now: datetime) -> bool:
        """True when every milestone's deadline (local time in the campaign's timezone) is before `now` (aware)."""
        tz = ZoneInfo(self.timezone)
        return all(m.due.replace(tzinfo=tz) < now for m in self.milestones)

    def informing(self, group_key: str) -> list[Group]:
        """The groups whose values inform `group_key`'s raters (shown on their cards)."""
        return [g for _, g in self.groups() if g.informs == group_key]

    def materials_for(self, group_key: str) -> list[MaterialKind]:
        """The materials the raters of `group_key` see on their cards."""
        return [m for m in self.materials if group_key in m.shown_to]

    def is_external(self, profile: str) -> bool:
        return self.profiles.get(profile) == EXTERNAL

    def part_weight(self, profile: str, part: str) -> float:
        weights = self.profiles.get(profile)
        return weights.get(part, 0.0) if isinstance(weights, dict) else 0.0

    def button_values(self) -> list[tuple[str, float]]:
        """(label, value) of the quick-score buttons: grades if given, else presets."""
        if self.grades:
            return [(g.label, g.value) for g in self.grades]
        return [(format_value(v), v) for v in self.presets]

    def on_scale(self, value: float) -> bool:
        if not (self.scale.min <= value <= self.scale.max):
            return False
        quantum = Decimal(1).scaleb(-self.scale.decimals)
        return Decimal(str(value)) % quantum == 0


def format_value(value: float) -> str:
    """95.0 -> '95', 87.5 -> '87.5' (scores have at most two decimals)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"
