"""Who is writing: resolved once per update from the store and injected into handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from handlers.texts import pick_lang
from scoring.campaign import Campaign, Role, Staff
from storage.campaigns import StoredCampaign
from storage.sheets import Writer
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Me:
    telegram_id: int
    lang: str
    stored: StoredCampaign | None = None
    rater: str | None = None
    staff: Staff | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def campaign(self) -> Campaign:
        assert self.stored is not None
        return self.stored.campaign

    @property
    def bound(self) -> bool:
        return self.stored is not None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def proxy_for(self) -> tuple[str, ...]:
        return tuple(self.staff.collects_for) if self.staff and Role.COLLECTOR in self.roles else ()

    def writer(self) -> Writer:
        assert self.stored is not None
        return Writer(
            self.stored.id,
            own=self.rater,
            own_actor=f"rater:{self.rater}" if self.rater else "",
            proxy_for=self.proxy_for,
            proxy_actor=f"staff:{self.staff.key}" if self.staff else "",
        )


async def resolve(store: Store, user: User) -> Me:
    found = await store.people.user(user.id)
    if found.unreachable:  # they are writing to us, so they have unblocked the bot
        await store.people.mark_unreachable(user.id, False)
    lang = pick_lang(found.lang, user.language_code)
    if not found.bindings:
        return Me(user.id, lang)
    campaign_id = found.bindings[0].campaign_id
    stored = await store.campaigns.at_version(campaign_id, found.campaign_version)
    rater = next((b.key for b in found.bindings if b.kind == "rater"), None)
    staff_key = next((b.key for b in found.bindings if b.kind == "staff"), None)
    staff = next((s for s in stored.campaign.staff if s.key == staff_key), None)
    if rater is not None and rater not in stored.rater_keys:
        rater = None  # removed from the campaign since binding
    return Me(user.id, lang, stored, rater, staff, frozenset(staff.roles) if staff else frozenset())


class IdentityMiddleware(BaseMiddleware):
    """Outer middleware on updates: every handler receives `me: Me`."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None:
            data["me"] = await resolve(data["store"], user)
        return await handler(event, data)
