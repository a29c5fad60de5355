"""Staff send a CSV or XLSX file: read in a child process, checked like the CLI, shown as a preview, and
imported only by a confirmation that names its pending action (all or nothing).

The preview is a row in `pending` holding the file's SHA-256, the parsed rows and the digest of the plan
it showed. Confirming runs the import only while the store still matches that plan and marks the action
done in the same transaction; a second delivery of the same tap (or of the upload) finds it decided and
answers as the first did. A row that would replace a score a rater entered needs a second, explicit
confirmation, and those raters are told.
"""

from __future__ import annotations

import csv
import hashlib
import io
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import field_validator

from handlers.callbacks import StrictData, strict_number
from handlers.file_worker import FileUnreadable, run_isolated
from handlers.identity import Me
from handlers.replies import ack
from handlers.roles import HasRole
from reports.import_files import LIMITS
from reports.imports import read_import
from scoring.campaign import Campaign, Role
from scoring.imports import (
    CHANGED,
    NEW,
    ImportRejected,
    NeedsOverwrite,
    PlanChanged,
    Planned,
    PlannedResult,
    ResultRow,
    RowProblem,
    ScoreRow,
    counts,
    old_text,
    plan_digest,
)
from storage.results import AlreadyDecided, PendingImport
from storage.store import Store
from texts import h, name_in, t

MAX_BYTES = LIMITS.max_bytes
SHOWN_PROBLEMS = 20
SHOWN_LINES = 12
PROBLEM_CHARS = 300
TEXT_BUDGET = 3500  # of Telegram's 4,096 characters a message may hold


class Step(StrEnum):
    IMPORT = "c"
    OVERWRITE = "o"
    CANCEL = "x"


class ImportTap(StrictData, prefix="im"):
    """im:<step>:<pending action id>"""

    step: Step
    pending: int

    _numbers = field_validator("pending", mode="before")(strict_number)


# -- the upload ------------------------------------------------------------------------------------


