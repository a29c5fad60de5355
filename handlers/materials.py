"""Materials: a department's contact hands in files in the chat; raters linked to them receive them.

The contact is any rater whose `department` owes materials (campaign file, `materials`). A file sent
in the chat (PDF, DOCX, XLSX or a photo) is downloaded once to hash it (SHA-256, size bounded), kept by
its Telegram file id, and filed under the department's only open kind of materials, or, when it owes
several, under the kind the contact picks. Until the kind's milestone files may be withdrawn and
sent again; every change is in the audit log. Raters whose group the materials are shown to tap
"📎 材料 (n)" on the department's score card and receive the files (by file id, never re-uploaded).

The store is the state machine: an upload is a row at once (a redelivered update finds it), and
every button is a pointer checked again (campaign, department, milestone, the rater's sheet).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.callbacks import HOME_DATA, Mat, MatAct
from handlers.cards import Card, time_left
from handlers.clock import Clock
from handlers.identity import Me, Member
from handlers.materials_card import contact_of
from handlers.replies import ack, card_of
from handlers.walk import find, load_sheet, show, walk_card
from scoring.assignments import missing_materials, owed_by
from scoring.campaign import Campaign, MaterialKind, Role
from storage.materials import Material
from storage.store import Store
from texts import h, name_in, t

MAX_BYTES = 20 * 1024 * 1024  # what a bot may download through the Bot API
MAX_FILES = 20  # files a department keeps handed in at once (its card must fit one message)
NAME_SHOWN = 60
ALLOWED = (".pdf", ".docx", ".xlsx")
BUTTON_CHARS = 28
SHOWN_BUTTONS = 40


async def is_contact(_event: object, me: Me | None = None) -> bool:
    return me is not None and contact_of(me) is not None


def _due(campaign: Campaign, kind: MaterialKind) -> datetime:
    return campaign.milestone(kind.milestone).due


def _open(campaign: Campaign, kind: MaterialKind, now: datetime) -> bool:
    return now < _due(campaign, kind).replace(tzinfo=ZoneInfo(campaign.timezone))


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def _short(label: str, limit: int = BUTTON_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _kind_name(lang: str, kind: MaterialKind) -> str:
    return name_in(lang, kind.name, kind.name_en)


def overview(campaign: Campaign, lang: str, dept: str, files: list[Material], now: datetime,
             note: str | None = None) -> Card:
    """The contact's view: each kind the department owes, its files, and what can still be done."""
    department = campaign.department(dept)
    kinds = [m for m in campaign.materials if m.key in owed_by(campaign, dept)]
    lines = [note, ""] if note else []
    lines.append(t(lang, "mat.title", dept=h(name_in(lang, department.name, department.name_en))))
    rows: list[list[InlineKeyboardButton]] = []
    for kind in kinds:
        due = _due(campaign, kind)
        lines.append(t(lang, "mat.kind", kind=h(_kind_name(lang, kind)), due=f"{due:%m-%d %H:%M}",
                       left=time_left(lang, due, now, campaign.timezone)))
        mine = [f for f in files if f.kind == kind.key]
        lines += [t(lang, "mat.file", name=h(_short(f.name, NAME_SHOWN)), size=_size(f.size)) for f in mine] or [
            t(lang, "mat.kind_none")]
        if _open(campaign, kind, now):
            rows += [[_button(t(lang, "btn.mat_withdraw", name=f.name), Mat(act=MatAct.WITHDRAW, a=f.id))]
                     for f in mine]
    unfiled = [f for f in files if f.kind not in {k.key for k in kinds}]
    if unfiled:
        lines.append(t(lang, "mat.unfiled"))
        for f in unfiled:
            lines.append(t(lang, "mat.file", name=h(_short(f.name, NAME_SHOWN)), size=_size(f.size)))
            choices = [_button(t(lang, "btn.mat_file", kind=_kind_name(lang, k)),
                               Mat(act=MatAct.FILE, a=f.id, b=n))
                       for n, k in enumerate(kinds) if _open(campaign, k, now)]
            if choices:
                rows.append(choices[:4])
            rows.append([_button(t(lang, "btn.mat_withdraw", name=f.name), Mat(act=MatAct.WITHDRAW, a=f.id))])
    lines.append("")
    lines.append(t(lang, "mat.how", mb=MAX_BYTES // (1024 * 1024)))
    rows = rows[:SHOWN_BUTTONS] + [[InlineKeyboardButton(text=t(lang, "btn.home"), callback_data=HOME_DATA)]]
    return Card("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def _button(text: str, data: Mat) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_short(text), callback_data=data.pack())


# -- the contact ------------------------------------------------------------------------


async def on_command(message: Message, store: Store, me: Me, clock: Clock) -> None:
    found = contact_of(me)
    if found is None:
        await message.answer(t(me.lang, "mat.none_owed"))
        return
    me, _, dept = found
    card = overview(me.campaign, me.lang, dept, await store.materials.of_department(me.stored.id, dept), clock())
    await message.answer(card.text, reply_markup=card.markup)


def _incoming(message: Message) -> tuple[str, str, str, str, int | None] | None:
    """(file type, file id, unique id, name, size) of the upload; None when it is no document or photo."""
    if message.document is not None:
        doc = message.document
        return "document", doc.file_id, doc.file_unique_id, doc.file_name or "file", doc.file_size
    if message.photo:
        photo = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return "photo", photo.file_id, photo.file_unique_id, f"photo-{photo.file_unique_id[:8]}.jpg", photo.file_size
    return None


async def on_upload(message: Message, store: Store, me: Me, bot: Bot, clock: Clock) -> None:
    incoming = _incoming(message)
    found = contact_of(me)
    if incoming is None or found is None:
        return
    me, rater, dept = found
    file_type, file_id, unique_id, name, size = incoming
    campaign, lang, now = me.campaign, me.lang, clock()
    if file_type == "document" and not name.lower().endswith(ALLOWED):
        await message.answer(t(lang, "mat.type", name=h(name)))
        return
    if size is not None and size > MAX_BYTES:
        await message.answer(t(lang, "mat.too_big", name=h(name), mb=MAX_BYTES // (1024 * 1024)))
        return
    kinds = [m for m in campaign.materials if m.key in owed_by(campaign, dept)]
    open_kinds = [k for k in kinds if _open(campaign, k, now)]
    if not open_kinds:
        last = max(_due(campaign, k) for k in kinds)
        await message.answer(t(lang, "mat.closed", due=f"{last:%m-%d %H:%M}"))
        return
    held = await store.materials.of_department(me.stored.id, dept)
    if len(held) >= MAX_FILES and all(f.file_unique_id != unique_id for f in held):
        await message.answer(t(lang, "mat.too_many", n=MAX_FILES))
        return
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    content = buffer.getvalue()
    if len(content) > MAX_BYTES:
        await message.answer(t(lang, "mat.too_big", name=h(name), mb=MAX_BYTES // (1024 * 1024)))
        return
    kind = open_kinds[0].key if len(open_kinds) == 1 else None
    material, created = await store.materials.add(
        me.stored.id, dept, kind, file_type=file_type, file_id=file_id, file_unique_id=unique_id, name=name,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), rater=rater, telegram_id=me.telegram_id,
        actor=f"rater:{rater}",
    )
    note = t(lang, "mat.received" if created else "mat.again", name=h(material.name), size=_size(material.size))
    if material.kind is None:
        note += "\n" + t(lang, "mat.which", name=h(material.name))
    card = overview(campaign, lang, dept, await store.materials.of_department(me.stored.id, dept), now, note)
    await message.answer(card.text, reply_markup=card.markup)


async def _contact_tap(query: CallbackQuery, data: Mat, store: Store, me: Me, now: datetime) -> None:
    found = contact_of(me)
    if found is None:
        await ack(query, t(me.lang, "ack.invalid"))
        return
    me, rater, dept = found
    campaign, lang, cid = me.campaign, me.lang, me.stored.id
    kinds = [m for m in campaign.materials if m.key in owed_by(campaign, dept)]
    material = await store.materials.get(cid, data.a) if data.act != MatAct.LIST else None
    if data.act == MatAct.LIST:
        await ack(query)
    elif material is None or material.department != dept:
        await ack(query, t(lang, "ack.invalid"))  # not this department's, or already withdrawn
    elif data.act == MatAct.FILE:
        if data.b >= len(kinds):
            await ack(query, t(lang, "ack.invalid"))
            return
        kind = kinds[data.b]
        if not _open(campaign, kind, now):
            await ack(query, t(lang, "mat.closed", due=f"{_due(campaign, kind):%m-%d %H:%M}"), show_alert=True)
        else:
            await store.materials.file_as(cid, material.id, dept, kind.key, actor=f"rater:{rater}")
            await ack(query, t(lang, "ack.mat_filed", kind=_kind_name(lang, kind)))
    elif data.act == MatAct.WITHDRAW:
        filed = next((k for k in kinds if k.key == material.kind), None)
        if filed is not None and not _open(campaign, filed, now):
            await ack(query, t(lang, "mat.closed", due=f"{_due(campaign, filed):%m-%d %H:%M}"), show_alert=True)
        else:
            await store.materials.withdraw(cid, material.id, dept, actor=f"rater:{rater}")
            await ack(query, _short(t(lang, "ack.mat_withdrawn", name=material.name)))
    else:
        await ack(query)
    await show(query, overview(campaign, lang, dept, await store.materials.of_department(cid, dept), now))


# -- staff: who has not handed in ------------------------------------------------------------


STATUS_NAMES = 12  # departments named per kind in /status


async def status_block(store: Store, me: Member) -> str | None:
    """/status's lines on materials: per kind, the departments that have not handed any file in.
    For staff and admins (a collector follows its leaders only); None when the campaign has no materials."""
    campaign, lang = me.campaign, me.lang
    if not campaign.materials or not me.has(Role.ADMIN, Role.STAFF):
        return None
    missing = missing_materials(campaign, await store.materials.handed_in(me.stored.id))
    if not missing:
        return t(lang, "status.mat_all")
    lines = [t(lang, "status.mat_title")]
    for kind in campaign.materials:
        depts = [d for d, kinds in missing.items() if kind.key in kinds]
        if not depts:
            continue
        lines.append(t(lang, "status.mat_kind", kind=h(_kind_name(lang, kind)), n=len(depts),
                       due=f"{_due(campaign, kind):%m-%d %H:%M}"))
        names = [h(name_in(lang, campaign.department(d).name, campaign.department(d).name_en))
                 for d in depts[:STATUS_NAMES]]
        lines.append("    " + t(lang, "st.sep").join(names) + (t(lang, "status.mat_more", n=len(depts) - STATUS_NAMES)
                                                             if len(depts) > STATUS_NAMES else ""))
    return "\n".join(lines)


# -- the raters the materials are shown to -----------------------------------------------------


async def _view(query: CallbackQuery, data: Mat, store: Store, me: Me, bot: Bot) -> None:
    found = await load_sheet(store, me, data.a)
    item = find(found.items, data.b) if found else None
    if found is None or item is None:
        await ack(query, t(me.lang, "ack.invalid"))
        return
    me, sheet, items = found
    campaign, lang = me.campaign, me.lang
    kinds = {m.key: m for m in campaign.materials_for(sheet.group)}
    files = [(f, kinds[f.kind]) for f in await store.materials.of_department(me.stored.id, item.department)
             if f.kind is not None and f.kind in kinds]
    if not files:
        await ack(query, t(lang, "ack.mat_none"))
        return
    await ack(query, t(lang, "ack.mat_sending", n=len(files)))
    dept = campaign.department(item.department)
    dept_name = name_in(lang, dept.name, dept.name_en)
    chat = query.from_user.id
    for f, kind in files:
        caption = t(lang, "mat.caption", dept=h(dept_name), kind=h(_kind_name(lang, kind)), name=h(f.name))
        if f.file_type == "photo":
            await bot.send_photo(chat, f.file_id, caption=caption)
        else:
            await bot.send_document(chat, f.file_id, caption=caption)
    # the walk goes on below the files: the card moves down (still one live card)
    card = await walk_card(store, me, sheet, items, item)
    await bot.send_message(chat, card.text, reply_markup=card.markup)
    old_card = card_of(query)
    if old_card is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.delete_message(chat, old_card.message_id)


async def on_tap(query: CallbackQuery, callback_data: Mat, store: Store, me: Me, bot: Bot, clock: Clock) -> None:
    if not me.bound:
        await ack(query, t(me.lang, "stale"))
        return
    if callback_data.act == MatAct.VIEW:
        await _view(query, callback_data, store, me, bot)
    else:
        await _contact_tap(query, callback_data, store, me, clock())


def build_router() -> Router:
    router = Router(name="materials")
    router.message.register(on_command, Command("materials"))
    router.message.register(on_upload, F.document | F.photo, is_contact)
    router.callback_query.register(on_tap, Mat.filter())
    return router
