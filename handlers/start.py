"""Binding by invite, the home card, help and language."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from handlers.clock import Clock
from handlers.identity import Me, resolve
from handlers.notices import Outbox, kick
from handlers.texts import LANGS, h, name_in, t
from handlers.walk import home
from scoring.campaign import Role
from storage.people import InviteRejected
from storage.store import Store

MAX_TOKEN = 64


async def on_invite(message: Message, command: CommandObject, store: Store, me: Me, clock: Clock,
                    state: FSMContext, outbox: Outbox | None = None) -> None:
    await state.clear()
    token = (command.args or "").strip()
    if not token or len(token) > MAX_TOKEN:
        await message.answer(t(me.lang, "start.invite_unknown"))
        return
    try:
        binding = await store.people.redeem(token, message.from_user.id)
    except InviteRejected as exc:
        await message.answer(t(me.lang, f"start.invite_{exc.reason}"))
        return
    kick(outbox)  # the account that held this role before, if any, is told
    me = await resolve(store, message.from_user)
    if binding.kind == "rater":
        rater = me.campaign.rater(binding.key)
        await message.answer(t(me.lang, "start.bound_rater", name=h(name_in(me.lang, rater.name, rater.name_en))))
        card = await home(store, me, clock())
        await message.answer(card.text, reply_markup=card.markup)
    else:
        staff = next(s for s in me.campaign.staff if s.key == binding.key)
        roles = ", ".join(r.value for r in staff.roles)
        await message.answer(t(me.lang, "start.bound_staff", name=h(name_in(me.lang, staff.name, staff.name_en)),
                               roles=roles))
        if me.proxy_for:
            card = await home(store, me, clock())
            await message.answer(card.text, reply_markup=card.markup)


async def on_start(message: Message, store: Store, me: Me, clock: Clock, state: FSMContext) -> None:
    await state.clear()
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    if not me.rater and not me.proxy_for:
        await message.answer(t(me.lang, "help.staff"))
        return
    card = await home(store, me, clock())
    await message.answer(card.text, reply_markup=card.markup)


async def on_help(message: Message, me: Me) -> None:
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    parts = []
    if me.rater or me.proxy_for:
        parts.append(t(me.lang, "help.rater"))
    if me.has(Role.ADMIN, Role.STAFF, Role.APPROVER):
        parts.append(t(me.lang, "help.staff"))
    await message.answer("\n\n".join(parts))


async def on_lang(message: Message, command: CommandObject, store: Store, me: Me) -> None:
    wanted = (command.args or "").strip().lower()[:2]
    lang = wanted if wanted in LANGS else ("en" if me.lang == "zh" else "zh")
    await store.people.set_lang(message.from_user.id, lang)
    await message.answer(t(lang, "lang.switched"))


async def on_stray_text(message: Message, me: Me, store: Store, clock: Clock, bot: Bot) -> None:
    """Text outside a prompt: show where the user stands rather than ignore them."""
    if not me.bound:
        await message.answer(t(me.lang, "start.not_bound"))
        return
    if me.rater or me.proxy_for:
        card = await home(store, me, clock())
        await message.answer(card.text, reply_markup=card.markup)


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="start")
    router.message.register(on_invite, CommandStart(deep_link=True))
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_lang, Command("lang"))
    router.message.register(on_stray_text, F.text & ~F.text.startswith("/"))
    return router
