"""Who is writing: resolved once per update from the store and injected into handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import TelegramObject, User

from handlers.texts import pick_lang
from scoring.campaign import Campaign, Role, Staff
from storage.campaigns import StoredCampaign
from storage.people import User as StoredUser
from storage.sheets import Writer
from storage.store import Store


@dataclass(frozen=True, slots=True)
class Me:
    telegram_id: int
    lang: str
    stored: StoredCampaign | None = None
    raters: tuple[str, ...] = ()  # every rater role this account holds, in binding order
    staff: Staff | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def rater(self) -> str | None:
        """The first rater role (most accounts hold one); `raters` has them all."""
        return self.raters[0] if self.raters else None

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
            own=self.raters,
            proxy_for=self.proxy_for,
            proxy_actor=f"staff:{self.staff.key}" if self.staff else "",
        )


async def resolve(store: Store, user: User) -> Me:
    found = await store.people.user(user.id)
    if found.unreachable:  # they are writing to us, so they have unblocked the bot
        await store.people.mark_unreachable(user.id, False)
    if user.language_code and user.language_code[:16] != found.tg_lang:  # for reminders sent later
        await store.people.set_tg_lang(user.id, user.language_code)
    return await identify(store, found, user)


async def identify(store: Store, found: StoredUser, user: User) -> Me:
    """`Me` from a user read from the store; no round trip when their campaign version is parsed already."""
    if not found.bindings:
        return me_of(found, user, None)
    return me_of(found, user, await store.campaigns.at_version(found.bindings[0].campaign_id, found.campaign_version))


def identify_cached(store: Store, found: StoredUser, user: User) -> Me | None:
    """`identify` without waiting: None when their campaign version is not parsed yet. Pure and quick,
    so a function that `Database.run` runs on the database's thread may call it."""
    if not found.bindings:
        return me_of(found, user, None)
    stored = store.campaigns.cached(found.bindings[0].campaign_id, found.campaign_version)
    return None if stored is None else me_of(found, user, stored)


def me_of(found: StoredUser, user: User, stored: StoredCampaign | None) -> Me:
    lang = pick_lang(found.lang, user.language_code or found.tg_lang,
                     stored.campaign.default_lang if stored is not None else None)
    if stored is None:
        return Me(user.id, lang)
    # raters removed from the campaign since binding are dropped
    raters = tuple(b.key for b in found.bindings if b.kind == "rater" and b.key in stored.rater_keys)
    staff_keys = [b.key for b in found.bindings if b.kind == "staff"]
    members = [s for s in stored.campaign.staff if s.key in staff_keys]
    roles = frozenset(role for s in members for role in s.roles)
    return Me(user.id, lang, stored, raters, members[0] if members else None, roles)


# Handler flag: the handler resolves who taps itself, in its one round trip to the store (score taps).
RESOLVES_IDENTITY = "resolves_identity"


class IdentityMiddleware(BaseMiddleware):
    """Every handler receives `me: Me`, resolved once per update.

    As the outer middleware on updates it resolves before routing, so that filters see `me`, except
    for the updates `defer` claims (score taps: their handler carries the RESOLVES_IDENTITY flag and
    reads who taps in the same round trip as the write). As an inner middleware on callback queries
    it resolves, once the filters have picked the handler, for a deferred update whose handler is
    not flagged: a malformed score tap that falls through to the fallback still gets its `me`."""

    def __init__(self, defer: Callable[[TelegramObject], bool] | None = None) -> None:
        self.defer = defer

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and "me" not in data and not self._deferred(event, data):
            data["me"] = await resolve(data["store"], user)
        return await handler(event, data)

    def _deferred(self, event: TelegramObject, data: dict[str, Any]) -> bool:
        if self.defer is not None:
            return self.defer(event)
        return bool(get_flag(data, RESOLVES_IDENTITY))
