"""Staff and admin actions in the chat: adjustments (confirmed first) and reopening submitted sheets."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.approval import tell_rater_returned
from handlers.cards import group_names
from handlers.identity import Me
from handlers.replies import ack
from handlers.roles import HasRole
from handlers.texts import BUTTON_MAX, h, name_in, shorten, t
from scoring.campaign import Role
from storage.store import Store

REASON_MAX = 300
REOPEN_LIST = 30


class Confirm(CallbackData, prefix="ad"):
    yes: bool


class Reopen(CallbackData, prefix="ro"):
    sheet: int


class AdminPrompt(StatesGroup):
    adjust = State()  # waiting for the confirmation tap
    reopen_reason = State()


def _find_department(me: Me, text: str) -> str | None:
    for d in me.campaign.departments:
        if text in (d.key, d.name, d.name_en):
            return d.key
    return None


async def on_adjust(message: Message, command: CommandObject, me: Me, state: FSMContext) -> None:
    """/adjust DEPT POINTS REASON: checked, shown back, stored only after a confirming tap."""
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 3:
        await message.answer(t(me.lang, "adjust.usage"))
        return
    dept_text, points_text, reason = parts
    dept = _find_department(me, dept_text)
    try:
        points = float(points_text.replace("＋", "+").replace("－", "-"))
    except ValueError:
        points = 0.0
    if dept is None:
        await message.answer(t(me.lang, "adjust.unknown_dept", dept=h(dept_text)))
        return
    if me.campaign.is_external(me.campaign.department(dept).profile):
        await message.answer(t(me.lang, "adjust.external", dept=h(dept_text)))
        return
    if points == 0 or abs(points) > 100 or not reason.strip():
        await message.answer(t(me.lang, "adjust.usage"))
        return
    reason = reason.strip()[:REASON_MAX]
    await state.set_state(AdminPrompt.adjust)
    await state.update_data(dept=dept, points=points, reason=reason)
    d = me.campaign.department(dept)
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(me.lang, "btn.confirm"), callback_data=Confirm(yes=True).pack()),
        InlineKeyboardButton(text=t(me.lang, "btn.cancel"), callback_data=Confirm(yes=False).pack()),
    ]])
    await message.answer(
        t(me.lang, "adjust.confirm", dept=h(name_in(me.lang, d.name, d.name_en)), points=f"{points:+g}",
          reason=h(reason)),
        reply_markup=markup,
    )


async def on_adjust_confirm(query: CallbackQuery, callback_data: Confirm, store: Store, me: Me,
                            state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()
    if not callback_data.yes or "dept" not in data:
        await ack(query, t(me.lang, "adjust.cancelled"))
        await query.message.edit_text(t(me.lang, "adjust.cancelled"))
        return
    await store.results.add_adjustment(me.stored.id, data["dept"], data["points"], data["reason"],
                                       actor=f"staff:{me.staff.key}")
    await ack(query)
    d = me.campaign.department(data["dept"])
    await query.message.edit_text(t(me.lang, "adjust.stored", dept=h(name_in(me.lang, d.name, d.name_en)),
                                    points=f"{data['points']:+g}", reason=h(data["reason"])))


async def on_reopen_list(message: Message, store: Store, me: Me) -> None:
    """/reopen: the submitted sheets, newest first, one button each."""
    sheets = sorted(
        (s for s in await store.sheets.for_campaign(me.stored.id) if s.state == "submitted"),
        key=lambda s: s.submitted_at or "", reverse=True,
    )[:REOPEN_LIST]
    if not sheets:
        await message.answer(t(me.lang, "reopen.none"))
        return
    rows = []
    for sheet in sheets:
        rater = me.campaign.rater(sheet.rater)
        _, group = group_names(me.campaign, sheet.group, me.lang)
        label = shorten(f"{name_in(me.lang, rater.name, rater.name_en)} · {group}", BUTTON_MAX)
        rows.append([InlineKeyboardButton(text=label, callback_data=Reopen(sheet=sheet.id).pack())])
    await message.answer(t(me.lang, "reopen.pick"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_reopen_pick(query: CallbackQuery, callback_data: Reopen, store: Store, me: Me,
                         state: FSMContext) -> None:
    found = await store.sheets.walk(callback_data.sheet)
    if found is None or found[0].campaign_id != me.stored.id or found[0].state != "submitted":
        await ack(query, t(me.lang, "reopen.not_submitted"), show_alert=True)
        return
    await state.set_state(AdminPrompt.reopen_reason)
    await state.update_data(sheet=callback_data.sheet)
    await ack(query)
    await query.message.answer(t(me.lang, "reopen.prompt"))


async def on_reopen_reason(message: Message, store: Store, me: Me, state: FSMContext, bot: Bot) -> None:
    data = await state.get_data()
    await state.clear()
    reason = message.text.strip()[:REASON_MAX]
    found = await store.sheets.walk(data["sheet"])
    if found is None or found[0].campaign_id != me.stored.id or not reason:
        await message.answer(t(me.lang, "reopen.not_submitted"))
        return
    sheet = found[0]
    if not await store.sheets.reopen(sheet.id, reason, actor=f"staff:{me.staff.key}"):
        await message.answer(t(me.lang, "reopen.not_submitted"))
        return
    rater = me.campaign.rater(sheet.rater)
    _, group = group_names(me.campaign, sheet.group, me.lang)
    await message.answer(t(me.lang, "reopen.done", rater=h(name_in(me.lang, rater.name, rater.name_en)),
                           group=h(group), reason=h(reason)))
    await tell_rater_returned(bot, store, me, sheet, reason, key="reopen.told_rater")


def build_router() -> Router:
    router = Router(name="admin")
    staff = HasRole(Role.ADMIN, Role.STAFF)
    admin = HasRole(Role.ADMIN)
    router.message.register(on_adjust, Command("adjust"), staff)
    router.callback_query.register(on_adjust_confirm, Confirm.filter(), StateFilter(AdminPrompt.adjust), staff)
    router.message.register(on_reopen_list, Command("reopen"), admin)
    router.callback_query.register(on_reopen_pick, Reopen.filter(), admin)
    router.message.register(on_reopen_reason, StateFilter(AdminPrompt.reopen_reason), F.text, admin)
    return router
