"""What the rater sees: the home card, the scoring card, the list and the review, as text + keyboard.

Pure functions of what the store returned, so a restart or a second device
renders exactly the same card.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import HOME_DATA, Act, Approval, ProxyCheck, Verdict, walk_data
from handlers.clock import local_time
from scoring.campaign import Campaign, Role, format_value
from storage.sheets import Item, SheetInfo
from texts import BUTTON_MAX, h, name_in, shorten, t

LIST_PAGE = 10
REVIEW_PAGE = 25
COMMENT_MAX = 500
PRESETS_PER_ROW = 4


@dataclass(frozen=True, slots=True)
class Card:
    text: str
    markup: InlineKeyboardMarkup


@dataclass(frozen=True, slots=True)
class CardExtra:
    """What another feature adds under the department on a score card (handlers/materials_card.py)."""

    lines: tuple[str, ...] = ()
    buttons: tuple[InlineKeyboardButton, ...] = ()


def _button(text: str, data: str) -> InlineKeyboardButton:
    # a copy of a validated button with new data costs half of validating a fresh one (17 a card)
    return _labelled(text).model_copy(update={"callback_data": data})


@functools.lru_cache(maxsize=1024)
def _labelled(text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data="-")


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def to_hundredths(value: float) -> int:
    return round(value * 100)


def from_hundredths(arg: int) -> float:
    return arg / 100


def group_names(campaign: Campaign, group_key: str, lang: str) -> tuple[str, str]:
    part = campaign.part_of(group_key)
    group = campaign.group(group_key)
    return name_in(lang, part.name, part.name_en), name_in(lang, group.name, group.name_en)


def where(campaign: Campaign, group_key: str, lang: str) -> str:
    """`part · group`, or the group's name alone when the part has the same name (escaped for HTML)."""
    part, group = group_names(campaign, group_key, lang)
    return h(group) if part == group else f"{h(part)} · {h(group)}"


def role_names(lang: str, roles: Iterable[Role]) -> str:
    """Role names in the reader's language, never the raw keys."""
    return t(lang, "role.sep").join(t(lang, f"role.{r.value}") for r in sorted(roles, key=lambda r: r.value))


