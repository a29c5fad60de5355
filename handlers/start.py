"""Binding by invite, the home card, help and language."""

from __future__ import annotations

from dataclasses import replace

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from handlers.callbacks import LangPick
from handlers.cards import role_names
from handlers.clock import Clock
from handlers.commands import command_list, set_chat_menu
from handlers.identity import Me, Member, resolve
from handlers.notices import Outbox, kick
from handlers.replies import ack, show_text
from handlers.walk import home
from scoring.campaign import Role
from storage.people import InviteRejected
from storage.store import Store
from texts import LANGS, h, name_in, t

MAX_TOKEN = 64
# what /lang accepts, lower-cased: codes and each language's name in both languages
LANG_WORDS = {
    "zh": "zh", "cn": "zh", "zh-cn": "zh", "zh-hans": "zh", "中文": "zh", "汉语": "zh", "chinese": "zh",
    "en": "en", "english": "en", "英文": "en", "英语": "en",
}


async def on_invite(message: Message, command: CommandObject, store: Store, me: Me, clock: Clock,
                    state: FSMContext, bot: Bot, event_from_user: User, outbox: Outbox | None = None) -> None:
    await state.clear()
    token = (command.args or "").strip()
    if not token or len(token) > MAX_TOKEN:
        await message.answer(t(me.lang, "start.invite_unknown"))
        return
    try:
        binding = await store.people.redeem(token, event_from_user.id)
    except InviteRejected as exc:
        await message.answer(t(me.lang, f"start.invite_{exc.reason}"))
        return
    kick(outbox)  # the account that held this role before, if any, is told
    me = await resolve(store, event_from_user)
    if not isinstance(me, Member):  # the role was taken by another account meanwhile (that was told)
        await message.answer(t(me.lang, "start.not_bound"))
        return
    await set_chat_menu(bot, message.chat.id, me)
    if binding.kind == "rater":
        rater = me.campaign.rater(binding.key)
        await message.answer(t(me.lang, "start.bound_rater", name=h(name_in(me.lang, rater.name, rater.name_en))))
        card = await home(store, me, clock())
        await message.answer(card.text, reply_markup=card.markup)
    else:
        staff = next(s for s in me.campaign.staff if s.key == binding.key)
        roles = role_names(me.lang, staff.roles)
        await message.answer(t(me.lang, "start.bound_staff", name=h(name_in(me.lang, staff.name, staff.name_en)),
                               roles=roles))
        if me.proxy_for:
            card = await home(store, me, clock())
            await message.answer(card.text, reply_markup=card.markup)


async def on_start(message: Message, store: Store, me: Me, clock: Clock, state: FSMContext) -> None:
    await state.clear()
    if not isinstance(me, Member):
        await message.answer(t(me.lang, "start.not_bound"))
        return
    if not me.rater and not me.proxy_for:
        await message.answer(_help(me))
        return
    card = await home(store, me, clock())
    await message.answer(card.text, reply_markup=card.markup)


async def on_help(message: Message, me: Me) -> None:
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    await message.answer(_help(me))


def _help(me: Me) -> str:
    """How to score (for whoever scores) and the commands this person may use: nothing they may not."""
    parts = []
    if me.rater or me.proxy_for:
        parts.append(t(me.lang, "help.rater"))
    parts.append(t(me.lang, "help.commands", commands=command_list(me)))
    if me.has(Role.ADMIN, Role.STAFF):
        parts.append(t(me.lang, "help.files"))
    return "\n\n".join(parts)


async def on_lang(message: Message, command: CommandObject, store: Store, me: Me, bot: Bot) -> None:
    """`/lang` offers both languages; `/lang zh|en|中文|English` sets one; anything else explains."""
    wanted = " ".join((command.args or "").split()).lower()
    if not wanted:
        buttons = [InlineKeyboardButton(text=t(lang, f"lang.btn_{lang}"), callback_data=LangPick(lang=lang).pack())
                   for lang in LANGS]
        await message.answer(t(me.lang, "lang.pick"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]))
        return
    lang = LANG_WORDS.get(wanted)
    if lang is None:
        await message.answer(t(me.lang, "lang.unknown", text=h(wanted[:40])))
        return
    await _switch(store, bot, message.chat.id, me, lang)
    await message.answer(t(lang, "lang.switched"))


async def on_lang_pick(query: CallbackQuery, callback_data: LangPick, store: Store, me: Me, bot: Bot) -> None:
    if callback_data.lang not in LANGS:
        await ack(query, t(me.lang, "stale"))
        return
    lang = callback_data.lang
    await _switch(store, bot, query.from_user.id, me, lang)
    await ack(query)
    await show_text(query, t(lang, "lang.switched"))


async def _switch(store: Store, bot: Bot, chat_id: int, me: Me, lang: str) -> None:
    await store.people.set_lang(chat_id, lang)
    if me.bound:  # the menu follows the language
        await set_chat_menu(bot, chat_id, replace(me, lang=lang))


async def on_stray_text(message: Message, me: Me, store: Store, clock: Clock, bot: Bot) -> None:
    """Text outside a prompt: show where the user stands rather than ignore them."""
    if not isinstance(me, Member):
        await message.answer(t(me.lang, "start.not_bound"))
        return
    if me.rater or me.proxy_for:
        card = await home(store, me, clock())
        await message.answer(card.text, reply_markup=card.markup)
        return
    await message.answer(t(me.lang, "fallback.stray_text", commands=command_list(me)))


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="start")
    router.message.register(on_invite, CommandStart(deep_link=True))
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_lang, Command("lang"))
    router.callback_query.register(on_lang_pick, LangPick.filter())
    router.message.register(on_stray_text, F.text & ~F.text.startswith("/"))
    return router
