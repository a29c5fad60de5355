"""`kaoping scores`: every entry of the record, as the office needs it (issue 10, point 5), on a real SQLite file."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.cli import main
from scoring.campaign import Campaign
from storage.sheets import Writer
from storage.store import Store
from tests.conftest import FakeClock
from tests.texts.labels import heads, label

HOSTILE = '=HYPERLINK("http://x","a")'


async def record(db: Path, campaign: Campaign) -> None:
    """The mayor taps 73.7 and comments; the collector recuses the executive vice mayor with a reason; one import."""
    store = await Store.open(db, FakeClock(datetime(2025, 1, 8, 6, 30, tzinfo=UTC)))  # 14:30 in Shanghai
    try:
        await store.campaigns.load(campaign)
        cid = (await store.campaigns.get(campaign.key)).id
        mayor = (await store.sheets.for_rater(cid, "ld_sz"))[0]
        first, second = (await store.sheets.items(mayor.id))[:2]
        me = Writer(cid, own=("ld_sz",))
        assert await store.sheets.set_value(me, mayor.id, first.assignment_id, 73.7)
        assert await store.sheets.comment(me, mayor.id, first.assignment_id, HOSTILE)
        assert await store.sheets.comment(me, mayor.id, second.assignment_id, "+1+2 提出意见")
        deputy = (await store.sheets.for_rater(cid, "ld_cw"))[0]
        item = (await store.sheets.items(deputy.id))[0]
        collector = Writer(cid, proxy_for=("ld_sz", "ld_cw"), proxy_actor="collector:col_zf")
        assert await store.sheets.recuse(collector, deputy.id, item.assignment_id, "-曾任该局局长", source="proxy")
        keys = await store.results.assignment_keys(cid)
        rater, group, dept = next(k for k in keys if k[0] not in ("ld_sz", "ld_cw"))
        await store.results.import_scores(cid, [(rater, group, dept, 88.5, None)], actor="cli")
    finally:
        await store.close()


def test_scores_lists_every_entry_with_its_record(tmp_path: Path, small: Campaign, capsys) -> None:
    db = tmp_path / "k.db"
    asyncio.run(record(db, small))
    assert main(["--db", str(db), "scores", small.key]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert small.key in rows[0][0] and label("zh", "admin_only") in rows[0][0]
    header = rows[1]
    entries = [dict(zip(header, r, strict=True)) for r in rows[2:]]
    assert len(entries) == 4  # the tap with its comment, a comment alone, the recusal, the import
    rater_key, value, comment, reason, source, by, at = heads("zh", "rater_key", "value", "comment", "reason",
                                                              "source", "entered_by", "at")
    tap = next(e for e in entries if e[value] == "73.7")
    assert (tap[rater_key], tap[comment], tap[source], tap[by]) == ("ld_sz", "'" + HOSTILE, label("zh", "source.bot"),
                                                                  "rater:ld_sz")
    assert tap[at] == "2025-01-08 14:30:00"  # campaign time, not UTC
    assert any(e[comment] == "'+1+2 提出意见" and e[value] == "" for e in entries)
    recusal = next(e for e in entries if e[value] == label("zh", "recused"))
    assert (recusal[reason], recusal[source], recusal[by]) == ("'-曾任该局局长", label("zh", "source.proxy"),
                                                               "collector:col_zf")
    assert any(e[value] == "88.5" and e[source] == label("zh", "source.import") and e[by] == "cli" for e in entries)

    out = tmp_path / "scores.xlsx"
    assert main(["--db", str(db), "scores", small.key, "--format", "xlsx", "--out", str(out), "--lang", "en"]) == 0
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[2]][:11] == heads("en", "rater_key", "rater", "group", "key", "department", "value",
                                                     "comment", "reason", "source", "entered_by", "at")
    values = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert any(r[5] == 73.7 and r[6] == HOSTILE for r in values)  # a number stays a number, text stays text


def test_admin_report_workbook_carries_the_record(tmp_path: Path, small: Campaign) -> None:
    db = tmp_path / "k.db"
    asyncio.run(record(db, small))
    out = tmp_path / "report.xlsx"
    assert main(["--db", str(db), "report", small.key, "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert all(label("zh", "admin_only") in ws["A1"].value for ws in book.worksheets)
    scores = book[label("zh", "scores")]
    values = [r for r in scores.iter_rows(min_row=3, values_only=True)]
    assert any(r[6] == HOSTILE and r[8] == label("zh", "source.bot") for r in values)
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_scores_of_an_unknown_campaign_is_one_line(tmp_path: Path, small: Campaign, capsys) -> None:
    db = tmp_path / "k.db"
    asyncio.run(record(db, small))
    assert main(["--db", str(db), "scores", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
