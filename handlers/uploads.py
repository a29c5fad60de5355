"""Staff send a CSV or XLSX file: scores or external results, validated like the CLI, all or nothing."""

from __future__ import annotations

import io

from aiogram import Bot, F, Router
from aiogram.types import Message

from handlers.identity import Me
from handlers.roles import HasRole
from handlers.texts import h, t
from scoring.campaign import Role
from scoring.imports import RESULT_COLUMNS, SCORE_COLUMNS, ImportRejected, parse_results, parse_scores, read_table
from storage.store import Store

MAX_BYTES = 5 * 1024 * 1024
SHOWN_PROBLEMS = 30


async def on_document(message: Message, store: Store, me: Me, bot: Bot) -> None:
    doc = message.document
    name = doc.file_name or "upload"
    if not name.lower().endswith((".csv", ".xlsx")):
        await message.answer(t(me.lang, "import.type", name=h(name)))
        return
    if (doc.file_size or 0) > MAX_BYTES:
        await message.answer(t(me.lang, "import.too_big", name=h(name), mb=MAX_BYTES // (1024 * 1024)))
        return
    buffer = io.BytesIO()
    await bot.download(doc, destination=buffer)
    try:
        table = read_table(buffer.getvalue(), name)
        columns = set(table[0][1])
        actor = f"staff:{me.staff.key}"
        if set(SCORE_COLUMNS) <= columns:
            assignments = set(await store.results.assignment_keys(me.stored.id))
            locked = await store.results.locked_sheets(me.stored.id)
            rows = parse_scores(me.campaign, table, name, assignments, locked)
            count = await store.results.import_scores(me.stored.id, rows, actor=actor)
            await message.answer(t(me.lang, "import.scores_done", n=count, name=h(name)))
        elif set(RESULT_COLUMNS) <= columns:
            results = parse_results(me.campaign, table, name)
            await store.results.set_external(me.stored.id, results, actor=actor)
            await message.answer(t(me.lang, "import.results_done", n=len(results), name=h(name)))
        else:
            await message.answer(t(me.lang, "import.columns", name=h(name)))
    except ImportRejected as exc:
        shown = "\n".join(h(str(p)) for p in exc.problems[:SHOWN_PROBLEMS])
        more = len(exc.problems) - SHOWN_PROBLEMS
        await message.answer(t(me.lang, "import.rejected", n=len(exc.problems), problems=shown)
                             + (t(me.lang, "import.more", n=more) if more > 0 else ""))


def build_router() -> Router:
    router = Router(name="uploads")
    router.message.register(on_document, F.document, HasRole(Role.ADMIN, Role.STAFF))
    return router
