"""Approval of key-work sheets by the overall responsible official: approve, or return with a comment."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import Approval, Verdict
from handlers.cards import approval_card, group_names
from handlers.identity import StaffMember
from handlers.notices import Outbox, kick
from handlers.replies import ack, card_of, say, show_text
from handlers.roles import HasRole
from scoring.campaign import Role
from storage.sheets import SheetInfo
from storage.store import Store
from texts import h, name_in, t

COMMENT_MAX = 500


class ReturnPrompt(StatesGroup):
    comment = State()


async def _pending_sheet(store: Store, me: StaffMember, sheet_id: int) -> SheetInfo | None:
    """The sheet if this approver may decide on it now."""
    found = await store.sheets.walk(sheet_id)
    if found is None:
        return None
    sheet = found.sheet
    if sheet.campaign_id != me.stored.id or sheet.group not in me.staff.approves:
        return None
    return sheet


def _names(me: StaffMember, sheet: SheetInfo) -> tuple[str, str]:
    rater = me.campaign.rater(sheet.rater)
    _, group = group_names(me.campaign, sheet.group, me.lang)
    return name_in(me.lang, rater.name, rater.name_en), group


async def on_list_pending(message: Message, store: Store, me: StaffMember) -> None:
    """/approve: every submitted sheet still waiting for this approver."""
    sheets = [
        s for s in await store.sheets.for_campaign(me.stored.id)
        if s.group in me.staff.approves and s.state == "submitted" and s.approval is None
    ]
    if not sheets:
        await message.answer(t(me.lang, "approval.none"))
        return
    for sheet in sheets[:20]:
        found = await store.sheets.walk(sheet.id)
        if found is None:  # gone since (a campaign reloaded meanwhile)
            continue
        _, items = found
        card = approval_card(me.campaign, me.lang, sheet, items)
        await message.answer(card.text, reply_markup=card.markup)


async def on_approve(query: CallbackQuery, callback_data: Approval, store: Store, me: StaffMember, bot: Bot) -> None:
    sheet = await _pending_sheet(store, me, callback_data.sheet)
    if sheet is None or not await store.sheets.approve(sheet.id, actor=me.actor):
        await ack(query, t(me.lang, "approval.not_pending"), show_alert=True)
        return
    await ack(query)
    rater, group = _names(me, sheet)
    await show_text(query, t(me.lang, "approval.done", rater=h(rater), group=h(group)))


async def on_return(query: CallbackQuery, callback_data: Approval, store: Store, me: StaffMember,
                    state: FSMContext) -> None:
    sheet = await _pending_sheet(store, me, callback_data.sheet)
    if sheet is None or sheet.state != "submitted":
        await ack(query, t(me.lang, "approval.not_pending"), show_alert=True)
        return
    await state.set_state(ReturnPrompt.comment)
    card = card_of(query)
    await state.update_data(sheet=sheet.id, message=card.message_id if card else None)
    await ack(query)
    await say(query, t(me.lang, "approval.prompt"))


async def on_return_comment(message: Message, text: str, store: Store, me: StaffMember, state: FSMContext,
                            outbox: Outbox | None = None) -> None:
    """The sheet goes back with the comment (`text`, the filter lets only text through), and the rater is told
    (the outbox, in their language, with one tap to continue) in the same transaction."""
    data = await state.get_data()
    await state.clear()
    comment = text.strip()[:COMMENT_MAX]
    sheet = await _pending_sheet(store, me, data["sheet"])
    returned = False
    if sheet is not None:
        async with store.db.transaction():
            returned = await store.sheets.return_sheet(sheet.id, comment, actor=me.actor)
            if returned:
                await store.outbox.add(me.stored.id, "rater", sheet.rater, "approval.told_rater",
                                       group=sheet.group, comment=comment, sheet=sheet.id)
    if sheet is None or not returned:
        await message.answer(t(me.lang, "approval.not_pending"))
        return
    kick(outbox)
    rater, group = _names(me, sheet)
    await message.answer(t(me.lang, "approval.returned", rater=h(rater), group=h(group), comment=h(comment)))


def build_router() -> Router:
    router = Router(name="approval")
    approver = HasRole(Role.APPROVER)
    router.message.register(on_list_pending, Command("approve"), approver)
    router.callback_query.register(on_approve, Approval.filter(F.verdict == Verdict.APPROVE), approver)
    router.callback_query.register(on_return, Approval.filter(F.verdict == Verdict.RETURN), approver)
    router.message.register(on_return_comment, StateFilter(ReturnPrompt.comment), F.text.as_("text"), approver)
    return router
