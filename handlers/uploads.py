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

from aiogram import Bot, F, Router
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from handlers.callbacks import ImportTap, Step
from handlers.file_worker import FileUnreadable, run_isolated
from handlers.identity import StaffMember
from handlers.replies import ack, show_text
from handlers.roles import HasRole
from reports.import_files import LIMITS
from reports.imports import read_import
from scoring import imports
from scoring.campaign import Campaign, Role
from scoring.imports import CHANGED, NEW, Planned, PlannedResult, ResultRow, RowProblem, ScoreRow
from storage.results import AlreadyDecided, PendingImport
from storage.store import Store
from texts import h, name_in, t

MAX_BYTES = LIMITS.max_bytes
SHOWN_PROBLEMS = 20
SHOWN_LINES = 12
PROBLEM_CHARS = 300
TEXT_BUDGET = 3500  # of Telegram's 4,096 characters a message may hold


# -- the upload ------------------------------------------------------------------------------------


async def on_document(message: Message, doc: Document, store: Store, me: StaffMember, bot: Bot) -> None:
    """`doc`: the message's file (the filter lets only a document through)."""
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
        kind, read = await run_isolated(read_import, data, name, me.campaign, assignments, locked)
        rows = [_row_json(r) for r in read]  # as the pending action keeps them
        plan = await _dry_run(store, campaign_id, f"import_{kind}", rows, name)
    except imports.ImportRejected as exc:
        await reply_problems(message, me.lang, name, exc.problems)
        return
    except FileUnreadable as exc:
        await message.answer(t(me.lang, "import.unreadable", name=h(name), reason=t(me.lang, f"import.why_{exc.why}")))
        return
    tally = imports.counts(plan)
    if tally[NEW] + tally[CHANGED] == 0:
        await message.answer(t(me.lang, "import.nothing", name=h(name), n=len(plan)))
        return
    payload = {
        "name": name, "message": message.message_id, "sha256": hashlib.sha256(data).hexdigest(),
        "plan": imports.plan_digest(plan),
        "rows": rows, "overwrites": sum(getattr(p, "overwrites", False) for p in plan),
    }
    pending = await store.results.open_import(campaign_id, me.telegram_id, f"import_{kind}", payload)
    text, more = _preview(me.lang, me.campaign, name, kind, plan)
    await message.answer(text, reply_markup=_buttons(me.lang, pending, Step.IMPORT))
    if more:
        await message.answer_document(BufferedInputFile(_plan_csv(plan), f"{name}-preview.csv"),
                                      caption=t(me.lang, "import.plan_caption", name=h(name)))


async def _answer_again(message: Message, store: Store, me: StaffMember, action: PendingImport) -> None:
    """A redelivered upload: its decision if it was decided, else its preview again (the same action)."""
    if action.state != "pending":
        await message.answer(_result_text(me.lang, action.result))
        return
    name = action.payload["name"]
    try:
        plan = await _dry_run(store, me.stored.id, action.kind, action.payload["rows"], name)
    except imports.ImportRejected as exc:
        await reply_problems(message, me.lang, name, exc.problems)
        return
    text, _ = _preview(me.lang, me.campaign, name, action.kind.removeprefix("import_"), plan)
    await message.answer(text, reply_markup=_buttons(me.lang, action.id, Step.IMPORT))


def _row_json(row: ScoreRow | ResultRow) -> list:
    if isinstance(row, ScoreRow):
        return [row.rater, row.group, row.department, row.value, row.comment, row.line]
    return [row.department, row.value, row.line]


def _score_rows(rows: list[list]) -> list[ScoreRow]:
    return [ScoreRow(*r) for r in rows]


def _result_rows(rows: list[list]) -> list[ResultRow]:
    return [ResultRow(*r) for r in rows]


async def _dry_run(store: Store, campaign_id: int, kind: str, rows: list[list], name: str,
                   ) -> list[Planned] | list[PlannedResult]:
    """What importing `rows` (as the pending action keeps them) would do now; ImportRejected as the import."""
    if kind == "import_scores":
        return await store.results.import_scores(campaign_id, _score_rows(rows), actor="", source=name, dry_run=True)
    return await store.results.set_external(campaign_id, _result_rows(rows), actor="", source=name, dry_run=True)


