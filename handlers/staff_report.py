"""/report: the ranking as a phone-sized text, the XLSX workbook and the PNG chart.

One view model per audience (issue 12). An admin gets the full result
(`storage.reporting.build_view(..., ADMIN)`), with every individual score in the
workbook. Everyone else who may ask (staff, collectors, approvers) gets the
staff view (`build_view(..., STAFF)`): the one function behind `kaoping report
--view staff` too, so the chat and the CLI show a non-admin the same figures.
Its rule is stated and argued once, in `scoring.disclosure`: confidential
groups count handed-in sheets only, in blocks of `report_min_raters`, so no two
views a non-admin can obtain differ by fewer raters than that.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import partial

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from handlers.clock import Clock
from handlers.flood import Replies, patiently
from handlers.identity import Member, StaffMember
from handlers.roles import HasRole
from handlers.staff_status import fit, refuse
from reports.chart_types import SHOW_ALL, Disclosure, NoCJKFont
from reports.exports import render_xlsx
from reports.labels import clip, label, profile_label
from reports.provenance import FileStamp, file_stamp, local_time
from scoring.campaign import Campaign, Role
from scoring.disclosure import ADMIN, STAFF
from scoring.engine import DepartmentResult, FlagKind, Report, competition_ranks, format_points
from services.audit import audit_rows
from storage.reporting import build_view, score_entries
from storage.status import campaign_status
from storage.store import Store
from texts import h, name_in, t

log = logging.getLogger(__name__)

REPORT_ROLES = (Role.ADMIN, Role.STAFF, Role.COLLECTOR, Role.APPROVER)
TOP = 15  # departments listed per profile in the chat; the file has them all
FLAG_ITEMS = 4  # groups named per kind of flag
MAX_CAPTION = 1024
MAX_RETRY_WAIT = 30  # seconds we would wait on flood control before giving up on a file
# the order staff act on: what blocks a result first, late entries last
FLAG_ORDER = (
    FlagKind.MISSING_GROUP, FlagKind.PENDING_APPROVAL, FlagKind.INCOMPLETE, FlagKind.MISSING_PART,
    FlagKind.MISSING_EXTERNAL, FlagKind.WITHHELD, FlagKind.LATE,
)


# -- ranks among the totals shown ---------------------------------------------------------


def shown_ranks(report: Report, disclosure: Mapping[str, Disclosure]) -> dict[str, int]:
    """Competition ranks per profile among the departments whose total is shown."""
    ranks: dict[str, int] = {}
    for depts in report.by_profile().values():
        drawn = [d for d in depts if disclosure.get(d.key, SHOW_ALL).total and d.total is not None]
        ranked = competition_ranks([d.total for d in drawn])  # every total drawn is known: every one ranked
        ranks.update((d.key, rank) for d, rank in zip(drawn, ranked, strict=True) if rank is not None)
    return ranks


# -- the text ---------------------------------------------------------------------------------


def _short_name(dept: DepartmentResult, lang: str) -> str:
    return clip(name_in(lang, dept.name, dept.name_en))


def _row(dept: DepartmentResult, shown: Disclosure, rank: int | None, lang: str) -> str:
    """`  1   83.13*#  市发展和改革委…`: numbers first, so CJK widths cannot push them out of line."""
    marks = ("" if dept.complete else "*") + ("" if shown.parts is None else "#")
    # an external department without its imported result has no total yet, not a total of 0
    known = dept.total if shown.total else None
    total = format_points(known) if known is not None else "—"
    place = str(rank) if known is not None and rank is not None else "—"
    return f"{place:>3}  {total:>6}{marks:<2} {h(_short_name(dept, lang))}"


def _profile_block(profile: str, depts: list[DepartmentResult], disclosure: Mapping[str, Disclosure],
                   ranks: Mapping[str, int], filed: Mapping[str, int], lang: str) -> str:
    # shown totals in rank order, then the hidden ones in file order: their position must tell nothing
    def place(d: DepartmentResult) -> tuple[bool, int]:
        hidden = d.key not in ranks  # withheld, or unknown (an external department without its result)
        return hidden, filed[d.key] if hidden else ranks[d.key]

    ordered = sorted(depts, key=place)
    rows = [_row(d, disclosure.get(d.key, SHOW_ALL), ranks.get(d.key), lang) for d in ordered[:TOP]]
    lines = [t(lang, "rp.profile", profile=h(profile_label(lang, profile)), n=len(depts)),
             "<pre>" + "\n".join([t(lang, "rp.head"), *rows]) + "</pre>"]
    if len(depts) > TOP:
        lines.append(t(lang, "rp.more", n=len(depts) - TOP))
    return "\n".join(lines)


def _flag_block(report: Report, campaign: Campaign, lang: str) -> str | None:
    """Per kind of flag: the groups (or parts) concerned with how many departments, or the departments."""
    counts: dict[FlagKind, Counter[str]] = defaultdict(Counter)
    named: dict[FlagKind, list[str]] = defaultdict(list)
    groups = {g.key: name_in(lang, g.name, g.name_en) for _, g in campaign.groups()}
    parts = {p.key: name_in(lang, p.name, p.name_en) for p in campaign.parts}
    for dept in report.departments:
        for flag in set(dept.flags):
            if flag.key is None:
                named[flag.kind].append(name_in(lang, dept.name, dept.name_en))
            else:
                names = parts if flag.kind == FlagKind.MISSING_PART else groups
                counts[flag.kind][names.get(flag.key, flag.key)] += 1
    lines = []
    for kind in FLAG_ORDER:
        items = [t(lang, "rp.flag_item", name=h(name), n=n) for name, n in counts[kind].most_common()]
        items += [h(name) for name in named[kind]]
        if items:
            lines.append(_flag_line(kind, items, lang))
    return "\n".join([t(lang, "rp.flags_title"), *lines]) if lines else None


def _flag_line(kind: FlagKind, items: list[str], lang: str) -> str:
    more = t(lang, "rp.flag_more", n=len(items)) if len(items) > FLAG_ITEMS else ""
    shown = t(lang, "st.sep").join(items[:FLAG_ITEMS]) + more
    return t(lang, "rp.flag_line", flag=h(label(lang, f"flag.{kind.value}")), items=shown)


def _notes(report: Report, disclosure: Mapping[str, Disclosure], k: int, lang: str, view: str) -> str | None:
    shown = [disclosure.get(d.key, SHOW_ALL) for d in report.departments]
    notes = [t(lang, "rp.note_staff", k=k)] if view == STAFF else []
    if any(not d.complete for d in report.departments):
        notes.append(t(lang, "rp.note_incomplete"))
    if any(s.parts is not None for s in shown):
        notes.append(t(lang, "rp.note_thin", k=k))
    if any(not s.total for s in shown):
        notes.append(t(lang, "rp.note_hidden", k=k))
    return "\n".join(notes) or None


def report_text(report: Report, campaign: Campaign, lang: str, disclosure: Mapping[str, Disclosure],
                provisional: bool, generated: str, view: str = ADMIN) -> str:
    """The chat message: totals per profile (top lines), flags called out, notes; at most 4096 characters."""
    head = [
        t(lang, "rp.title", title=h(name_in(lang, campaign.title, campaign.title_en))),
        t(lang, "rp.provisional" if provisional else "rp.final"),
        t(lang, "rp.generated", time=generated),
    ]
    ranks = shown_ranks(report, disclosure)
    filed = {d.key: n for n, d in enumerate(campaign.departments)}
    blocks = ["\n".join(head)]
    blocks += [_profile_block(p, ds, disclosure, ranks, filed, lang) for p, ds in report.by_profile().items() if ds]
    notes = _notes(report, disclosure, campaign.report_min_raters, lang, view)
    blocks += [b for b in (_flag_block(report, campaign, lang), notes) if b]
    return fit(blocks, t(lang, "rp.truncated"))


# -- the handler ----------------------------------------------------------------------------------


async def on_report(message: Message, bot: Bot, store: Store, me: StaffMember, clock: Clock,
                    sender: Replies | None = None) -> None:
    campaign, lang, chat = me.campaign, me.lang, message.chat.id
    view = ADMIN if me.has(Role.ADMIN) else STAFF
    report, complete = await build_view(store, me.stored, view)
    status = await campaign_status(store, me.stored)
    now = clock()
    stamp = file_stamp(campaign, now, status.sheets - status.submitted, complete, view)
    local = local_time(campaign, now)
    text = report_text(report, campaign, lang, {}, stamp.provisional, f"{local:%Y-%m-%d %H:%M}", view)
    await patiently(sender, lambda: message.answer(text), MAX_RETRY_WAIT)
    await bot.send_chat_action(chat, ChatAction.UPLOAD_DOCUMENT)
    await _send_workbook(bot, chat, store, me, report, stamp, f"{campaign.key}-{local:%Y%m%d-%H%M}", sender)
    await _send_chart(bot, chat, me, report, stamp.provisional, sender)
    log.info("report sent: campaign %s to %s (view=%s)", campaign.key, me.telegram_id, view)


async def _send_workbook(bot: Bot, chat: int, store: Store, me: Member, report: Report, stamp: FileStamp,
                         stem: str, sender: Replies | None) -> None:
    # the workbook and chart take a moment: render off the event loop so other users are not kept waiting
    if stamp.view == ADMIN:
        rows = await score_entries(store, me.stored)  # every individual score: read for the admin's file only
        audit = await audit_rows(store, me.stored)  # and the audit log: who changed what, chained
        data = await asyncio.to_thread(partial(render_xlsx, stamp=stamp, audit=audit), report, me.campaign,
                                       me.lang, rows)
        name, caption = f"{stem}-full.xlsx", t(me.lang, "rp.doc_admin")
    else:
        data = await asyncio.to_thread(render_xlsx, report, me.campaign, me.lang, stamp=stamp)
        name, caption = f"{stem}.xlsx", t(me.lang, "rp.doc_staff", k=me.campaign.report_min_raters)
    await patiently(sender, lambda: bot.send_document(chat, BufferedInputFile(data, name),
                                                      caption=caption[:MAX_CAPTION]), MAX_RETRY_WAIT)


async def _send_chart(bot: Bot, chat: int, me: Member, report: Report, provisional: bool,
                      sender: Replies | None) -> None:
    try:
        from reports.chart import render_chart  # matplotlib loads on the first chart, not at start-up

        png = await asyncio.to_thread(render_chart, report, me.campaign, me.lang, None, provisional)
    except NoCJKFont:
        log.warning("no CJK font installed: /report sent without its chart")
        await patiently(sender, lambda: bot.send_message(chat, t(me.lang, "rp.no_font")), MAX_RETRY_WAIT)
        return
    caption = t(me.lang, "rp.chart")[:MAX_CAPTION]
    await patiently(sender, lambda: bot.send_photo(chat, BufferedInputFile(png, "ranking.png"), caption=caption),
                    MAX_RETRY_WAIT)


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="staff_report")
    router.message.register(on_report, Command("report"), HasRole(*REPORT_ROLES))
    router.message.register(refuse, Command("report"))
    return router
