"""Role filters: a handler runs only for the roles it serves; others fall through to a refusal."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter

from handlers.identity import Me, StaffMember
from scoring.campaign import Role


class HasRole(Filter):
    """Lets through a `StaffMember` holding one of `roles` (every role is a staff role): a handler
    registered behind it takes `me: StaffMember`."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, event: Any, me: Me | None = None) -> bool:
        return isinstance(me, StaffMember) and me.has(*self.roles)
