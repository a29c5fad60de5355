"""The one place that wires real objects together: store, dispatcher, bot, the one Sender, scheduler."""

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
from aiogram.types import BotCommandScopeDefault, ErrorEvent

from bot.config import Settings
from bot.delivery import Sender
from bot.outbox import OutboxDelivery
from bot.prompt_storage import StorePromptStorage
from bot.reminders import SweepOptions
from bot.scheduler import ReminderService
from handlers.clock import Clock
from handlers.commands import EVERYONE, menu
from handlers.flood import Replies
from handlers.identity import IdentityMiddleware, Me
from handlers.notices import Outbox
from handlers.remind import RemindNow
from handlers.routers import get_routers
from storage.db import utc_now
from storage.store import Store
from texts import LANGS, pick_lang, t

log = logging.getLogger(__name__)


def build_dispatcher(
    store: Store, clock: Clock = utc_now, settings: Settings | None = None, reminders: RemindNow | None = None,
    outbox: Outbox | None = None, sender: Replies | None = None,
) -> Dispatcher:
    """The production dispatcher; tests and benchmarks feed updates into this very object. `sender`: the
    bot's one Sender, whose flood control the handlers' direct replies share (handlers/flood.py)."""
    dp = Dispatcher(storage=StorePromptStorage(store.prompts), store=store, clock=clock, settings=settings,
                    reminders=reminders, outbox=outbox, sender=sender)
    # who is writing, resolved once per update, the same way for every update
    dp.update.outer_middleware(IdentityMiddleware())
    dp.include_routers(*get_routers())
    dp.errors.register(_on_error)
    return dp


async def _on_error(event: ErrorEvent, me: Me | None = None, **_: object) -> bool:
    """Any handler's failure, typed messages as much as taps: logged with the update id, and the user
    gets a short apology in their language; what was committed stays committed."""
    update = event.update
    log.exception("update %s failed: %s", update.update_id, event.exception, exc_info=event.exception)
    query, message = update.callback_query, update.message
    user = query.from_user if query is not None else message.from_user if message is not None else None
    lang = me.lang if me is not None else pick_lang(None, user.language_code if user else None)
    with contextlib.suppress(TelegramAPIError):
        if query is not None:
            await query.answer(t(lang, "error.generic"))
        elif message is not None:
            await message.answer(t(lang, "error.generic"))
    return True


def build_bot(token: str, api_base: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def set_commands(bot: Bot) -> None:
    """The default menu: only what everyone may use; each bound chat gets its own on bind (handlers.start)."""
    for lang in LANGS:
        code = None if lang == "zh" else lang  # Chinese is the default menu
        await bot.set_my_commands(menu(lang, list(EVERYONE)), scope=BotCommandScopeDefault(), language_code=code)


async def run_polling(settings: Settings, token: str, *, sole: bool = False) -> None:
    """The bot until SIGTERM/SIGINT. `sole`: the caller holds the instance lock (bot/instance_lock.py)."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    store = await Store.open(settings.db)
    bot = build_bot(token, settings.api_base)
    sender = Sender(bot, store.people)  # one pacer, one flood control for everything the bot sends
    reminders = ReminderService(store, sender, options=SweepOptions(sole=sole))
    outbox = OutboxDelivery(store, bot, sender)
    dp = build_dispatcher(store, settings=settings, reminders=reminders.manual, outbox=outbox, sender=sender)
    # everything built so far lives as long as the process: keep the collector off it
    # (bench: tap p99 4.0 -> 3.5 ms)
    gc.freeze()
    dp.startup.register(reminders.start)
    dp.shutdown.register(reminders.stop)
    dp.startup.register(outbox.start)
    dp.shutdown.register(outbox.stop)
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
