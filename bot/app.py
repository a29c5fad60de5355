"""The one place that wires real objects together: store, dispatcher, bot, scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand, BotCommandScopeDefault, ErrorEvent

from bot.config import Settings
from bot.scheduler import ReminderService
from handlers import get_routers
from handlers.clock import Clock
from handlers.identity import IdentityMiddleware
from handlers.remind import RemindNow
from handlers.texts import LANGS, t
from handlers.walk import is_score_tap
from storage.db import utc_now
from storage.store import Store

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "lang", "status", "report", "remind")


def build_dispatcher(
    store: Store, clock: Clock = utc_now, settings: Settings | None = None, reminders: RemindNow | None = None
) -> Dispatcher:
    """The production dispatcher; tests and benchmarks feed updates into this very object."""
    dp = Dispatcher(storage=MemoryStorage(), store=store, clock=clock, settings=settings, reminders=reminders)
    # who is writing, resolved once per update; score taps resolve it in their own one round trip
    dp.update.outer_middleware(IdentityMiddleware(defer=is_score_tap))
    dp.callback_query.middleware(IdentityMiddleware())
    dp.include_routers(*get_routers())
    dp.errors.register(_on_error)
    return dp


async def _on_error(event: ErrorEvent) -> bool:
    """Log with ids, tell the user something went wrong; what was committed stays committed."""
    update = event.update
    log.exception("update %s failed: %s", update.update_id, event.exception, exc_info=event.exception)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramAPIError):
            await query.answer(t("zh" if (query.from_user.language_code or "zh").startswith("zh") else "en",
                                 "error.generic"))
    return True


def build_bot(token: str, api_base: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def set_commands(bot: Bot) -> None:
    for lang in LANGS:
        commands = [BotCommand(command=c, description=t(lang, f"cmd.{c}")) for c in COMMANDS]
        code = None if lang == "zh" else lang  # Chinese is the default menu
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)


async def run_polling(settings: Settings, token: str, *, sole: bool = False) -> None:
    """The bot until SIGTERM/SIGINT. `sole`: the caller holds the instance lock (bot/instance_lock.py)."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    store = await Store.open(settings.db)
    bot = build_bot(token, settings.api_base)
    reminders = ReminderService(store, bot, sole=sole)
    dp = build_dispatcher(store, settings=settings, reminders=reminders)
    # everything built so far lives as long as the process: keep the collector off it
    # (bench: tap p99 4.0 -> 3.5 ms)
    gc.freeze()
    dp.startup.register(reminders.start)
    dp.shutdown.register(reminders.stop)
    try:
        await set_commands(bot)
        me = await bot.get_me()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(dp.stop_polling()))
        log.info("bot @%s polling (db %s)", me.username, settings.db)  # from here SIGTERM stops it cleanly
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=False)
    finally:
        await bot.session.close()
        await store.close()
        log.info("stopped")
