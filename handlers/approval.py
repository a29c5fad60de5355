"""Approval of key-work sheets by the overall responsible official: approve, or return with a comment."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import Approval, Verdict
from handlers.cards import approval_card, group_names, reopened_markup
from handlers.events import notify
from handlers.identity import Me
from handlers.replies import ack
from handlers.roles import HasRole
from handlers.texts import h, name_in, pick_lang, t
from scoring.campaign import Role
from storage.sheets import SheetInfo
from storage.store import Store

COMMENT_MAX = 500


class ReturnPrompt(StatesGroup):
    comment = State()


async def _pending_sheet(store: Store, me: Me, sheet_id: int) -> SheetInfo | None:
    """The sheet if this approver may decide on it now."""
    found = await store.sheets.walk(sheet_id)
    if found is None:
        return None
    sheet = found[0]
    if sheet.campaign_id != me.stored.id or sheet.group not in (me.staff.approves if me.staff else []):
        return None
    return sheet


def _names(me: Me, sheet: SheetInfo) -> tuple[str, str]:
    rater = me.campaign.rater(sheet.rater)
    _, group = group_names(me.campaign, sheet.group, me.lang)
    return name_in(me.lang, rater.name, rater.name_en), group


async def on_list_pending(message: Message, store: Store, me: Me) -> None:
    """/approve: every submitted sheet still waiting for this approver."""
    sheets = [
        s for s in await store.sheets.for_campaign(me.stored.id)
        if s.group in me.staff.approves and s.state == "submitted" and s.approval is None
    ]
    if not sheets:
        await message.answer(t(me.lang, "approval.none"))
        return
    for sheet in sheets[:20]:
        _, items = await store.sheets.walk(sheet.id)
        card = approval_card(me.campaign, me.lang, sheet, items)
        await message.answer(card.text, reply_markup=card.markup)


async def on_approve(query: CallbackQuery, callback_data: Approval, store: Store, me: Me, bot: Bot) -> None:
    sheet = await _pending_sheet(store, me, callback_data.sheet)
    if sheet is None or not await store.sheets.approve(sheet.id, actor=f"staff:{me.staff.key}"):
        await ack(query, t(me.lang, "approval.not_pending"), show_alert=True)
        return
    await ack(query)
    rater, group = _names(me, sheet)
    await query.message.edit_text(t(me.lang, "approval.done", rater=h(rater), group=h(group)))


async def on_return(query: CallbackQuery, callback_data: Approval, store: Store, me: Me, state: FSMContext) -> None:
    sheet = await _pending_sheet(store, me, callback_data.sheet)
    if sheet is None or sheet.state != "submitted":
        await ack(query, t(me.lang, "approval.not_pending"), show_alert=True)
        return
    await state.set_state(ReturnPrompt.comment)
    await state.update_data(sheet=sheet.id, message=query.message.message_id)
    await ack(query)
    await query.message.answer(t(me.lang, "approval.prompt"))


async def on_return_comment(message: Message, store: Store, me: Me, state: FSMContext, bot: Bot) -> None:
    data = await state.get_data()
    await state.clear()
    comment = message.text.strip()[:COMMENT_MAX]
    sheet = await _pending_sheet(store, me, data["sheet"])
    if sheet is None or not await store.sheets.return_sheet(sheet.id, comment, actor=f"staff:{me.staff.key}"):
        await message.answer(t(me.lang, "approval.not_pending"))
        return
    rater, group = _names(me, sheet)
    await message.answer(t(me.lang, "approval.returned", rater=h(rater), group=h(group), comment=h(comment)))
    await tell_rater_returned(bot, store, me, sheet, comment)


async def tell_rater_returned(bot: Bot, store: Store, me: Me, sheet: SheetInfo, reason: str,
                              key: str = "approval.told_rater") -> None:
    contact = (await store.people.contacts(me.stored.id)).get(("rater", sheet.rater))
    if contact is None:
        return
    lang = pick_lang(contact[1], None, me.campaign.default_lang)
    _, group = group_names(me.campaign, sheet.group, lang)
    await notify(bot, store, contact[0], t(lang, key, group=h(group), comment=h(reason)),
                 reopened_markup(lang, sheet.id))


def build_router() -> Router:
    router = Router(name="approval")
    approver = HasRole(Role.APPROVER)
    router.message.register(on_list_pending, Command("approve"), approver)
    router.callback_query.register(on_approve, Approval.filter(F.verdict == Verdict.APPROVE), approver)
    router.callback_query.register(on_return, Approval.filter(F.verdict == Verdict.RETURN), approver)
    router.message.register(on_return_comment, StateFilter(ReturnPrompt.comment), F.text, approver)
    return router
