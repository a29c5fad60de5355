"""/report: the ranking as a phone-sized text, the XLSX workbook and the PNG chart.

Confidentiality (issue 4, item 9). Let k = campaign.report_min_raters. A group
result for a department is *thin* while 0 < n < k raters have scored it. What
the chat shows must not let anyone work out a thin group's result, so:

1. The chat text shows only each department's total (with rank); no part or
   group figure ever appears in it. Departments with a thin group are marked.
2. A total is shown only when at least k distinct raters stand behind it (or
   none: then it is just the adjustment). Early in a campaign a total that
   rests on, say, the mayor alone is 15% of the mayor's score; it is shown as
   "—", and ranks are counted among the departments shown, so no gap places it.
3. The chart breaks a bar into parts only where no sum can isolate a thin
   group: a part with a thin group is *veiled*; the veiled parts are summed into
   one grey segment, which is shown only when it mixes at least k distinct
   raters; otherwise the whole bar is grey. So every figure drawn (a part, the
   grey sum, the total, and any difference of them) mixes at least k raters.
4. The XLSX applies the same rule for staff (veiled parts and hidden totals left
   out, no individual scores); only an admin gets the full workbook with every
   individual score, as the issue asks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramRetryAfter
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

import handlers.texts.staff_report  # noqa: F401  (registers the st.* / rp.* texts)
from handlers.clock import Clock
from handlers.identity import Me
from handlers.roles import HasRole
from handlers.staff_status import fit, refuse
from handlers.texts import h, name_in, t
from scoring.campaign import Campaign, Role
from scoring.disclosure import SHOW_ALL, Disclosure, NoCJKFont, clip
from scoring.engine import DepartmentResult, FlagKind, GroupResult, Report, competition_ranks, format_points
from scoring.exports import render_xlsx
from scoring.provenance import ADMIN, STAFF, FileStamp, file_stamp
from scoring.texts_report import label, profile_label
from storage.reporting import build_report, counted_raters, score_entries
from storage.status import campaign_status
from storage.store import Store

log = logging.getLogger(__name__)

REPORT_ROLES = (Role.ADMIN, Role.STAFF)
TOP = 15  # departments listed per profile in the chat; the file has them all
FLAG_ITEMS = 4  # groups named per kind of flag
MAX_CAPTION = 1024
MAX_RETRY_WAIT = 30  # seconds we would wait on flood control before giving up on a file
# the order staff act on: what blocks a result first, late entries last
FLAG_ORDER = (
    FlagKind.MISSING_GROUP, FlagKind.PENDING_APPROVAL, FlagKind.INCOMPLETE, FlagKind.MISSING_PART,
    FlagKind.MISSING_EXTERNAL, FlagKind.LATE,
)


# -- confidentiality ---------------------------------------------------------------------


def thin_groups(dept: DepartmentResult, k: int, bodies: frozenset[str] = frozenset()) -> set[str]:
    """Groups whose result for the department rests on fewer than k raters (but some).

    `bodies` are groups marked `confidential: false` (a panel, a channel): their
    one score is a body's verdict, not a person's, and needs no cover.
    """
    return {key for part in dept.parts.values() for key, g in part.groups.items()
            if 0 < g.n < k and key not in bodies}


def _counts(g: GroupResult, key: str, bodies: frozenset[str]) -> bool:
    """Whether the group's raters stand behind the department's points (and so need cover)."""
    # a body's verdict has nobody to protect; a group with too few values does not count at all
    return g.n > 0 and g.score is not None and key not in bodies


def rater_lookups(report: Report, campaign: Campaign) -> list[tuple[str, str]]:
    """(group, department) pairs whose raters `disclose` must know by name: counted, but fewer than k.

    A group with k or more counted raters settles every question it enters
    into by its count alone, so only these few pairs are read from the store.
    """
    k = campaign.report_min_raters
    bodies = frozenset(g.key for _, g in campaign.groups() if not g.confidential)
    return [(key, dept.key) for dept in report.departments for part in dept.parts.values()
            for key, g in part.groups.items() if _counts(g, key, bodies) and g.n < k]


def _covered(dept: DepartmentResult, parts: Iterable[str], k: int, bodies: frozenset[str],
             raters: Mapping[tuple[str, str], set[str]]) -> bool:
    """Whether the points of `parts` rest on no rater at all or on at least k distinct raters."""
    seen: set[str] = set()
    for part in parts:
        for key, g in dept.parts[part].groups.items():
            if not _counts(g, key, bodies):
                continue
            if g.n >= k:
                return True
            seen |= raters.get((key, dept.key), set())
    return not seen or len(seen) >= k


def disclose(report: Report, campaign: Campaign, raters: Mapping[tuple[str, str], set[str]]) -> dict[str, Disclosure]:
    """What the chat may show of each department (see the module's docstring).

    `raters`: (group, department) -> the raters counted there, for the pairs
    `rater_lookups` names (others may be present; they are not needed).
    """
    k = campaign.report_min_raters
    bodies = frozenset(g.key for _, g in campaign.groups() if not g.confidential)
    shown: dict[str, Disclosure] = {}
    for dept in report.departments:
        if dept.external:
            continue  # an imported final score: no rater stands behind it
        total = _covered(dept, dept.parts, k, bodies, raters)
        thin = thin_groups(dept, k, bodies)
        if not thin:
            shown[dept.key] = Disclosure(total=total)
            continue
        veiled = {p for p, part in dept.parts.items() if thin & part.groups.keys()}
        open_parts = frozenset(dept.parts) - veiled if _covered(dept, veiled, k, bodies, raters) else frozenset()
        shown[dept.key] = Disclosure(total=total, parts=open_parts)
    return shown


def shown_ranks(report: Report, disclosure: Mapping[str, Disclosure]) -> dict[str, int]:
    """Competition ranks per profile among the departments whose total is shown."""
    ranks: dict[str, int] = {}
    for depts in report.by_profile().values():
        drawn = [d for d in depts if disclosure.get(d.key, SHOW_ALL).total and d.total is not None]
        ranks.update(zip((d.key for d in drawn), competition_ranks([d.total for d in drawn]), strict=True))
    return ranks


def veiled_report(report: Report, disclosure: Mapping[str, Disclosure]) -> Report:
    """The report as staff may have it in a file: hidden totals and veiled parts left out."""
    ranks = shown_ranks(report, disclosure)
    departments = []
    for dept in report.departments:
        shown = disclosure.get(dept.key, SHOW_ALL)
        if not shown.total:
            continue
        parts = dept.parts if shown.parts is None else {k: v for k, v in dept.parts.items() if k in shown.parts}
        departments.append(replace(dept, parts=parts, rank=ranks.get(dept.key)))
    return Report(report.campaign, departments)


# -- the text ---------------------------------------------------------------------------------


def _short_name(dept: DepartmentResult, lang: str) -> str:
    return clip(name_in(lang, dept.name, dept.name_en))


def _row(dept: DepartmentResult, shown: Disclosure, rank: int | None, lang: str) -> str:
    """`  1   83.13*#  市发展和改革委…`: numbers first, so CJK widths cannot push them out of line."""
    marks = ("" if dept.complete else "*") + ("" if shown.parts is None else "#")
    # an external department without its imported result has no total yet, not a total of 0
    known = shown.total and dept.total is not None
    total = format_points(dept.total) if known else "—"
    place = str(rank) if known and rank is not None else "—"
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


def _notes(report: Report, disclosure: Mapping[str, Disclosure], k: int, lang: str) -> str | None:
    shown = [disclosure.get(d.key, SHOW_ALL) for d in report.departments]
    notes = []
    if any(not d.complete for d in report.departments):
        notes.append(t(lang, "rp.note_incomplete"))
    if any(s.parts is not None for s in shown):
        notes.append(t(lang, "rp.note_thin", k=k))
    if any(not s.total for s in shown):
        notes.append(t(lang, "rp.note_hidden", k=k))
    return "\n".join(notes) or None


def report_text(report: Report, campaign: Campaign, lang: str, disclosure: Mapping[str, Disclosure],
                provisional: bool, generated: str) -> str:
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
    blocks += [b for b in (_flag_block(report, campaign, lang), _notes(report, disclosure,
                                                                         campaign.report_min_raters, lang)) if b]
    return fit(blocks, t(lang, "rp.truncated"))


# -- the handler ----------------------------------------------------------------------------------


async def on_report(message: Message, bot: Bot, store: Store, me: Me, clock: Clock) -> None:
    campaign, lang, chat = me.campaign, me.lang, message.chat.id
    report = await build_report(store, me.stored)
    status = await campaign_status(store, me.stored)
    now = clock()
    view = ADMIN if me.has(Role.ADMIN) else STAFF
    stamp = file_stamp(campaign, now, status.sheets - status.submitted, report, view)
    provisional = stamp.provisional
    disclosure = disclose(report, campaign, await counted_raters(store, me.stored, rater_lookups(report, campaign)))
    local = now.astimezone(ZoneInfo(campaign.timezone))
    text = report_text(report, campaign, lang, disclosure, provisional, f"{local:%Y-%m-%d %H:%M}")
    await _patiently(lambda: message.answer(text))
    await bot.send_chat_action(chat, ChatAction.UPLOAD_DOCUMENT)
    await _send_workbook(bot, chat, store, me, report, disclosure, stamp, f"{campaign.key}-{local:%Y%m%d-%H%M}")
    await _send_chart(bot, chat, me, report, disclosure, provisional)
    log.info("report sent: campaign %s to %s (admin=%s)", campaign.key, me.telegram_id, me.has(Role.ADMIN))


async def _patiently(send: Callable[[], Awaitable[object]]) -> None:
    """Three messages in a row may meet flood control (429): wait as told, once, rather than drop a file."""
    try:
        await send()
    except TelegramRetryAfter as exc:
        if exc.retry_after > MAX_RETRY_WAIT:
            raise
        await asyncio.sleep(exc.retry_after)
        await send()


async def _send_workbook(bot: Bot, chat: int, store: Store, me: Me, report: Report,
                         disclosure: Mapping[str, Disclosure], stamp: FileStamp, stem: str) -> None:
    # the workbook and chart take a moment: render off the event loop so other users are not kept waiting
    if me.has(Role.ADMIN):
        rows = await score_entries(store, me.stored)  # every individual score: read for the admin's file only
        data = await asyncio.to_thread(render_xlsx, report, me.campaign, me.lang, rows, stamp=stamp)
        name, caption = f"{stem}-full.xlsx", t(me.lang, "rp.doc_admin")
    else:
        data = await asyncio.to_thread(render_xlsx, veiled_report(report, disclosure), me.campaign, me.lang,
                                       stamp=stamp)
        name, caption = f"{stem}.xlsx", t(me.lang, "rp.doc_staff", k=me.campaign.report_min_raters)
    await _patiently(lambda: bot.send_document(chat, BufferedInputFile(data, name), caption=caption[:MAX_CAPTION]))


async def _send_chart(bot: Bot, chat: int, me: Me, report: Report, disclosure: Mapping[str, Disclosure],
                      provisional: bool) -> None:
    try:
        from scoring.chart import render_chart  # matplotlib loads on the first chart, not at start-up

        png = await asyncio.to_thread(render_chart, report, me.campaign, me.lang, disclosure, provisional)
    except NoCJKFont:
        log.warning("no CJK font installed: /report sent without its chart")
        await _patiently(lambda: bot.send_message(chat, t(me.lang, "rp.no_font")))
        return
    caption = t(me.lang, "rp.chart")[:MAX_CAPTION]
    await _patiently(lambda: bot.send_photo(chat, BufferedInputFile(png, "ranking.png"), caption=caption))


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="staff_report")
    router.message.register(on_report, Command("report"), HasRole(*REPORT_ROLES))
    router.message.register(refuse, Command("report"))
    return router
