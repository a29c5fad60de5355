"""Staff and admin actions in the chat: adjustments (confirmed first, revocable), reopening submitted
sheets (paged, searchable) and a department's history. Rules live in `services`; this parses and shows."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.callbacks import Confirm, Reopen, ReopenPage
from handlers.cards import group_names
from handlers.clock import local_time
from handlers.identity import Me, Member, StaffMember
from handlers.notices import Outbox, kick
from handlers.replies import ack, say, show_text
from handlers.roles import HasRole
from scoring.adjustments import AdjustmentRefused, find_department
from scoring.campaign import Role
from services import adjustments, confirm
from services import sheets as sheet_service
from services.audit import department_history
from storage.pending import Pending
from storage.store import Store
from texts import BUTTON_MAX, h, name_in, shorten, t

REOPEN_PAGE = 10
HISTORY_SHOWN = 30
SEARCH_MAX = 12  # characters of a search carried in a pager button (64 bytes of callback data)


class AdminPrompt(StatesGroup):
    reopen_reason = State()


def _dept_name(me: Member, key: str) -> str:
    d = me.campaign.department(key)
    return name_in(me.lang, d.name, d.name_en)


def _refusal(me: Me, exc: AdjustmentRefused) -> str:
    return t(me.lang, f"adjust.refused.{exc.code}", **{k: h(v) for k, v in exc.args_.items()})


def _confirm_markup(me: Me, pending_id: int) -> InlineKeyboardMarkup:
    yes = Confirm(pending=pending_id, yes=True).pack()
    no = Confirm(pending=pending_id, yes=False).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(me.lang, "btn.confirm"), callback_data=yes),
        InlineKeyboardButton(text=t(me.lang, "btn.cancel"), callback_data=no),
    ]])


# -- adjustments --------------------------------------------------------------------


async def on_adjust(message: Message, command: CommandObject, store: Store, me: StaffMember) -> None:
    """/adjust DEPT POINTS REASON: checked by the same rule as the CLI, shown back, stored on Confirm."""
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 3:
        await message.answer(t(me.lang, "adjust.usage"))
        return
    try:
        wanted = adjustments.request(me.stored, *parts)
    except AdjustmentRefused as exc:
        await message.answer(_refusal(me, exc))
        return
    payload = {"dept": wanted.department, "points": wanted.points, "reason": wanted.reason}
    pending_id = await confirm.propose(store, me.stored.id, me.telegram_id, "adjust", payload)
    await message.answer(
        t(me.lang, "adjust.confirm", dept=h(_dept_name(me, wanted.department)), points=f"{wanted.points:+g}",
          reason=h(wanted.reason)),
        reply_markup=_confirm_markup(me, pending_id),
    )


async def on_revoke(message: Message, command: CommandObject, store: Store, me: StaffMember) -> None:
    """/revoke ID REASON (admin): shown back, revoked on Confirm; the entry stays in the register."""
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) < 2 or not parts[0].isascii() or not parts[0].isdigit() or len(parts[0]) > 12:
        await message.answer(t(me.lang, "revoke.usage"))
        return
    entry = await store.adjustments.get(me.stored.id, int(parts[0]))
    if entry is None or entry.revoked:
        await message.answer(t(me.lang, "revoke.unknown" if entry is None else "revoke.already", id=parts[0]))
        return
    reason = parts[1].strip()
    payload = {"id": entry.id, "reason": reason}
    pending_id = await confirm.propose(store, me.stored.id, me.telegram_id, "revoke", payload)
    await message.answer(
        t(me.lang, "revoke.confirm", id=entry.id, dept=h(_dept_name(me, entry.department)),
          points=f"{entry.points:+g}", reason=h(entry.reason), why=h(reason)),
        reply_markup=_confirm_markup(me, pending_id),
    )


async def on_confirm(query: CallbackQuery, callback_data: Confirm, store: Store, me: StaffMember) -> None:
    """Runs the pending action the button names, once; a second tap gets the first answer."""
    found = await store.pending.get(callback_data.pending)
    kind = found.kind if found is not None else ""
    if kind == "revoke" and not me.has(Role.ADMIN):
        await ack(query, t(me.lang, "refused"), show_alert=True)
        return
    actor = me.actor

    async def run(pending: Pending) -> dict:
        p = pending.payload
        if pending.kind == "adjust":
            wanted = adjustments.request(me.stored, p["dept"], f"{p['points']:g}", p["reason"])
            entry = await adjustments.adjust(store, me.stored, wanted, actor=actor)
            return {"id": entry.id}
        try:
            done = await adjustments.revoke(store, me.stored, p["id"], p["reason"], actor=actor)
        except AdjustmentRefused:
            return {"failed": True}
        return {"outcome": done.outcome}

    try:
        decision = await confirm.decide(store, callback_data.pending, me.telegram_id, kind, callback_data.yes, run)
    except AdjustmentRefused as exc:  # the campaign changed since the card was drawn
        await ack(query, _refusal(me, exc), show_alert=True)
        return
    await ack(query)
    if decision.outcome == "unknown" or decision.pending is None:
        await show_text(query, t(me.lang, "stale"))
        return
    if decision.outcome == "cancelled":
        await show_text(query, t(me.lang, "adjust.cancelled"))
        return
    p = decision.pending.payload
    result = decision.result or {}
    if decision.pending.kind == "adjust":
        text = t(me.lang, "adjust.stored", dept=h(_dept_name(me, p["dept"])), points=f"{p['points']:+g}",
                 reason=h(p["reason"])) + t(me.lang, "adjust.id", id=result.get("id", "?"))
    elif result.get("outcome") in ("revoked", "already"):
        text = t(me.lang, "revoke.done", id=p["id"])
    else:
        text = t(me.lang, "revoke.unknown", id=p["id"])
    await show_text(query, text)


async def on_register(message: Message, store: Store, me: StaffMember) -> None:
    """/adjustments: the register, revoked entries included (struck through)."""
    entries = await store.adjustments.register(me.stored.id)
    if not entries:
        await message.answer(t(me.lang, "register.empty"))
        return
    lines = [t(me.lang, "register.title", n=len(entries))]
    for e in entries[-50:]:
        line = t(me.lang, "register.line", id=e.id, dept=h(_dept_name(me, e.department)), points=f"{e.points:+g}",
                 reason=h(e.reason), by=h(e.by), at=local_time(e.at, me.campaign.timezone))
        if e.revoked:
            line = f"<s>{line}</s>" + t(me.lang, "register.revoked", why=h(e.revoke_reason or ""))
        lines.append(line)
    if me.has(Role.ADMIN):
        lines.append(t(me.lang, "register.hint"))
    await message.answer("\n".join(lines))


# -- reopening ----------------------------------------------------------------------


async def _reopen_page(store: Store, me: Member, page: int, search: str) -> tuple[str, InlineKeyboardMarkup]:
    sheets = await sheet_service.submitted_sheets(store, me.stored, search)
    if not sheets:
        return t(me.lang, "reopen.none" if not search else "reopen.no_match", q=h(search)), InlineKeyboardMarkup(
            inline_keyboard=[])
    pages = -(-len(sheets) // REOPEN_PAGE)
    page = min(page, pages - 1)
    rows = []
    for sheet in sheets[page * REOPEN_PAGE : (page + 1) * REOPEN_PAGE]:
        rater = me.campaign.rater(sheet.rater)
        _, group = group_names(me.campaign, sheet.group, me.lang)
        label = shorten(f"{name_in(me.lang, rater.name, rater.name_en)} · {group}", BUTTON_MAX)
        rows.append([InlineKeyboardButton(text=label, callback_data=Reopen(sheet=sheet.id).pack())])
    q = search or "-"
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(text=t(me.lang, "btn.prev_page"),
                                        callback_data=ReopenPage(page=page - 1, q=q).pack()))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(text=t(me.lang, "btn.next_page"),
                                        callback_data=ReopenPage(page=page + 1, q=q).pack()))
    if nav:
        rows.append(nav)
    text = t(me.lang, "reopen.pick_page", n=len(sheets), page=page + 1, pages=pages)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _search_text(text: str) -> str:
    # carried in a pager button: no separator, bounded
    return "".join(ch for ch in text.strip() if ch not in ":\n")[:SEARCH_MAX]


async def on_reopen_list(message: Message, command: CommandObject, store: Store, me: StaffMember) -> None:
    """/reopen [name]: submitted sheets, newest first, ten a page; a name (rater or group) narrows them."""
    text, markup = await _reopen_page(store, me, 0, _search_text(command.args or ""))
    await message.answer(text, reply_markup=markup)


async def on_reopen_page(query: CallbackQuery, callback_data: ReopenPage, store: Store, me: StaffMember) -> None:
    search = "" if callback_data.q == "-" else _search_text(callback_data.q)
    text, markup = await _reopen_page(store, me, callback_data.page, search)
    await ack(query)
    await show_text(query, text, reply_markup=markup)


async def on_reopen_pick(query: CallbackQuery, callback_data: Reopen, store: Store, me: StaffMember,
                         state: FSMContext) -> None:
    sheet = await store.sheets.get(callback_data.sheet)
    if sheet is None or sheet.campaign_id != me.stored.id or sheet.state != "submitted":
        await ack(query, t(me.lang, "reopen.not_submitted"), show_alert=True)
        return
    await state.set_state(AdminPrompt.reopen_reason)
    await state.update_data(sheet=callback_data.sheet)
    await ack(query)
    await say(query, t(me.lang, "reopen.prompt"))


async def on_reopen_reason(message: Message, store: Store, me: StaffMember, state: FSMContext,
                           outbox: Outbox | None = None) -> None:
    data = await state.get_data()
    await state.clear()
    sheet = await store.sheets.get(data.get("sheet", 0))
    if sheet is None or sheet.campaign_id != me.stored.id:
        await message.answer(t(me.lang, "reopen.not_submitted"))
        return
    try:
        change = await sheet_service.reopen(store, me.stored, sheet, message.text or "",
                                            actor=me.actor)
    except sheet_service.SheetRefused:
        await message.answer(t(me.lang, "reopen.prompt"))
        return
    if change.outcome == "refused":
        await message.answer(t(me.lang, "reopen.not_submitted"))
        return
    rater = me.campaign.rater(sheet.rater)
    _, group = group_names(me.campaign, sheet.group, me.lang)
    await message.answer(t(me.lang, "reopen.done", rater=h(name_in(me.lang, rater.name, rater.name_en)),
                           group=h(group), reason=h(change.sheet.reopen_reason or "")))
    kick(outbox)


# -- history ------------------------------------------------------------------------------


async def on_history(message: Message, command: CommandObject, store: Store, me: StaffMember) -> None:
    """/history DEPT (admin): every recorded change about a department, newest last."""
    wanted = (command.args or "").strip()
    dept = find_department(me.campaign, wanted) if wanted else None
    if dept is None:
        await message.answer(t(me.lang, "history.usage"))
        return
    entries = await department_history(store, me.stored, dept)
    lines = [t(me.lang, "history.title", dept=h(_dept_name(me, dept)), n=len(entries))]
    for e in entries[-HISTORY_SHOWN:]:
        lines.append(t(me.lang, "history.line", at=local_time(e.at, me.campaign.timezone), actor=h(e.actor),
                       action=h(e.action), subject=h(e.subject), old=h(e.old or "—"), new=h(e.new or "—"),
                       source=h(e.source or "")))
    if len(entries) > HISTORY_SHOWN:
        lines.append(t(me.lang, "history.more", n=len(entries) - HISTORY_SHOWN))
    text = "\n".join(lines)
    await message.answer(text[:4000])


def build_router() -> Router:
    router = Router(name="admin")
    staff = HasRole(Role.ADMIN, Role.STAFF)
    admin = HasRole(Role.ADMIN)
    router.message.register(on_adjust, Command("adjust"), staff)
    router.message.register(on_register, Command("adjustments"), staff)
    router.message.register(on_revoke, Command("revoke"), admin)
    router.callback_query.register(on_confirm, Confirm.filter(), staff)
    router.message.register(on_reopen_list, Command("reopen"), admin)
    router.callback_query.register(on_reopen_page, ReopenPage.filter(), admin)
    router.callback_query.register(on_reopen_pick, Reopen.filter(), admin)
    router.message.register(on_reopen_reason, StateFilter(AdminPrompt.reopen_reason), F.text, admin)
    router.message.register(on_history, Command("history"), admin)
    return router