def _who(lang: str, campaign: Campaign, p: Planned | PlannedResult) -> str:
    dept = campaign.department(p.row.department)
    where = name_in(lang, dept.name, dept.name_en)
    if isinstance(p, PlannedResult):
        return h(where)
    rater = campaign.rater(p.row.rater)
    return h(f"{name_in(lang, rater.name, rater.name_en)} · {where}")


def _line(lang: str, campaign: Campaign, p: Planned | PlannedResult) -> str:
    old = imports.old_text(p.old) if isinstance(p, Planned) else (f"{p.old:g}" if p.old is not None else "—")
    return t(lang, "import.preview_line", line=p.row.line, who=_who(lang, campaign, p), old=old,
             new=f"{p.row.value:g}")


def _preview(lang: str, campaign: Campaign, name: str, kind: str, plan: list) -> tuple[str, bool]:
    """The card's text, and whether rows are left out of it (then the whole plan goes as a CSV file)."""
    tally = imports.counts(plan)
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
        old = imports.old_text(p.old) if scores else ("" if p.old is None else f"{p.old:g}")
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


async def on_tap(query: CallbackQuery, callback_data: ImportTap, store: Store, me: StaffMember) -> None:
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
        await _show_result(query, me, await _decision(store, action.id))
        return
    if callback_data.step == Step.IMPORT and action.payload.get("overwrites"):
        await _ask_again(query, store, me, action)
        return
    rows, actor = action.payload["rows"], me.actor
    digest = action.payload["plan"]
    scores = action.kind == "import_scores"
    done = {"key": "import.scores_done" if scores else "import.results_done", "values": {"name": name}}
    try:
        if scores:
            await store.results.import_scores(
                me.stored.id, _score_rows(rows), actor=actor, source=name,
                overwrite=callback_data.step == Step.OVERWRITE, expected=digest, pending=action.id,
                pending_result=done, digest=action.payload["sha256"])
        else:
            await store.results.set_external(me.stored.id, _result_rows(rows), actor=actor, source=name,
                                             expected=digest, pending=action.id, pending_result=done)
    except AlreadyDecided:  # another delivery of this tap got there first
        pass
    except (imports.PlanChanged, imports.NeedsOverwrite):  # NeedsOverwrite: only a forged step, the preview listed them
        await store.results.close_import(action.id, "failed", {"key": "import.stale", "values": {}})
    except imports.ImportRejected as exc:  # a sheet was submitted since the preview
        problems = "\n".join(str(p)[:PROBLEM_CHARS] for p in exc.problems[:SHOWN_PROBLEMS])
        await store.results.close_import(action.id, "failed",
                                         {"key": "import.failed", "values": {"problems": problems}})
    await _show_result(query, me, await _decision(store, action.id))


async def _decision(store: Store, pending_id: int) -> dict | None:
    """What the decided action says (stored with its decision, the same words every time)."""
    action = await store.results.import_action(pending_id)
    return action.result if action is not None else None


async def _ask_again(query: CallbackQuery, store: Store, me: StaffMember, action: PendingImport) -> None:
    """The explicit second confirmation: which raters' own scores the import replaces."""
    plan = await store.results.import_scores(me.stored.id, _score_rows(action.payload["rows"]), actor="",
                                             source=action.payload["name"], dry_run=True)
    overwrites = [p for p in plan if p.overwrites]
    lines = [_line(me.lang, me.campaign, p) for p in overwrites[:SHOWN_LINES]]
    if len(overwrites) > SHOWN_LINES:
        lines.append(t(me.lang, "import.preview_more", n=len(overwrites) - SHOWN_LINES))
    await ack(query)
    await show_text(query, t(me.lang, "import.second", name=h(action.payload["name"]), n=len(overwrites),
                         lines="\n".join(lines)), _buttons(me.lang, action.id, Step.OVERWRITE))


async def _show_result(query: CallbackQuery, me: StaffMember, result: dict | None) -> None:
    await ack(query)
    await show_text(query, _result_text(me.lang, result))


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


def build_router() -> Router:
    router = Router(name="uploads")
    staff = HasRole(Role.ADMIN, Role.STAFF)
    router.message.register(on_document, F.document.as_("doc"), staff)
    router.callback_query.register(on_tap, ImportTap.filter(), staff)
    return router
