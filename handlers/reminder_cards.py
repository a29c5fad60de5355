"""The reminder a laggard gets and the digest staff get after a milestone: texts and buttons, in the
reader's language (the catalog's `remind.*` and `digest.*` keys)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import Act, Walk
from handlers.cards import group_names, time_left, where
from scoring.campaign import Campaign, MaterialKind, Milestone
from storage.people import Contact
from storage.sheets import SheetInfo
from texts import BUTTON_MAX, h, name_in, shorten, t

MESSAGE_BUDGET = 3500  # characters of HTML; Telegram's limit is 4096 after parsing
UNBOUND_NAMED = 40  # raters who never opened their invite, named in a digest; the rest counted


def _short(label: str) -> str:
    return shorten(label, BUTTON_MAX)


def reminder_message(
    campaign: Campaign, lang: str, milestone: Milestone, sheets: list[SheetInfo], now: datetime,
    materials: Sequence[MaterialKind] = (),
) -> tuple[str, InlineKeyboardMarkup]:
    """Progress of each unfinished sheet and one Continue button per sheet; then the materials the
    rater's department still owes (a contact hands them in by sending the files in the chat)."""
    lines = [
        t(
            lang, "remind.title", campaign=h(name_in(lang, campaign.title, campaign.title_en)),
            milestone=h(name_in(lang, milestone.name, milestone.name_en)), due=f"{milestone.due:%m-%d %H:%M}",
            left=time_left(lang, milestone.due, now, campaign.timezone),
        )
    ]
    buttons = []
    for sheet in sheets:
        _, group = group_names(campaign, sheet.group, lang)
        state = " " + t(lang, "state.reopened") if sheet.state == "reopened" else ""
        key = "remind.sheet_ready" if sheet.missing == 0 else "remind.sheet"
        lines.append(t(lang, key, where=where(campaign, sheet.group, lang), done=sheet.scored, total=sheet.total,
                       state=state))
        label = _short(t(lang, "remind.btn", group=group))
        buttons.append([InlineKeyboardButton(text=label, callback_data=Walk(act=Act.OPEN, sheet=sheet.id).pack())])
    lines += [t(lang, "remind.mat", kind=h(name_in(lang, k.name, k.name_en))) for k in materials]
    lines.append(t(lang, "remind.footer"))
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=buttons[:100])


def digest_message(
    campaign: Campaign, lang: str, milestone: Milestone, sheets: list[SheetInfo],
    contacts: dict[tuple[str, str], Contact], *, collector: bool,
    missing_materials: dict[str, list[str]] | None = None,
) -> str:
    """Laggards per group of the milestone (names, progress, whether they can be reached); then the
    departments that have not handed in the milestone's materials (department -> kinds)."""
    title = t(
        lang, "digest.title_collector" if collector else "digest.title",
        campaign=h(name_in(lang, campaign.title, campaign.title_en)),
        milestone=h(name_in(lang, milestone.name, milestone.name_en)), due=f"{milestone.due:%m-%d %H:%M}",
    )
    names = {r.key: name_in(lang, r.name, r.name_en) for r in campaign.raters}
    body: list[tuple[str, bool]] = []  # (line, is a rater line)
    for _, group in campaign.groups():
        if group.milestone != milestone.key:
            continue
        in_group = [s for s in sheets if s.group == group.key]
        late = sorted((s for s in in_group if s.is_open), key=lambda s: (s.scored / max(s.total, 1), s.rater))
        if not late:
            continue
        body.append((t(lang, "digest.group", where=where(campaign, group.key, lang), late=len(late),
                       sheets=len(in_group)), False))
        for s in late:
            contact = contacts.get(("rater", s.rater))
            flag = (t(lang, "digest.unbound") if contact is None
                    else t(lang, "digest.unreachable") if contact.unreachable else "")
            body.append((t(lang, "digest.rater", name=h(names.get(s.rater, s.rater)), done=s.scored, total=s.total,
                           flag=flag), True))
    for kind in campaign.materials:
        depts = [d for d, kinds in (missing_materials or {}).items() if kind.key in kinds]
        if depts:
            body.append((t(lang, "digest.mat", kind=h(name_in(lang, kind.name, kind.name_en)), n=len(depts)), False))
            body += [(t(lang, "digest.mat_dept", name=h(name_in(lang, campaign.department(d).name,
                                                                   campaign.department(d).name_en))), True)
                     for d in depts]
    if not body:
        return "\n".join([title, t(lang, "digest.all_done")])
    footer = t(lang, "digest.footer")
    # who never opened their invite, by name, first: the bot cannot reach them, a person must
    late_keys = {s.rater for s in sheets if s.is_open and campaign.group(s.group).milestone == milestone.key}
    unbound = [names.get(r.key, r.key) for r in campaign.raters
               if r.key in late_keys and ("rater", r.key) not in contacts]
    if unbound:
        shown = [h(n) for n in unbound[:UNBOUND_NAMED]]
        more = t(lang, "st.more", n=len(unbound) - UNBOUND_NAMED) if len(unbound) > UNBOUND_NAMED else ""
        title += t(lang, "digest.unbound_names", names=t(lang, "st.sep").join(shown) + more)
    lines, size = [title], len(title) + len(footer)
    for i, (line, _) in enumerate(body):
        if size + len(line) + 1 > MESSAGE_BUDGET:
            hidden = sum(is_rater for _, is_rater in body[i:])
            lines.append(t(lang, "digest.more", n=hidden))
            break
        lines.append(line)
        size += len(line) + 1
    lines.append(footer)
    return "\n".join(lines)
