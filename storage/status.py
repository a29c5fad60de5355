"""Progress of a campaign per group and rater: who is behind. Never a score."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass(slots=True)
class GroupProgress:
    key: str
    name: str
    part_name: str
    milestone: str
    due: datetime  # local, naive, as in the campaign file
    raters: list[RaterProgress] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.raters)

    @property
    def scored(self) -> int:
        return sum(r.scored for r in self.raters)

    @property
    def sheets(self) -> int:
        return len(self.raters)

    @property
    def submitted(self) -> int:
        return sum(r.done for r in self.raters)

    @property
    def laggards(self) -> list[RaterProgress]:
        return sorted((r for r in self.raters if not r.done), key=lambda r: (r.scored / max(r.total, 1), r.key))


@dataclass(slots=True)
class CampaignStatus:
    key: str
    title: str
    groups: list[GroupProgress]

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def scored(self) -> int:
        return sum(g.scored for g in self.groups)

    @property
    def sheets(self) -> int:
        return sum(g.sheets for g in self.groups)

    @property
    def submitted(self) -> int:
        return sum(g.submitted for g in self.groups)


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
