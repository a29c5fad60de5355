"""Progress of a campaign per group and rater: who is behind. Never a score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from storage.campaigns import StoredCampaign
from storage.store import Store


@dataclass(frozen=True, slots=True)
class RaterProgress:
    key: str
    name: str
    sheet_id: int
    state: str
    scored: int
    total: int
    unreachable: bool
    bound: bool
    imported: bool = False  # some of its scores came from an import

    @property
    def done(self) -> bool:
        return self.state == "submitted"

    @property
    def sheets(self) -> int:
        return 1

    @property
    def submitted(self) -> int:
        return int(self.done)


class _Counted(Protocol):
    @property
    def total(self) -> int: ...
    @property
    def scored(self) -> int: ...
    @property
    def sheets(self) -> int: ...
    @property
    def submitted(self) -> int: ...


class _Summed:
    """A count of a tally: the same count summed over its parts."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, tally: _Tally, owner: type | None = None) -> int:
        return sum(getattr(part, self.name) for part in tally._parts())


class _Tally:
    """Items scored of all, sheets submitted of all: summed over the parts (a group's raters, a campaign's
    groups)."""

    __slots__ = ()

    total = _Summed()  # items on the sheets
    scored = _Summed()  # items scored
    sheets = _Summed()
    submitted = _Summed()  # sheets submitted

    def _parts(self) -> Sequence[_Counted]:
        raise NotImplementedError


@dataclass(slots=True)
class GroupProgress(_Tally):
    key: str
    name: str
    part_name: str
    milestone: str
    due: datetime  # local, naive, as in the campaign file
    raters: list[RaterProgress] = field(default_factory=list)

    def _parts(self) -> list[RaterProgress]:
        return self.raters

    @property
    def laggards(self) -> list[RaterProgress]:
        return sorted((r for r in self.raters if not r.done), key=lambda r: (r.scored / max(r.total, 1), r.key))


@dataclass(slots=True)
class CampaignStatus(_Tally):
    key: str
    title: str
    groups: list[GroupProgress]

    def _parts(self) -> list[GroupProgress]:
        return self.groups


async def campaign_status(store: Store, stored: StoredCampaign) -> CampaignStatus:
    c = stored.campaign
    contacts = await store.people.contacts(stored.id)
    groups = {
        g.key: GroupProgress(g.key, g.name, p.name, g.milestone, c.milestone(g.milestone).due)
        for p, g in c.groups()
    }
    names = {r.key: r.name for r in c.raters}
    imported = await store.results.imported_sheets(stored.id)
    for row in await store.sheets.for_campaign(stored.id):
        contact = contacts.get(("rater", row.rater))
        groups[row.group].raters.append(
            RaterProgress(
                row.rater, names.get(row.rater, row.rater), row.id, row.state, row.scored, row.total,
                unreachable=bool(contact and contact.unreachable), bound=contact is not None,
                imported=(row.rater, row.group) in imported,
            )
        )
    return CampaignStatus(stored.key, c.title, [g for g in groups.values() if g.raters])