def time_left(lang: str, due_local: datetime, now: datetime, tz: str) -> str:
    due = due_local.replace(tzinfo=ZoneInfo(tz))
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        return t(lang, "left.passed")
    if seconds >= 86400:
        return t(lang, "left.days", n=int(seconds // 86400))
    if seconds >= 3600:
        return t(lang, "left.hours", n=int(seconds // 3600))
    return t(lang, "left.minutes", n=max(1, int(seconds // 60)))


def state_text(lang: str, sheet: SheetInfo) -> str:
    if sheet.approval == "approved":
        return t(lang, "state.approved")
    return t(lang, f"state.{sheet.state}")


def home_card(
    campaign: Campaign, lang: str, who: str, sheets: list[SheetInfo], now: datetime,
    proxies: dict[str, list[SheetInfo]] | None = None, roles: dict[str, list[SheetInfo]] | None = None,
    extra: CardExtra | None = None, imported: frozenset[tuple[str, str]] = frozenset(),
) -> Card:
    """`sheets` are the account's own; `roles` (rater key -> sheets) when it holds several rater roles,
    each shown under its own heading; `proxies` the raters a collector enters for; `imported` the
    (rater, group) of sheets holding scores that came from a file, marked as such."""
    lines = [t(lang, "home.title", campaign=h(name_in(lang, campaign.title, campaign.title_en)), who=h(who))]
    buttons: list[list[InlineKeyboardButton]] = []
    if not sheets and not proxies and not roles:
        lines.append(t(lang, "home.empty"))
    # (heading, whom a collector enters for, sheets): the own sheets, each further rater role, each leader
    sections: list[tuple[str | None, str | None, list[SheetInfo]]] = [(None, None, sheets)]
    for rater_key, role_sheets in (roles or {}).items():
        sections.append((t(lang, "home.role_title", name=h(_rater_name(campaign, lang, rater_key))), None,
                         role_sheets))
    for rater_key, rater_sheets in (proxies or {}).items():
        name = _rater_name(campaign, lang, rater_key)
        sections.append((t(lang, "home.proxy_title", name=h(name)), name, rater_sheets))
    for heading, entered_for, section in sections:
        if heading is not None:
            lines.append(heading)
        for sheet in section:
            lines.append(_sheet_line(campaign, lang, sheet, now, imported))
            if entered_for is None:
                buttons.append(_sheet_buttons(campaign, lang, sheet))
            elif sheet.is_open:
                label = t(lang, "btn.proxy", name=entered_for)
                buttons.append([_button(_short(label), walk_data(Act.OPEN, sheet.id))])
    if extra is not None:  # a department contact's materials (handlers/materials_card.py)
        lines.extend(extra.lines)
        buttons.append(list(extra.buttons))
    return Card("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=buttons))


def _rater_name(campaign: Campaign, lang: str, key: str) -> str:
    rater = campaign.rater(key)
    return name_in(lang, rater.name, rater.name_en)


def _sheet_line(campaign: Campaign, lang: str, sheet: SheetInfo, now: datetime,
                imported: frozenset[tuple[str, str]] = frozenset()) -> str:
    due = campaign.milestone(campaign.group(sheet.group).milestone).due
    mark = "✅" if not sheet.is_open else ("🟢" if sheet.missing == 0 else "⬜")
    state = state_text(lang, sheet)
    if (sheet.rater, sheet.group) in imported:
        state = f"{state} {t(lang, 'mark.imported')}".strip()
    return t(
        lang, "home.sheet", mark=mark, where=where(campaign, sheet.group, lang), done=sheet.scored, total=sheet.total,
        due=f"{due:%m-%d %H:%M}", left=time_left(lang, due, now, campaign.timezone), state=state,
    )


def _sheet_buttons(campaign: Campaign, lang: str, sheet: SheetInfo) -> list[InlineKeyboardButton]:
    _, group = group_names(campaign, sheet.group, lang)
    if not sheet.is_open:
        return [_button(_short(t(lang, "btn.review", group=group)), walk_data(Act.REVIEW, sheet.id))]
    review = _button(_short(t(lang, "btn.review", group=group)), walk_data(Act.REVIEW, sheet.id))
    if sheet.missing == 0:  # everything scored: the next step is to hand it in
        return [review, _button(_short(t(lang, "btn.submit_sheet", group=group)), walk_data(Act.SUBMIT, sheet.id))]
    return [_button(_short(t(lang, "btn.continue", group=group)), walk_data(Act.OPEN, sheet.id)), review]


def _short(label: str, limit: int = BUTTON_MAX) -> str:
    return shorten(label, limit)


def next_open(items: list[Item], after_position: int | None) -> Item | None:
    """The first unscored item after a position, wrapping round; None when all are done."""
    if after_position is None:
        return next((i for i in items if not i.done), None)
    later = [i for i in items if i.position > after_position and not i.done]
    return later[0] if later else next((i for i in items if not i.done), None)


def score_card(
    campaign: Campaign, lang: str, sheet: SheetInfo, items: list[Item], item: Item,
    note: str | None = None, proxy_name: str | None = None, extra: CardExtra | None = None,
) -> Card:
    pos = next(n for n, i in enumerate(items, start=1) if i.assignment_id == item.assignment_id)
    return score_card_at(campaign, lang, sheet, item, pos, note, proxy_name, extra)


def score_card_at(
    campaign: Campaign, lang: str, sheet: SheetInfo, item: Item, pos: int,
    note: str | None = None, proxy_name: str | None = None, extra: CardExtra | None = None,
) -> Card:
    """The score card of `item`, the `pos`-th (from 1) of the sheet's walk: what `score_card` shows,
    for a caller that read that one item and the sheet's counts instead of every item."""
    dept = campaign.department(item.department)
    sector = next(s for s in campaign.sectors if s.key == dept.sector)
    lines = [t(lang, "card.head", where=where(campaign, sheet.group, lang), pos=pos, total=sheet.total,
               done=sheet.scored)]
    if proxy_name:
        lines.append(t(lang, "card.proxy", name=h(proxy_name)))
    if sheet.state == "reopened" and sheet.reopen_reason:
        lines.append(t(lang, "card.reopened", reason=h(sheet.reopen_reason)))
    lines.append("")
    lines.append(t(lang, "card.dept", dept=h(name_in(lang, dept.name, dept.name_en)),
                   sector=h(name_in(lang, sector.name, sector.name_en))))
    if extra is not None:
        lines.extend(extra.lines)
    if item.recused:
        lines.append(t(lang, "card.recused", reason=h(item.reason or "")))
    elif item.value is not None:
        lines.append(t(lang, "card.current", value=format_value(item.value)))
    if item.comment:
        lines.append(t(lang, "card.comment", comment=h(item.comment)))
    if item.source == "proxy" and not proxy_name:  # the leader sees what their office entered for them
        lines.append(t(lang, "card.proxied"))
    if note:
        lines.append("")
        lines.append(note)
    return Card("\n".join(lines), _score_keyboard(campaign, lang, sheet, item, extra))


def _score_keyboard(
    campaign: Campaign, lang: str, sheet: SheetInfo, item: Item, extra: CardExtra | None = None,
) -> InlineKeyboardMarkup:
    aid, sheet_id = item.assignment_id, sheet.id

    def walk(act: Act, arg: int = 0) -> str:
        return walk_data(act, sheet_id, aid, arg)

    presets = [
        _button(("● " if item.value == value else "") + label,
                walk_data(Act.SCORE, sheet_id, aid, to_hundredths(value), item.version))
        for label, value in campaign.button_values()
    ]
    presets.append(_button(t(lang, "btn.other"), walk(Act.OTHER)))
    rows = _rows(presets, PRESETS_PER_ROW)
    if extra is not None and extra.buttons:
        rows.append(list(extra.buttons))
    rows.append([_button(t(lang, "btn.comment"), walk(Act.COMMENT)), _button(t(lang, "btn.recuse"), walk(Act.RECUSE))])
    rows.append([
        _button(t(lang, "btn.back"), walk(Act.BACK)),
        _button(t(lang, "btn.list"), walk(Act.LIST)),
        _button(t(lang, "btn.skip"), walk(Act.SKIP)),
    ])
    rows.append([
        _button(t(lang, "btn.undo"), walk(Act.UNDO, sheet.undo_target)),
        _button(t(lang, "btn.to_review"), walk(Act.REVIEW)),
        _button(t(lang, "btn.home"), HOME_DATA),
    ])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def prompt_card(card: Card, prompt: str, lang: str, sheet_id: int, aid: int) -> Card:
    """The scoring card with a prompt under it and only a Cancel button."""
    cancel = _button(t(lang, "btn.cancel"), walk_data(Act.CANCEL, sheet_id, item=aid))
    return Card(f"{card.text}\n\n{prompt}", InlineKeyboardMarkup(inline_keyboard=[[cancel]]))


def second_look_card(card: Card, note: str, lang: str, sheet_id: int, item: Item, value: float) -> Card:
    """The scoring card asking once more about an unusual typed value: store it, type again, or cancel."""
    aid = item.assignment_id
    rows = [
        [_button(t(lang, "btn.store_anyway", value=format_value(value)),
                 walk_data(Act.SCORE, sheet_id, aid, to_hundredths(value), item.version))],
        [_button(t(lang, "btn.retype"), walk_data(Act.OTHER, sheet_id, aid)),
         _button(t(lang, "btn.cancel"), walk_data(Act.CANCEL, sheet_id, aid))],
    ]
    return Card(f"{card.text}\n\n{note}", InlineKeyboardMarkup(inline_keyboard=rows))


def _pager(lang: str, act: Act, sheet_id: int, page: int, pages: int) -> list[list[InlineKeyboardButton]]:
    """◀ ▶ for a paged card: a row only when there is somewhere to go."""
    nav = []
    if page > 0:
        nav.append(_button(t(lang, "btn.prev_page"), walk_data(act, sheet_id, arg=page - 1)))
    if page < pages - 1:
        nav.append(_button(t(lang, "btn.next_page"), walk_data(act, sheet_id, arg=page + 1)))
    return [nav] if nav else []


def list_card(campaign: Campaign, lang: str, sheet: SheetInfo, items: list[Item], page: int) -> Card:
    _, group = group_names(campaign, sheet.group, lang)
    pages = max(1, -(-len(items) // LIST_PAGE))
    page = min(max(page, 0), pages - 1)
    chunk = items[page * LIST_PAGE : (page + 1) * LIST_PAGE]
    rows = []
    for item in chunk:
        dept = campaign.department(item.department)
        mark = "✓" if item.done else "·"
        value = f" {format_value(item.value)}" if item.value is not None else ""
        label = f"{mark} {_short(name_in(lang, dept.name, dept.name_en))}{value}"  # the value always shows
        rows.append([_button(label, walk_data(Act.GOTO, sheet.id, item=item.assignment_id))])
    rows += _pager(lang, Act.LIST, sheet.id, page, pages)
    rows.append([_button(t(lang, "btn.resume"), walk_data(Act.OPEN, sheet.id))])
    title = t(lang, "list.title", group=h(group)) + f"  ({page + 1}/{pages})"
    return Card(title, InlineKeyboardMarkup(inline_keyboard=rows))


def review_card(campaign: Campaign, lang: str, sheet: SheetInfo, items: list[Item], page: int) -> Card:
    pages = max(1, -(-len(items) // REVIEW_PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [t(lang, "review.title", where=where(campaign, sheet.group, lang), page=page + 1, pages=pages)]
    for n, item in enumerate(items[page * REVIEW_PAGE : (page + 1) * REVIEW_PAGE], start=page * REVIEW_PAGE + 1):
        dept = campaign.department(item.department)
        if item.recused:
            value = t(lang, "review.recused")
        elif item.value is None:
            value = "<b>" + t(lang, "review.missing") + "</b>"
        else:
            value = format_value(item.value)
        comment = f" 💬 {h(_short(item.comment, 60))}" if item.comment else ""
        if item.source == "proxy":
            value += " ✍"
        lines.append(t(lang, "review.line", n=n, dept=h(name_in(lang, dept.name, dept.name_en)),
                       value=value, comment=comment))
    lines.append("")
    if any(i.source == "proxy" for i in items):
        lines.append(t(lang, "review.proxied_legend"))
    if sheet.missing:
        lines.append(t(lang, "review.missing_count", n=sheet.missing))
    spread = _spread(lang, items)
    if spread:
        lines.append(spread)
    if sheet.state == "submitted":
        lines.append(t(lang, "submit.already", time=local_time(sheet.submitted_at, campaign.timezone)
                       if sheet.submitted_at else ""))
    rows = _pager(lang, Act.REVIEW, sheet.id, page, pages)
    if sheet.is_open:
        if sheet.missing:
            rows.append([_button(t(lang, "btn.resume"), walk_data(Act.OPEN, sheet.id))])
        else:
            rows.append([_button(t(lang, "btn.submit"), walk_data(Act.SUBMIT, sheet.id))])
            rows.append([_button(t(lang, "btn.list"), walk_data(Act.LIST, sheet.id))])
    rows.append([_button(t(lang, "btn.home"), HOME_DATA)])
    return Card("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def _spread(lang: str, items: list[Item]) -> str | None:
    values = [i.value for i in items if i.value is not None]
    if not values:
        return None
    top, count = Counter(values).most_common(1)[0]
    return t(
        lang, "review.spread", mean=format_value(round(statistics.fmean(values), 2)), max=format_value(max(values)),
        min=format_value(min(values)), top=format_value(top), count=count, total=len(items),
    )


def confirm_card(campaign: Campaign, lang: str, sheet: SheetInfo) -> Card:
    _, group = group_names(campaign, sheet.group, lang)
    rows = [[
        _button(t(lang, "btn.confirm_submit"), walk_data(Act.CONFIRM, sheet.id)),
        _button(t(lang, "btn.cancel"), walk_data(Act.REVIEW, sheet.id)),
    ]]
    return Card(t(lang, "submit.confirm", group=h(group), n=sheet.total), InlineKeyboardMarkup(inline_keyboard=rows))


def receipt_text(campaign: Campaign, lang: str, sheet: SheetInfo, count: int, when: str, digest: str) -> str:
    """The receipt: a message of its own with no buttons, so no later tap can edit it away."""
    return t(lang, "submit.receipt", where=where(campaign, sheet.group, lang), n=count, time=when, digest=digest)


def approval_card(campaign: Campaign, lang: str, sheet: SheetInfo, items: list[Item]) -> Card:
    """What the approver decides on: who, which group, every score, the spread."""
    rater = campaign.rater(sheet.rater)
    lines = [t(lang, "approval.title", where=where(campaign, sheet.group, lang),
               rater=h(name_in(lang, rater.name, rater.name_en)), n=sheet.total)]
    for n, item in enumerate(items[:REVIEW_PAGE], start=1):
        dept = campaign.department(item.department)
        value = t(lang, "review.recused") if item.recused else (
            format_value(item.value) if item.value is not None else t(lang, "review.missing"))
        comment = f" 💬 {h(_short(item.comment, 60))}" if item.comment else ""
        lines.append(t(lang, "review.line", n=n, dept=h(name_in(lang, dept.name, dept.name_en)),
                       value=value, comment=comment))
    if len(items) > REVIEW_PAGE:
        lines.append("…")
    spread = _spread(lang, items)
    if spread:
        lines.append(spread)
    rows = [[
        _button(t(lang, "btn.approve"), Approval(verdict=Verdict.APPROVE, sheet=sheet.id).pack()),
        _button(t(lang, "btn.return"), Approval(verdict=Verdict.RETURN, sheet=sheet.id).pack()),
    ]]
    return Card("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def proxy_check_markup(lang: str, sheet_id: int, upto: int) -> InlineKeyboardMarkup:
    """The leader's answer to a batch of proxy entries: all correct, or a change is needed; and the sheet."""
    return InlineKeyboardMarkup(inline_keyboard=[
        [_button(t(lang, "btn.proxy_ok"), ProxyCheck(sheet=sheet_id, upto=upto, ok=True).pack()),
         _button(t(lang, "btn.proxy_change"), ProxyCheck(sheet=sheet_id, upto=upto, ok=False).pack())],
        [_button(t(lang, "btn.to_review"), walk_data(Act.REVIEW, sheet_id))],
    ])


def reopened_markup(lang: str, sheet_id: int) -> InlineKeyboardMarkup:
    """The one button a rater needs when a sheet comes back: continue where it stands."""
    return InlineKeyboardMarkup(inline_keyboard=[[_button(t(lang, "btn.resume"), walk_data(Act.OPEN, sheet_id))]])
