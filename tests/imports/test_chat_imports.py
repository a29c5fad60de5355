"""Uploads in the chat, through the production dispatcher: a preview first, a confirmation that names its
pending action, a second confirmation before a rater's own score is replaced, an answer to every file."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime

import pytest
from aiogram.types import CallbackQuery, Chat, Document, Message, Update

from bot.recording import BOT_USER
from handlers.callbacks import Act, walk_data
from handlers.notices import render_notice
from storage.outbox import Notice
from storage.sheets import Writer
from storage.store import Store
from tests.conftest import bind
from tests.handlers.test_staff_actions import ADMIN
from tests.imports import hostile
from tests.texts.shapes import shows
from texts import t

RATER = 611  # cty_dc, the Dongcheng district government
_file_ids = itertools.count(1)


@pytest.fixture
async def office(chatter, store, small, monkeypatch):
    await store.campaigns.load(small)
    await bind(chatter, store, small, "staff", "admin", ADMIN)
    await bind(chatter, store, small, "rater", "cty_dc", RATER)
    files: dict[str, bytes] = {}

    async def download(file, destination=None, **kwargs):
        destination.write(files[file.file_id])
        return destination

    monkeypatch.setattr(chatter.bot, "download", download)
    chatter.files = files
    chatter.session.clear()
    return small


def upload_update(chatter, name: str, data: bytes, user_id: int = ADMIN) -> Update:
    file_id = f"f{next(_file_ids)}"
    chatter.files[file_id] = data
    message = Message(
        message_id=next(chatter.ids), date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
        from_user=chatter.user(user_id), document=Document(file_id=file_id, file_unique_id=file_id, file_name=name,
                                                           file_size=len(data)),
    )
    return Update(update_id=next(chatter.ids), message=message)


def tap_update(chatter, data: str, user_id: int = ADMIN) -> Update:
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
                      from_user=BOT_USER, text="card")
    query = CallbackQuery(id=str(next(chatter.ids)), from_user=chatter.user(user_id), chat_instance="ci",
                          message=message, data=data)
    return Update(update_id=next(chatter.ids), callback_query=query)


async def feed(chatter, update: Update) -> None:
    await chatter.dp.feed_update(chatter.bot, update)


async def value(store: Store, rater: str, group: str, dept: str) -> tuple | None:
    return await store.db.fetchone(
        "SELECT s.value, s.source FROM scores s JOIN assignments a ON a.id = s.assignment_id"
        " WHERE a.rater = ? AND a.grp = ? AND a.department = ?", (rater, group, dept))


async def rater_enters(store: Store, dept: str, score: float) -> None:
    stored = await store.campaigns.get("small2026")
    sheet = await store.sheets.find(stored.id, "cty_dc", "counties")
    _, items = await store.sheets.walk(sheet.id)
    item = next(i for i in items if i.department == dept)
    assert await store.sheets.set_value(Writer(stored.id, own=("cty_dc",)), sheet.id, item.assignment_id, score)


def documents(chatter) -> list[dict]:
    return [c.params for c in chatter.session.of("SendDocument")]


async def notices(store: Store) -> list[tuple]:
    return [(n.key, n.text_key, n.args) for n in await store.outbox.unsent()]


ROW = "rater,group,department,score\ncty_dc,counties,fgw,99\n"


def nothing_imported(text: str) -> bool:
    """The reply is one of the refusals that import nothing."""
    return any(shows(text, "zh", key) for key in ("import.rejected", "import.unreadable", "import.failed"))


async def test_a_rater_s_own_score_is_replaced_only_after_a_second_confirmation_and_they_are_told(
        chatter, store, office):
    await rater_enters(store, "fgw", 60)
    await feed(chatter, upload_update(chatter, "scores.csv", ROW.encode()))
    preview = chatter.last_text()
    assert shows(preview, "zh", "import.preview_scores", name="scores.csv", n=1, changed=1)
    assert shows(preview, "zh", "import.preview_overwrites", n=1)
    assert shows(preview, "zh", "import.preview_line", old="60", new="99")
    assert await value(store, "cty_dc", "counties", "fgw") == (60.0, "bot")
    await feed(chatter, tap_update(chatter, chatter.button(t("zh", "btn.import"))))
    assert shows(chatter.last_text(), "zh", "import.second", name="scores.csv", n=1)
    assert await value(store, "cty_dc", "counties", "fgw") == (60.0, "bot")  # still nothing
    await feed(chatter, tap_update(chatter, chatter.button(t("zh", "btn.import_overwrite"))))
    assert shows(chatter.last_text(), "zh", "import.scores_done", name="scores.csv", n=1)
    assert t("zh", "import.scores_told", n=1) in chatter.last_text()
    assert await value(store, "cty_dc", "counties", "fgw") == (99.0, "import")
    (notice,) = await notices(store)
    assert notice == ("cty_dc", "import.overwritten_notice", {"dept": "fgw", "old": "60", "new": "99"})
    stored = await store.campaigns.get("small2026")
    rendered = {lang: render_notice(stored.campaign, lang, Notice(0, stored.id, "rater", "cty_dc", notice[1],
                                                                  notice[2]))[0] for lang in ("zh", "en")}
    assert shows(rendered["zh"], "zh", "import.overwritten_notice", dept="市发展和改革委员会", old="60", new="99")
    assert "Development and Reform Commission" in rendered["en"]
    assert shows(rendered["en"], "en", "import.overwritten_notice", old="60", new="99")


async def test_cancel_imports_nothing_and_a_later_confirm_on_the_same_card_changes_nothing(chatter, store, office):
    upload = upload_update(chatter, "scores.csv", ROW.encode())
    await feed(chatter, upload)
    preview = chatter.last_text()
    await feed(chatter, upload)  # delivered twice before anyone tapped: the same preview, the same action
    assert chatter.last_text() == preview
    assert len(await store.db.fetchall("SELECT id FROM pending")) == 1
    confirm, cancel = chatter.button(t("zh", "btn.import")), chatter.button(t("zh", "btn.cancel"))
    await feed(chatter, tap_update(chatter, cancel))
    assert chatter.last_text() == t("zh", "import.cancelled")
    await feed(chatter, tap_update(chatter, confirm))
    assert chatter.last_text() == t("zh", "import.cancelled")
    assert await value(store, "cty_dc", "counties", "fgw") is None


async def test_redelivered_upload_and_confirmation_never_put_the_import_back_over_a_newer_tap(
        chatter, store, office):
    upload = upload_update(chatter, "scores.csv", ROW.encode())
    await feed(chatter, upload)
    confirm = tap_update(chatter, chatter.button(t("zh", "btn.import")))
    await feed(chatter, confirm)
    first_answer = chatter.last_text()
    assert shows(first_answer, "zh", "import.scores_done", name="scores.csv", n=1)
    assert await value(store, "cty_dc", "counties", "fgw") == (99.0, "import")
    await rater_enters(store, "fgw", 60)  # later, the rater taps 60
    # Telegram delivers the confirmation again (a crash before its offset was confirmed)
    await feed(chatter, confirm)
    assert chatter.last_text() == first_answer  # answered as the first time ...
    assert await value(store, "cty_dc", "counties", "fgw") == (60.0, "bot")  # ... and nothing changed
    # and the upload itself again: answered as decided, nothing read or changed
    await feed(chatter, upload)
    assert chatter.last_text() == first_answer
    assert await value(store, "cty_dc", "counties", "fgw") == (60.0, "bot")
    # the same file sent anew is a new preview, which names the rater's newer score and needs a second yes
    await feed(chatter, upload_update(chatter, "scores.csv", ROW.encode()))
    assert shows(chatter.last_text(), "zh", "import.preview_line", old="60", new="99")
    assert shows(chatter.last_text(), "zh", "import.preview_overwrites", n=1)
    assert await value(store, "cty_dc", "counties", "fgw") == (60.0, "bot")
    audit = await store.db.fetchall("SELECT actor, source FROM audit WHERE action = 'score' ORDER BY id")
    assert audit == [("staff:admin", "import"), ("rater:cty_dc", "bot")]


async def test_a_confirmation_after_the_rater_scored_the_same_row_is_refused(chatter, store, office):
    await feed(chatter, upload_update(chatter, "scores.csv", ROW.encode()))  # a new score when previewed
    await rater_enters(store, "fgw", 60)  # then the rater scores it
    await feed(chatter, tap_update(chatter, chatter.button(t("zh", "btn.import"))))
    assert chatter.last_text() == t("zh", "import.stale")
    assert await value(store, "cty_dc", "counties", "fgw") == (60.0, "bot")
    assert await notices(store) == []


async def test_results_go_through_the_same_preview(chatter, store, office):
    await feed(chatter, upload_update(chatter, "r.csv", b"department,score\nicbc,88.5\n"))
    assert shows(chatter.last_text(), "zh", "import.preview_results", name="r.csv", n=1, new=1)
    stored = await store.campaigns.get("small2026")
    assert await store.results.external(stored.id) == {}
    confirm = tap_update(chatter, chatter.button(t("zh", "btn.import")))
    await feed(chatter, confirm)
    await feed(chatter, confirm)
    assert shows(chatter.last_text(), "zh", "import.results_done", name="r.csv", n=1)
    assert await store.results.external(stored.id) == {"icbc": 88.5}
    assert len(await store.db.fetchall("SELECT 1 FROM audit WHERE action = 'external'")) == 1


async def test_a_long_error_list_is_summarised_and_sent_whole_as_a_file(chatter, store, office):
    bad = "rater,group,department,score\n" + "".join(f"nobody{n},counties,fgw,{n}\n" for n in range(300))
    await feed(chatter, upload_update(chatter, "bad.csv", bad.encode()))
    text = chatter.last_text()
    assert len(text) <= 4096 and shows(text, "zh", "import.rejected", name="bad.csv", n=300) and "bad.csv:2:" in text
    assert shows(text, "zh", "import.more")
    (doc,) = documents(chatter)
    assert doc["document"].filename == "bad.csv-problems.txt"
    assert doc["document"].data.decode("utf-8-sig").count("\n") == 299


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("big.xlsx", hostile.million_rows, "the sheet declares 1,000,000 rows"),
        ("far.xlsx", hostile.far_cell, "the sheet declares 1,048,576 rows"),
        ("nodim.xlsx", lambda: hostile.million_rows(None), "more than 100,000 rows"),
        ("long.csv", hostile.csv_with_long_cell, "column comment: longer than 4,000 characters"),
        ("nul.csv", lambda: b"rater,group\x00\n", "NUL bytes"),
        ("latin.csv", lambda: b"\x81\x30\x81", "not a CSV in UTF-8 or GBK"),
        ("empty.csv", lambda: b"", "the file is empty"),
        ("broken.xlsx", lambda: b"PK\x03\x04garbage", "cannot read the workbook"),
        ("bomb.xlsx", hostile.lying_sizes, "cannot read the workbook"),
        ("cells.xlsx", hostile.oversized_inline_cell, "column score: longer than 4,000 characters"),
    ],
)
async def test_every_bad_file_gets_a_reply(chatter, store, office, name, make, words):
    await feed(chatter, upload_update(chatter, name, make()))
    text = chatter.last_text()
    assert nothing_imported(text) and words in text, text
    assert len(text) <= 4096


async def test_taps_keep_flowing_while_a_hostile_file_is_refused(chatter, store, office):
    """Taps served per second while the 1,000,000-row and XFD1048576 files are refused, against the same
    rater tapping with no upload: the file is read off the event loop, so the rate holds."""
    stored = await store.campaigns.get("small2026")
    sheet = await store.sheets.find(stored.id, "cty_dc", "counties")
    served = 0
    stop = asyncio.Event()

    async def tapping() -> None:
        nonlocal served
        while not stop.is_set():
            # the rater taps 60, 70, 60, ... on the card of the sheet's first department, as it now stands
            _, items = await store.sheets.walk(sheet.id)
            item = items[0]
            await chatter.press(RATER, walk_data(Act.SCORE, sheet.id, item.assignment_id,
                                                 7000 if item.value == 60 else 6000, item.version))
            served += 1
            chatter.session.calls[:] = chatter.session.calls[-5:]
            await asyncio.sleep(0)

    async def quiet(seconds: float) -> tuple[int, float]:
        before, started = served, time.perf_counter()
        await asyncio.sleep(seconds)
        return served - before, time.perf_counter() - started

    files = [hostile.million_rows(), hostile.million_rows(None), hostile.far_cell(), hostile.far_cell(None)]
    tapper = asyncio.create_task(tapping())
    try:
        await asyncio.sleep(0.2)  # warm up
        quiet_taps, quiet_time = await quiet(1.0)
        before, started = served, time.perf_counter()
        for _ in range(2):
            for n, data in enumerate(files):
                await feed(chatter, upload_update(chatter, f"hostile{n}.xlsx", data))
                assert nothing_imported(chatter.last_text())
                chatter.session.calls.clear()
        busy_taps, busy_time = served - before, time.perf_counter() - started
        taps, seconds = await quiet(1.0)
        quiet_taps, quiet_time = quiet_taps + taps, quiet_time + seconds
    finally:
        stop.set()
        await tapper
    ratio = (busy_taps / busy_time) / (quiet_taps / quiet_time)
    print(f"taps/s while refusing {len(files) * 2} files in {busy_time:.2f} s: {busy_taps / busy_time:.0f}; "
          f"without: {quiet_taps / quiet_time:.0f}; ratio {ratio:.2f}")
    # parsing on the event loop gives ~0.15; a child process 0.8-1.5 on a quiet machine, ~0.4 on a loaded one
    assert ratio > 0.3
    (changes,) = await store.db.fetchone("SELECT COUNT(*) FROM audit WHERE action = 'score' AND source = 'bot'")
    assert changes >= served - 1  # every tap was a real write, not a refusal


async def test_imported_sheets_are_marked_in_status(chatter, store, office):
    from handlers.callbacks import StatusView, View

    await feed(chatter, upload_update(chatter, "scores.csv", ROW.encode()))
    await feed(chatter, tap_update(chatter, chatter.button(t("zh", "btn.import"))))
    await feed(chatter, tap_update(chatter, StatusView(view=View.GROUP, group="counties").pack()))
    lines = chatter.last_text().splitlines()
    (line,) = [x for x in lines if "东城区人民政府" in x]
    assert t("zh", "mark.imported") in line
    assert not any(t("zh", "mark.imported") in x for x in lines if "东城区" not in x and "1." <= x[:2] <= "9.")


@pytest.mark.parametrize("why", ["memory", "time", "broken"])
async def test_a_file_whose_reader_could_not_finish_gets_a_reply(chatter, store, office, monkeypatch, why):
    import handlers.uploads
    from handlers.file_worker import FileUnreadable

    async def cannot(*args):
        raise FileUnreadable(why)

    monkeypatch.setattr(handlers.uploads, "run_isolated", cannot)
    await feed(chatter, upload_update(chatter, "x.xlsx", b"PK"))
    assert chatter.last_text() == t("zh", "import.unreadable", name="x.xlsx", reason=t("zh", f"import.why_{why}"))


async def test_a_file_that_changes_nothing_says_so(chatter, store, office):
    await rater_enters(store, "fgw", 99)
    await feed(chatter, upload_update(chatter, "same.csv", ROW.encode()))
    assert chatter.last_text() == t("zh", "import.nothing", name="same.csv", n=1)
    assert await store.db.fetchall("SELECT id FROM pending") == []
    assert await value(store, "cty_dc", "counties", "fgw") == (99.0, "bot")
