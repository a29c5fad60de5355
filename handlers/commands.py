"""Which commands a person may use, for their menu, their /help and the bot's honest replies.

`commands_for(me)` is the one place that knows it: the chat's command menu (set on bind and on /lang),
/help and the reply to anything the bot does not understand are all built from it.
"""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from handlers.identity import Me
from scoring.campaign import Role
from texts import t

log = logging.getLogger(__name__)

# what everyone may send, bound or not: the default menu (BotCommandScopeDefault)
EVERYONE = ("start", "help", "lang")

# command -> the roles whose handlers serve it (the routers' HasRole filters say the same)
BY_ROLE: tuple[tuple[str, frozenset[Role]], ...] = (
    ("status", frozenset({Role.ADMIN, Role.STAFF, Role.COLLECTOR})),
    ("report", frozenset({Role.ADMIN, Role.STAFF})),
    ("remind", frozenset({Role.ADMIN, Role.STAFF})),
    ("adjust", frozenset({Role.ADMIN, Role.STAFF})),
    ("adjustments", frozenset({Role.ADMIN, Role.STAFF})),
    ("revoke", frozenset({Role.ADMIN})),
    ("reopen", frozenset({Role.ADMIN})),
    ("history", frozenset({Role.ADMIN})),
    ("approve", frozenset({Role.APPROVER})),
)
# what whoever scores (their own sheets or a leader's) may use
SCORING = ("receipts",)
KNOWN = frozenset(EVERYONE) | {name for name, _ in BY_ROLE} | frozenset(SCORING)


def commands_for(me: Me) -> list[str]:
    """The commands this person may use, in menu order (all of their roles)."""
    if not me.bound:
        return list(EVERYONE)
    scoring = list(SCORING) if me.raters or me.proxy_for else []
    return list(EVERYONE) + scoring + [name for name, roles in BY_ROLE if me.roles & roles]


def command_list(me: Me) -> str:
    """`/status — progress` lines, one per command this person may use."""
    return "\n".join(t(me.lang, "commands.line", command=c, description=t(me.lang, f"cmd.{c}"))
                     for c in commands_for(me))


def menu(lang: str, names: list[str]) -> list[BotCommand]:
    return [BotCommand(command=c, description=t(lang, f"cmd.{c}")) for c in names]


async def set_chat_menu(bot: Bot, chat_id: int, me: Me) -> None:
    """This chat's command menu: the person's commands, in their language. A failure only logs:
    the menu is a convenience, the commands work without it."""
    with contextlib.suppress(TelegramAPIError):
        await bot.set_my_commands(menu(me.lang, commands_for(me)), scope=BotCommandScopeChat(chat_id=chat_id))
        return
    log.warning("command menu of chat %s not set", chat_id)
