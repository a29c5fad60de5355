"""/status: who is behind, per part and group, with drill-down by group and by rater. Never a score.

Staff and admins see everyone; a collector sees only the leaders it collects
for. Every view is rebuilt from the store on each tap, and the callback data
is only a pointer that is checked again (campaign, group, rater in scope).
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.callbacks import StatusView, View
from handlers.cards import Card, time_left
from handlers.clock import Clock, local_time
from handlers.identity import Me, Member, StaffMember
from handlers.materials import status_block
from handlers.roles import HasRole
from handlers.walk import show
from scoring.campaign import Campaign, Role
from storage.sheets import SheetInfo
from storage.status import GroupProgress, RaterProgress, campaign_status
from storage.store import Store
from texts import BUTTON_MAX, h, name_in, shorten, t

STATUS_ROLES = (Role.ADMIN, Role.STAFF, Role.COLLECTOR)
LAGGARDS = 5  # named per group in the overview
UNBOUND_NAMED = 60  # raters who never opened their invite, named in the overview; the rest counted
PAGE = 16  # raters per page of a group
BAR_CELLS = 10
MAX_TEXT = 4096  # Telegram's limit for a message
BUTTON_CHARS = BUTTON_MAX


# -- small pieces ---------------------------------------------------------------------


def progress_bar(done: int, total: int) -> str:
    """`▓▓▓▓▓░░░░░ 52%`: cells rounded down, so a bar is full only when everything is done."""
    share = done / total if total else 1.0
    cells = int(share * BAR_CELLS)
    return "▓" * cells + "░" * (BAR_CELLS - cells) + f" {int(share * 100)}%"


def short(text: str, limit: int = BUTTON_CHARS) -> str:
    return shorten(text, limit)


def _button(text: str, data: StatusView) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _rater_name(campaign: Campaign, lang: str, key: str) -> str:
    rater = next((r for r in campaign.raters if r.key == key), None)
    return name_in(lang, rater.name, rater.name_en) if rater else key


def _group_name(campaign: Campaign, lang: str, key: str) -> str:
    group = campaign.group(key)
    return name_in(lang, group.name, group.name_en)


def _where(campaign: Campaign, lang: str, group_key: str) -> str:
    """`part · group`, or the group alone where the part has the same name (市领导评议)."""
    part = campaign.part_of(group_key)
    part_name, group_name = name_in(lang, part.name, part.name_en), _group_name(campaign, lang, group_key)
    return group_name if part_name == group_name else f"{part_name} · {group_name}"


def _marks(lang: str, unreachable: bool, bound: bool, imported: bool = False) -> str:
    shown = " " + t(lang, "mark.imported") if imported else ""  # scores in this sheet came from a file
    if unreachable:
        return shown + " " + t(lang, "st.mark_unreachable")
    return shown + ("" if bound else " " + t(lang, "st.mark_unbound"))


def _due(campaign: Campaign, group_key: str) -> datetime:
    return campaign.milestone(campaign.group(group_key).milestone).due


def fit(blocks: list[str], note: str) -> str:
    """Whole blocks while they fit in one message (an HTML tag is never cut in two); then a note."""
    text = ""
    for block in blocks:
        candidate = f"{text}\n\n{block}" if text else block
        if len(candidate) + len(note) + 2 > MAX_TEXT:
            return f"{text}\n\n{note}"
        text = candidate
    return text


# -- who sees what -----------------------------------------------------------------------


def scope(me: Me) -> frozenset[str] | None:
    """Rater keys this user may follow; None: all of them (staff and admins)."""
    if me.has(Role.ADMIN, Role.STAFF):
        return None
    return frozenset(me.proxy_for)


def visible(groups: list[GroupProgress], only: frozenset[str] | None) -> list[GroupProgress]:
    if only is None:
        return groups
    narrowed = []
    for g in groups:
        raters = [r for r in g.raters if r.key in only]
        if raters:
            narrowed.append(GroupProgress(g.key, g.name, g.part_name, g.milestone, g.due, raters))
    return narrowed


async def load_groups(store: Store, me: Member) -> list[GroupProgress]:
    status = await campaign_status(store, me.stored)
    return visible(status.groups, scope(me))


# -- the overview -----------------------------------------------------------------------------


def overview_card(campaign: Campaign, lang: str, groups: list[GroupProgress], now: datetime,
                  collector: bool = False, unknown_reminders: int = 0, materials: str | None = None) -> Card:
    if not groups:
        refresh = _button(t(lang, "st.btn_refresh"), StatusView(view=View.OVERVIEW))
        return Card(t(lang, "st.empty"), InlineKeyboardMarkup(inline_keyboard=[[refresh]]))
    head = [t(lang, "st.title", title=h(name_in(lang, campaign.title, campaign.title_en)))]
    if collector:
        head.append(t(lang, "st.scope_collector"))
    done, total = sum(g.scored for g in groups), sum(g.total for g in groups)
    head.append(t(lang, "st.overall", bar=progress_bar(done, total), done=done, total=total,
                  submitted=sum(g.submitted for g in groups), sheets=sum(g.sheets for g in groups)))
    head += _milestone_lines(campaign, lang, groups, now)
    if unknown_reminders:
        head.append(t(lang, "st.reminders_unknown", n=unknown_reminders))
    blocks = ["\n".join(head), *_part_blocks(campaign, lang, groups)]
    unbound = _unbound(campaign, lang, groups)
    if unbound:
        blocks.insert(1, unbound)
    if materials:  # departments that have not handed in their materials (handlers/materials.py)
        blocks.append(materials)
    legend = _legend(lang, [r for g in groups for r in g.raters])
    if legend:
        blocks.append(legend)
    return Card(fit(blocks, t(lang, "st.truncated")), _overview_keyboard(campaign, lang, groups))


def _milestone_lines(campaign: Campaign, lang: str, groups: list[GroupProgress], now: datetime) -> list[str]:
    used = {g.milestone for g in groups}
    return [
        t(lang, "st.milestone", name=h(name_in(lang, m.name, m.name_en)), due=f"{m.due:%m-%d %H:%M}",
          left=time_left(lang, m.due, now, campaign.timezone))
        for m in campaign.milestones
        if m.key in used
    ]


def _part_blocks(campaign: Campaign, lang: str, groups: list[GroupProgress]) -> list[str]:
    by_key = {g.key: g for g in groups}
    blocks = []
    for part in campaign.parts:
        shown = [by_key[g.key] for g in part.groups if g.key in by_key]
        if shown:
            lines = [t(lang, "st.part", part=h(name_in(lang, part.name, part.name_en)))]
            lines += [line for g in shown for line in _group_lines(campaign, lang, g)]
            blocks.append("\n".join(lines))
    return blocks


def _group_lines(campaign: Campaign, lang: str, g: GroupProgress) -> list[str]:
    lines = [t(lang, "st.group", group=h(_group_name(campaign, lang, g.key)), bar=progress_bar(g.scored, g.total),
               done=g.scored, total=g.total, submitted=g.submitted, sheets=g.sheets,
               due=f"{g.due:%m-%d %H:%M}")]
    laggards = g.laggards
    if not laggards:
        return [*lines, t(lang, "st.all_done")]
    names = [
        t(lang, "st.laggard", name=h(_rater_name(campaign, lang, r.key)), done=r.scored, total=r.total,
          marks=_marks(lang, r.unreachable, r.bound, r.imported))
        for r in laggards[:LAGGARDS]
    ]
    more = t(lang, "st.more", n=len(laggards) - LAGGARDS) if len(laggards) > LAGGARDS else ""
    return [*lines, t(lang, "st.laggards", names=t(lang, "st.sep").join(names) + more)]


def _unbound(campaign: Campaign, lang: str, groups: list[GroupProgress]) -> str:
    """Every rater still behind who never opened the invite, by name (a reminder cannot reach them)."""
    keys = {r.key for g in groups for r in g.raters if not r.bound and not r.done}
    if not keys:
        return ""
    names = [h(name_in(lang, r.name, r.name_en)) for r in campaign.raters if r.key in keys]
    more = t(lang, "st.more", n=len(names) - UNBOUND_NAMED) if len(names) > UNBOUND_NAMED else ""
    return t(lang, "status.unbound", n=len(names), names=t(lang, "st.sep").join(names[:UNBOUND_NAMED]) + more)


def _legend(lang: str, raters: list[RaterProgress]) -> str:
    lines = []
    behind = [r for r in raters if not r.done]
    if any(r.unreachable for r in behind):
        lines.append(t(lang, "st.legend_unreachable"))
    if any(not r.bound and not r.unreachable for r in behind):
        lines.append(t(lang, "st.legend_unbound"))
    return "\n".join(lines)


def _overview_keyboard(campaign: Campaign, lang: str, groups: list[GroupProgress]) -> InlineKeyboardMarkup:
    buttons = [
        _button(
            short(t(lang, "st.btn_group", group=_group_name(campaign, lang, g.key),
                    pct=int(100 * g.scored / g.total) if g.total else 100)),
            StatusView(view=View.GROUP, group=g.key),
        )
        for g in groups
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(t(lang, "st.btn_refresh"), StatusView(view=View.OVERVIEW))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# -- one group ----------------------------------------------------------------------------------


def _state(lang: str, state: str, scored: int, approval: str | None = None, needs_approval: bool = False) -> str:
    if state == "submitted":
        if approval == "approved":
            return t(lang, "st.state.approved")
        return t(lang, "st.state.awaiting" if needs_approval else "st.state.submitted")
    if state == "open" and scored == 0:
        return t(lang, "st.state.not_started")
    return t(lang, f"st.state.{state}")


def _mark(done: bool, scored: int, total: int) -> str:
    return "✅" if done else ("🟢" if total and scored == total else "⬜")


def group_card(campaign: Campaign, lang: str, g: GroupProgress, page: int, now: datetime) -> Card:
    """Every rater of the group, those behind first; a button per rater for their sheets."""
    raters = sorted(g.raters, key=lambda r: (r.done, r.scored / max(r.total, 1), r.key))
    pages = max(1, -(-len(raters) // PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [t(lang, "st.group_title", where=h(_where(campaign, lang, g.key)), bar=progress_bar(g.scored, g.total),
               done=g.scored, total=g.total, submitted=g.submitted, sheets=g.sheets, due=f"{g.due:%m-%d %H:%M}",
               left=time_left(lang, g.due, now, campaign.timezone))]
    if pages > 1:
        lines.append(t(lang, "st.page", page=page + 1, pages=pages))
    lines.append("")
    chunk = raters[page * PAGE : (page + 1) * PAGE]
    needs_approval = campaign.group(g.key).requires_approval
    for n, r in enumerate(chunk, start=page * PAGE + 1):
        lines.append(t(lang, "st.rater_line", n=n, mark=_mark(r.done, r.scored, r.total),
                       name=h(_rater_name(campaign, lang, r.key)), done=r.scored, total=r.total,
                       state=_state(lang, r.state, r.scored, needs_approval=needs_approval),
                       marks=_marks(lang, r.unreachable, r.bound, r.imported)))
    legend = _legend(lang, chunk)
    if legend:
        lines += ["", legend]
    return Card("\n".join(lines), _group_keyboard(campaign, lang, g.key, chunk, page, pages))


def _group_keyboard(campaign: Campaign, lang: str, group: str, chunk: list[RaterProgress], page: int,
                    pages: int) -> InlineKeyboardMarkup:
    buttons = [
        _button(short(t(lang, "st.btn_rater", name=_rater_name(campaign, lang, r.key), done=r.scored,
                        total=r.total)),
                StatusView(view=View.RATER, group=group, page=page, sheet=r.sheet_id))
        for r in chunk
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(_button(t(lang, "st.btn_prev"), StatusView(view=View.GROUP, group=group, page=page - 1)))
    if page < pages - 1:
        nav.append(_button(t(lang, "st.btn_next"), StatusView(view=View.GROUP, group=group, page=page + 1)))
    if nav:
        rows.append(nav)
    rows.append([_button(t(lang, "st.btn_overview"), StatusView(view=View.OVERVIEW))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# -- one rater --------------------------------------------------------------------------------------


def rater_card(campaign: Campaign, lang: str, rater: RaterProgress, sheets: list[SheetInfo], back: StatusView,
               now: datetime) -> Card:
    """All sheets of one rater: progress and state of each, never the values."""
    lines = [t(lang, "st.rater_title", name=h(_rater_name(campaign, lang, rater.key)),
               marks=_marks(lang, rater.unreachable, rater.bound))]
    for s in sheets:
        state = _state(lang, s.state, s.scored, s.approval, campaign.group(s.group).requires_approval)
        lines.append("")
        lines.append(t(lang, "st.sheet_line", mark=_mark(not s.is_open, s.scored, s.total),
                       where=h(_where(campaign, lang, s.group)), done=s.scored, total=s.total, state=state))
        if s.is_open:
            due = _due(campaign, s.group)
            lines.append("    " + t(lang, "st.sheet_due", due=f"{due:%m-%d %H:%M}",
                                    left=time_left(lang, due, now, campaign.timezone)))
        elif s.submitted_at:
            lines.append("    " + t(lang, "st.submitted_at", time=local_time(s.submitted_at, campaign.timezone)))
    legend = _legend(lang, [rater])
    if legend:
        lines += ["", legend]
    rows = [[
        _button(short(t(lang, "st.btn_group_back", group=_group_name(campaign, lang, back.group))), back),
        _button(t(lang, "st.btn_overview"), StatusView(view=View.OVERVIEW)),
    ]]
    return Card("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


# -- handlers -------------------------------------------------------------------------------------------


async def on_status(message: Message, store: Store, me: StaffMember, clock: Clock) -> None:
    groups = await load_groups(store, me)
    card = overview_card(me.campaign, me.lang, groups, clock(), collector=scope(me) is not None,
                         unknown_reminders=await _unknown_reminders(store, me),
                         materials=await status_block(store, me))
    await message.answer(card.text, reply_markup=card.markup)


async def on_view(query: CallbackQuery, callback_data: StatusView, store: Store, me: StaffMember, clock: Clock) -> None:
    card = await _view_card(callback_data, store, me, clock())
    if card is None:
        await query.answer(t(me.lang, "st.stale"))
        return
    await query.answer()
    await show(query, card)


async def _unknown_reminders(store: Store, me: Member) -> int:
    """Reminders whose send was cut off by a crash (bot/scheduler.py): for staff, not for collectors."""
    return await store.reminders.unknown_count(me.stored.id) if scope(me) is None else 0


async def _view_card(data: StatusView, store: Store, me: Member, now: datetime) -> Card | None:
    """The card a tap asks for, or None when the pointer is out of this user's reach."""
    groups = await load_groups(store, me)
    if data.view == View.OVERVIEW:
        return overview_card(me.campaign, me.lang, groups, now, collector=scope(me) is not None,
                             unknown_reminders=await _unknown_reminders(store, me),
                             materials=await status_block(store, me))
    group = next((g for g in groups if g.key == data.group), None)
    if group is None:
        return None
    if data.view == View.GROUP:
        return group_card(me.campaign, me.lang, group, data.page, now)
    rater = next((r for r in group.raters if r.sheet_id == data.sheet), None)
    if rater is None:
        return None
    sheets = await store.sheets.for_rater(me.stored.id, rater.key)
    back = StatusView(view=View.GROUP, group=group.key, page=data.page)
    return rater_card(me.campaign, me.lang, rater, sheets, back, now)


async def refuse(message: Message, me: Me) -> None:
    """The same words for every command a user may not use: nothing about what exists."""
    await message.answer(t(me.lang, "refused" if me.bound else "start.not_bound"))


async def refuse_tap(query: CallbackQuery, me: Me) -> None:
    await query.answer(t(me.lang, "refused" if me.bound else "start.not_bound"))


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="staff_status")
    allowed = HasRole(*STATUS_ROLES)
    router.message.register(on_status, Command("status"), allowed)
    router.message.register(refuse, Command("status"))
    router.callback_query.register(on_view, StatusView.filter(), allowed)
    router.callback_query.register(refuse_tap, StatusView.filter())
    return router

