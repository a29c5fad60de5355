"""Who is writing: resolved once per update from the store and injected into handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from scoring.campaign import Campaign, Role, Staff
from storage.campaigns import StoredCampaign
from storage.people import User as StoredUser
from storage.sheets import Writer
from storage.store import Store
from texts import pick_lang


@dataclass(frozen=True, slots=True, kw_only=True)
class Me:
    """Whoever writes. `resolve` and `IdentityMiddleware` build the narrowest of the three: a `Me` bound to
    nothing, a `Member` bound to a campaign, a `StaffMember` holding a staff role in it. A handler that
    runs only behind a filter proving the narrower kind (`HasRole`: a StaffMember) takes it as its `me`."""

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
    def bound(self) -> bool:
        return self.stored is not None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def proxy_for(self) -> tuple[str, ...]:
        return tuple(self.staff.collects_for) if self.staff and Role.COLLECTOR in self.roles else ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Member(Me):
    """An account bound to a campaign (as a rater, staff, or both)."""

    stored: StoredCampaign

    @property
    def campaign(self) -> Campaign:
        return self.stored.campaign

    def writer(self) -> Writer:
        return Writer(
            self.stored.id,
            own=self.raters,
            proxy_for=self.proxy_for,
            proxy_actor=f"staff:{self.staff.key}" if self.staff else "",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMember(Member):
    """A member holding a staff role (every `Role` is one): `staff` is the first staff entry bound."""

    staff: Staff

    @property
    def actor(self) -> str:
        """Who did it, in the audit log."""
        return f"staff:{self.staff.key}"


async def resolve(store: Store, user: User) -> Me:
    """`Me` read from the store (a user marked unreachable who writes to us has unblocked the bot: the
    mark is cleared; the language Telegram reports is kept for reminders sent later)."""
    return await _me(store, user, await store.people.seen(user.id, user.language_code))


async def _me(store: Store, user: User, found: StoredUser) -> Me:
    stored = None
    if found.bindings:
        stored = await store.campaigns.at_version(found.bindings[0].campaign_id, found.campaign_version)
    return me_of(found, user, stored)


def me_of(found: StoredUser, user: User, stored: StoredCampaign | None) -> Me:
    lang = pick_lang(found.lang, user.language_code or found.tg_lang,
                     stored.campaign.default_lang if stored is not None else None)
    if stored is None:
        return Me(telegram_id=user.id, lang=lang)
    # raters removed from the campaign since binding are dropped
    raters = tuple(b.key for b in found.bindings if b.kind == "rater" and b.key in stored.rater_keys)
    staff_keys = [b.key for b in found.bindings if b.kind == "staff"]
    members = [s for s in stored.campaign.staff if s.key in staff_keys]
    if not members:
        return Member(telegram_id=user.id, lang=lang, stored=stored, raters=raters)
    roles = frozenset(role for s in members for role in s.roles)
    return StaffMember(telegram_id=user.id, lang=lang, stored=stored, raters=raters, staff=members[0], roles=roles)


class Identities:
    """Resolved users by Telegram id, kept while who-is-who stands still.

    Every change to users, bindings or campaigns, by this process or another (`kaoping load`, invites
    from the CLI), moves the store's identity version (`PeopleRepo.version`, read without a round trip);
    when somebody else moves it, everything kept is dropped. A user is kept only when read at exactly the
    version seen (`PeopleRepo.seen`), so a kept `Me` is what `resolve` would return now."""

    LIMIT = 50_000  # users kept at most (a city's raters and staff fit many times over)

    def __init__(self) -> None:
        self._version: int | None = None
        self._known: dict[int, tuple[str | None, Me]] = {}  # telegram id -> (language_code, Me)

    async def me(self, store: Store, user: User) -> Me:
        version = store.people.version()
        if version != self._version or version is None:
            self._known.clear()
            self._version = version
        known = self._known.get(user.id)
        if known is not None and known[0] == user.language_code:
            return known[1]
        found = await store.people.seen(user.id, user.language_code, version)
        me = await _me(store, user, found)
        if found.identity_version >= 0:  # true now: only this user's own record moved the version, if anything
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            self._version = found.identity_version
            self._known[user.id] = (user.language_code, me)
        return me


class IdentityMiddleware(BaseMiddleware):
    """Every handler receives `me: Me`, resolved once per update, before routing (filters see it too),
    the same way for every update; `Identities` spares the round trip while nothing has changed."""

    def __init__(self) -> None:
        self.identities = Identities()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None:
            data["me"] = await self.identities.me(data["store"], user)
        return await handler(event, data)