async def on_document(message: Message, store: Store, me: Me, bot: Bot) -> None:
    doc = message.document
    name = (doc.file_name or "upload")[:100]
    if not name.lower().endswith((".csv", ".xlsx")):
        await message.answer(t(me.lang, "import.type", name=h(name)))
        return
    if (doc.file_size or 0) > MAX_BYTES:
        await message.answer(t(me.lang, "import.too_big", name=h(name), mb=MAX_BYTES // (1024 * 1024)))
        return
    earlier = await store.results.import_for_message(me.stored.id, me.telegram_id, message.message_id)
    if earlier is not None:  # this very upload was handled before: answer as then
        await _answer_again(message, store, me, earlier)
        return
    buffer = io.BytesIO()
    await bot.download(doc, destination=buffer)
    data = buffer.getvalue()
    if len(data) > MAX_BYTES:  # the declared size was wrong
        await message.answer(t(me.lang, "import.too_big", name=h(name), mb=MAX_BYTES // (1024 * 1024)))
        return
    campaign_id = me.stored.id
    assignments = set(await store.results.assignment_keys(campaign_id))
    locked = frozenset(await store.results.locked_sheets(campaign_id))
    try:
        kind, rows = await run_isolated(read_import, data, name, me.campaign, assignments, locked)
        if kind == "scores":
            plan = await store.results.import_scores(campaign_id, rows, actor="", source=name, dry_run=True)
        else:
            plan = await store.results.set_external(campaign_id, rows, actor="", source=name, dry_run=True)
    except ImportRejected as exc:
        await reply_problems(message, me.lang, name, exc.problems)
        return
    except FileUnreadable as exc:
        await message.answer(t(me.lang, "import.unreadable", name=h(name), reason=t(me.lang, f"import.why_{exc.why}")))
        return
    tally = counts(plan)
    if tally[NEW] + tally[CHANGED] == 0:
        await message.answer(t(me.lang, "import.nothing", name=h(name), n=len(plan)))
        return
    payload = {
        "name": name, "message": message.message_id, "sha256": hashlib.sha256(data).hexdigest(),
        "plan": plan_digest(plan),
        "rows": [_row_json(r) for r in rows], "overwrites": sum(getattr(p, "overwrites", False) for p in plan),
    }
    pending = await store.results.open_import(campaign_id, me.telegram_id, f"import_{kind}", payload)
    text, more = _preview(me.lang, me.campaign, name, kind, plan)
    await message.answer(text, reply_markup=_buttons(me.lang, pending, Step.IMPORT))
    if more:
        await message.answer_document(BufferedInputFile(_plan_csv(plan), f"{name}-preview.csv"),
                                      caption=t(me.lang, "import.plan_caption", name=h(name)))


async def _answer_again(message: Message, store: Store, me: Me, action: PendingImport) -> None:
    """A redelivered upload: its decision if it was decided, else its preview again (the same action)."""
    if action.state != "pending":
        await message.answer(_result_text(me.lang, action.result))
        return
    kind = action.kind.removeprefix("import_")
    rows, name = _rows_from(action), action.payload["name"]
    try:
        if kind == "scores":
            plan = await store.results.import_scores(me.stored.id, rows, actor="", source=name, dry_run=True)
        else:
            plan = await store.results.set_external(me.stored.id, rows, actor="", source=name, dry_run=True)
    except ImportRejected as exc:
        await reply_problems(message, me.lang, name, exc.problems)
        return
    text, _ = _preview(me.lang, me.campaign, name, kind, plan)
    await message.answer(text, reply_markup=_buttons(me.lang, action.id, Step.IMPORT))


def _row_json(row: ScoreRow | ResultRow) -> list:
    if isinstance(row, ScoreRow):
        return [row.rater, row.group, row.department, row.value, row.comment, row.line]
    return [row.department, row.value, row.line]


def _rows_from(action: PendingImport) -> list[ScoreRow] | list[ResultRow]:
    if action.kind == "import_scores":
        return [ScoreRow(*r) for r in action.payload["rows"]]
    return [ResultRow(*r) for r in action.payload["rows"]]


def _who(lang: str, campaign: Campaign, p: Planned | PlannedResult) -> str:
    dept = campaign.department(p.row.department)
    where = name_in(lang, dept.name, dept.name_en)
    if isinstance(p, PlannedResult):
        return h(where)
    rater = campaign.rater(p.row.rater)
    return h(f"{name_in(lang, rater.name, rater.name_en)} · {where}")


def _line(lang: str, campaign: Campaign, p: Planned | PlannedResult) -> str:
    old = old_text(p.old) if isinstance(p, Planned) else (f"{p.old:g}" if p.old is not None else "—")
    return t(lang, "import.preview_line", line=p.row.line, who=_who(lang, campaign, p), old=old,
             new=f"{p.row.value:g}")


def _preview(lang: str, campaign: Campaign, name: str, kind: str, plan: list) -> tuple[str, bool]:
    """The card's text, and whether rows are left out of it (then the whole plan goes as a CSV file)."""
    tally = counts(plan)
    lines = [t(lang, f"import.preview_{kind}", name=h(name), n=len(plan), **tally)]
    overwrites = [p for p in plan if getattr(p, "overwrites", False)]
    changes = [p for p in plan if p.kind == CHANGED and not getattr(p, "overwrites", False)]
    left_out = 0
    for header, chosen in ((t(lang, "import.preview_overwrites", n=len(overwrites)), overwrites),
                           (t(lang, "import.preview_changes"), changes)):
        if chosen:
            lines.append(header)
            lines += [_line(lang, campaign, p) for p in chosen[:SHOWN_LINES]]
            left_out += max(0, len(chosen) - SHOWN_LINES)
    if left_out:
        lines.append(t(lang, "import.preview_more", n=left_out))
    lines.append(t(lang, "import.preview_ask"))
    return "\n".join(lines), bool(left_out) or tally[NEW] > SHOWN_LINES


def _plan_csv(plan: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    scores = plan and isinstance(plan[0], Planned)
    writer.writerow(["line", *(["rater", "group"] if scores else []), "department", "action", "old", "new",
                     *(["replaces_rater_entry"] if scores else [])])
    for p in plan:
        r = p.row
        old = old_text(p.old) if scores else ("" if p.old is None else f"{p.old:g}")
        writer.writerow([r.line, *([r.rater, r.group] if scores else []), r.department, p.kind,
                         "" if old == "—" else old, f"{r.value:g}", *([int(p.overwrites)] if scores else [])])
    return out.getvalue().encode("utf-8-sig")


def _buttons(lang: str, pending: int, step: Step) -> InlineKeyboardMarkup:
    label = "btn.import" if step == Step.IMPORT else "btn.import_overwrite"
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(lang, label), callback_data=ImportTap(step=step, pending=pending).pack()),
        InlineKeyboardButton(text=t(lang, "btn.cancel"), callback_data=ImportTap(step=Step.CANCEL,
                                                                                 pending=pending).pack()),
    ]])


async def reply_problems(message: Message, lang: str, name: str, problems: list[RowProblem]) -> None:
    """The first problems in the message (within Telegram's limit), all of them as a file when some are left
    out."""
    shown: list[str] = []
    used = 0
    for p in problems[:SHOWN_PROBLEMS]:
        line = h(str(p)[:PROBLEM_CHARS])
        if used + len(line) > TEXT_BUDGET - 400:
            break
        shown.append(line)
        used += len(line) + 1
    more = len(problems) - len(shown)
    text = t(lang, "import.rejected", name=h(name), n=len(problems), problems="\n".join(shown))
    await message.answer(text + (t(lang, "import.more", n=more) if more else ""))
    if more:
        full = "\n".join(str(p) for p in problems).encode("utf-8-sig")
        await message.answer_document(BufferedInputFile(full, f"{name}-problems.txt"),
                                      caption=t(lang, "import.problems_caption", name=h(name), n=len(problems)))


# -- the confirmation --------------------------------------------------------------------------------


async def on_tap(query: CallbackQuery, callback_data: ImportTap, store: Store, me: Me) -> None:
    action = await store.results.import_action(callback_data.pending)
    if action is None or action.telegram_id != query.from_user.id or action.campaign_id != me.stored.id:
        await ack(query, t(me.lang, "import.gone"), show_alert=True)
        return
    if action.state != "pending":  # decided before (a second tap, a redelivered update): answer as then
        await _show_result(query, me, action.result)
        return
    name = action.payload["name"]
    if callback_data.step == Step.CANCEL:
        result = {"key": "import.cancelled", "values": {}}
        await store.results.close_import(action.id, "cancelled", result)
        await _show_result(query, me, (await store.results.import_action(action.id)).result)
        return
    if callback_data.step == Step.IMPORT and action.payload.get("overwrites"):
        await _ask_again(query, store, me, action)
        return
    rows = _rows_from(action)
    actor = f"staff:{me.staff.key}"
    digest = action.payload["plan"]
    scores = action.kind == "import_scores"
    done = {"key": "import.scores_done" if scores else "import.results_done", "values": {"name": name}}
    try:
        if scores:
            await store.results.import_scores(
                me.stored.id, rows, actor=actor, source=name, overwrite=callback_data.step == Step.OVERWRITE,
                expected=digest, pending=action.id, pending_result=done, digest=action.payload["sha256"])
        else:
            await store.results.set_external(me.stored.id, rows, actor=actor, source=name, expected=digest,
                                             pending=action.id, pending_result=done)
    except AlreadyDecided:  # another delivery of this tap got there first
        pass
    except (PlanChanged, NeedsOverwrite):  # NeedsOverwrite: only a forged step, the preview listed them
        await store.results.close_import(action.id, "failed", {"key": "import.stale", "values": {}})
    except ImportRejected as exc:  # a sheet was submitted since the preview
        problems = "\n".join(str(p)[:PROBLEM_CHARS] for p in exc.problems[:SHOWN_PROBLEMS])
        await store.results.close_import(action.id, "failed",
                                         {"key": "import.failed", "values": {"problems": problems}})
    await _show_result(query, me, (await store.results.import_action(action.id)).result)


async def _ask_again(query: CallbackQuery, store: Store, me: Me, action: PendingImport) -> None:
    """The explicit second confirmation: which raters' own scores the import replaces."""
    rows = _rows_from(action)
    plan = await store.results.import_scores(me.stored.id, rows, actor="", source=action.payload["name"],
                                             dry_run=True)
    overwrites = [p for p in plan if p.overwrites]
    lines = [_line(me.lang, me.campaign, p) for p in overwrites[:SHOWN_LINES]]
    if len(overwrites) > SHOWN_LINES:
        lines.append(t(me.lang, "import.preview_more", n=len(overwrites) - SHOWN_LINES))
    await ack(query)
    await _edit(query, t(me.lang, "import.second", name=h(action.payload["name"]), n=len(overwrites),
                         lines="\n".join(lines)), _buttons(me.lang, action.id, Step.OVERWRITE))


async def _show_result(query: CallbackQuery, me: Me, result: dict | None) -> None:
    await ack(query)
    await _edit(query, _result_text(me.lang, result), None)


def _result_text(lang: str, result: dict | None) -> str:
    """What a decided import says; the same words every time it is asked (stored with the decision)."""
    result = result or {"key": "import.gone", "values": {}}
    values = {k: h(v) if isinstance(v, str) else v for k, v in result.get("values", {}).items()}
    if "counts" in result:
        values |= {**result["counts"], "n": result["counts"][NEW] + result["counts"][CHANGED]}
    text = t(lang, result["key"], **values)
    if result.get("overwritten"):
        text += "\n" + t(lang, "import.scores_told", n=result["overwritten"])
    return text


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


def build_router() -> Router:
    router = Router(name="uploads")
    staff = HasRole(Role.ADMIN, Role.STAFF)
    router.message.register(on_document, F.document, staff)
    router.callback_query.register(on_tap, ImportTap.filter(), staff)
    return router
