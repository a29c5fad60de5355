"""`/remind`: staff chase the laggards of a milestone now, after a confirmation."""

from __future__ import annotations

from typing import Protocol

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.identity import Me
from handlers.replies import ack
from handlers.roles import HasRole
from handlers.texts import h, name_in, t
from scoring.campaign import Role
from storage.campaigns import StoredCampaign
from storage.store import Store


class RemindNow(Protocol):
    """What the composition root provides (bot.scheduler.ReminderService)."""

    async def remind_now(self, stored: StoredCampaign, milestone_key: str, actor: str) -> dict[str, int]: ...


class Remind(CallbackData, prefix="rm"):
    milestone: str
    go: bool = False


async def _laggards(store: Store, me: Me) -> dict[str, set[str]]:
    milestone_of = {g.key: g.milestone for _, g in me.campaign.groups()}
    late: dict[str, set[str]] = {m.key: set() for m in me.campaign.milestones}
    for sheet in await store.sheets.for_campaign(me.stored.id):
        if sheet.is_open:
            late[milestone_of[sheet.group]].add(sheet.rater)
    return late


async def on_remind(message: Message, store: Store, me: Me) -> None:
    late = await _laggards(store, me)
    rows = []
    for m in me.campaign.milestones:
        if late[m.key]:
            label = t(me.lang, "remind_now.milestone", name=name_in(me.lang, m.name, m.name_en), n=len(late[m.key]))
            rows.append([InlineKeyboardButton(text=label[:60], callback_data=Remind(milestone=m.key).pack())])
    if not rows:
        await message.answer(t(me.lang, "remind_now.nobody"))
        return
    await message.answer(t(me.lang, "remind_now.pick"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_pick(query: CallbackQuery, callback_data: Remind, store: Store, me: Me,
                  reminders: RemindNow | None = None) -> None:
    milestones = {m.key: m for m in me.campaign.milestones}
    m = milestones.get(callback_data.milestone)
    if m is None:
        await ack(query, t(me.lang, "stale"))
        return
    name = name_in(me.lang, m.name, m.name_en)
    if not callback_data.go:
        n = len((await _laggards(store, me))[m.key])
        markup = InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=t(me.lang, "btn.confirm"),
                                 callback_data=Remind(milestone=m.key, go=True).pack()),
        ]])
        await ack(query)
        await query.message.edit_text(t(me.lang, "remind_now.confirm", name=h(name), n=n), reply_markup=markup)
        return
    if reminders is None:
        await ack(query, t(me.lang, "error.generic"), show_alert=True)
        return
    await ack(query)
    await query.message.edit_text(t(me.lang, "remind_now.sending", name=h(name)))
    counts = await reminders.remind_now(me.stored, m.key, f"staff:{me.staff.key}")
    await query.message.edit_text(t(
        me.lang, "remind_now.done", name=h(name), sent=counts.get("sent", 0),
        unreachable=counts.get("unreachable", 0), unbound=counts.get("unbound", 0), failed=counts.get("failed", 0),
    ))


def build_router() -> Router:
    router = Router(name="remind")
    staff = HasRole(Role.ADMIN, Role.STAFF)
    router.message.register(on_remind, Command("remind"), staff)
    router.callback_query.register(on_pick, Remind.filter(), staff)
    return router
