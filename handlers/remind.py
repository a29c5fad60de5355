"""`/remind`: staff chase the laggards of a milestone now, after a confirmation (or a Cancel).

The same milestone is not reminded again within the campaign's `reminders.manual_quiet` (default 1h):
the confirmation says so up front with the local time of the last one, and the send itself is claimed
in the store first, so a double tap or a redelivered update sends one burst."""

from __future__ import annotations

from typing import Protocol

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.callbacks import Remind, RemindCancel
from handlers.clock import Clock, local_moment
from handlers.identity import Member, StaffMember
from handlers.replies import ack, show_text
from handlers.roles import HasRole
from scoring.campaign import Milestone, Role
from storage.campaigns import StoredCampaign
from storage.manual_reminds import ManualReminds, RemindedRecently
from storage.store import Store
from texts import BUTTON_MAX, h, name_in, shorten, t

UNBOUND_NAMED = 40  # names listed after a remind; the rest are counted


class RemindNow(Protocol):
    """What the composition root provides (bot.remind_now.ManualRemind)."""

    async def remind_now(self, stored: StoredCampaign, milestone_key: str, actor: str) -> dict[str, int]: ...


async def _laggards(store: Store, me: Member) -> dict[str, set[str]]:
    milestone_of = {g.key: g.milestone for _, g in me.campaign.groups()}
    late: dict[str, set[str]] = {m.key: set() for m in me.campaign.milestones}
    for sheet in await store.sheets.for_campaign(me.stored.id):
        if sheet.is_open:
            late[milestone_of[sheet.group]].add(sheet.rater)
    return late


async def on_remind(message: Message, store: Store, me: StaffMember) -> None:
    late = await _laggards(store, me)
    rows = []
    for m in me.campaign.milestones:
        if late[m.key]:
            label = t(me.lang, "remind_now.milestone", name=name_in(me.lang, m.name, m.name_en), n=len(late[m.key]))
            rows.append([InlineKeyboardButton(text=shorten(label, BUTTON_MAX),
                                              callback_data=Remind(milestone=m.key).pack())])
    if not rows:
        await message.answer(t(me.lang, "remind_now.nobody"))
        return
    await message.answer(t(me.lang, "remind_now.pick"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_pick(query: CallbackQuery, callback_data: Remind, store: Store, me: StaffMember, clock: Clock,
                  reminders: RemindNow | None = None) -> None:
    milestones = {m.key: m for m in me.campaign.milestones}
    m = milestones.get(callback_data.milestone)
    if m is None:
        await ack(query, t(me.lang, "stale"))
        return
    name = name_in(me.lang, m.name, m.name_en)
    if not callback_data.go:
        quiet = await _quiet_text(store, me, m, clock)
        await ack(query)
        if quiet is not None:  # say so now rather than after a confirmation
            await show_text(query, quiet)
            return
        n = len((await _laggards(store, me))[m.key])
        markup = InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=t(me.lang, "btn.confirm"),
                                 callback_data=Remind(milestone=m.key, go=True).pack()),
            InlineKeyboardButton(text=t(me.lang, "btn.cancel"), callback_data=RemindCancel(milestone=m.key).pack()),
        ]])
        await show_text(query, t(me.lang, "remind_now.confirm", name=h(name), n=n), reply_markup=markup)
        return
    if reminders is None:
        await ack(query, t(me.lang, "error.generic"), show_alert=True)
        return
    await ack(query)
    late = (await _laggards(store, me))[m.key]
    await show_text(query, t(me.lang, "remind_now.sending", name=h(name)))
    try:
        counts = await reminders.remind_now(me.stored, m.key, me.actor)
    except RemindedRecently as exc:  # a second tap, another process or the same update delivered again
        await show_text(query, _quiet(me, m, exc))
        return
    text = t(
        me.lang, "remind_now.done", name=h(name), sent=counts.get("sent", 0),
        unreachable=counts.get("unreachable", 0), unbound=counts.get("unbound", 0), failed=counts.get("failed", 0),
    )
    await show_text(query, text + await _unbound_text(store, me, late))


async def on_cancel(query: CallbackQuery, me: StaffMember) -> None:
    await ack(query)
    await show_text(query, t(me.lang, "remind_now.cancelled"))


async def _quiet_text(store: Store, me: Member, m: Milestone, clock: Clock) -> str | None:
    last = await ManualReminds(store.db).last(me.stored.id, m.key)
    if last is None or last[0] + me.campaign.reminders.manual_quiet_delta() <= clock():
        return None
    return _quiet(me, m, RemindedRecently(*last))


def _quiet(me: Member, m: Milestone, exc: RemindedRecently) -> str:
    tz = me.campaign.timezone
    staff = next((s for s in me.campaign.staff if f"staff:{s.key}" == exc.actor), None)
    actor = name_in(me.lang, staff.name, staff.name_en) if staff else exc.actor
    return t(me.lang, "remind_now.quiet", name=h(name_in(me.lang, m.name, m.name_en)),
             time=local_moment(exc.at, tz), actor=h(actor),
             next=local_moment(exc.at + me.campaign.reminders.manual_quiet_delta(), tz))


async def _unbound_text(store: Store, me: Member, late: set[str]) -> str:
    """The laggards a reminder cannot reach because they never opened their invite, by name."""
    contacts = await store.people.contacts(me.stored.id)
    unbound = [r for r in me.campaign.raters if r.key in late and ("rater", r.key) not in contacts]
    if not unbound:
        return ""
    names = [h(name_in(me.lang, r.name, r.name_en)) for r in unbound[:UNBOUND_NAMED]]
    more = t(me.lang, "st.more", n=len(unbound) - UNBOUND_NAMED) if len(unbound) > UNBOUND_NAMED else ""
    return t(me.lang, "remind_now.unbound", n=len(unbound), names=t(me.lang, "st.sep").join(names) + more)


def build_router() -> Router:
    router = Router(name="remind")
    staff = HasRole(Role.ADMIN, Role.STAFF)
    router.message.register(on_remind, Command("remind"), staff)
    router.callback_query.register(on_pick, Remind.filter(), staff)
    router.callback_query.register(on_cancel, RemindCancel.filter(), staff)
    return router
