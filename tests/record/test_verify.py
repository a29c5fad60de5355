"""`kaoping audit` and `kaoping verify` as the office runs them (a subprocess), against a database that
someone edited by hand with sqlite3: every change outside the product is named."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from storage.sheets import Writer
from storage.store import Store
from tests.texts.labels import label

ROOT = Path(__file__).resolve().parents[2]


def kaoping(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")}
    env |= {"KAOPING_DB": str(db), "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)


async def score(store: Store, cid: int, rater: str, group: str, dept: str, value: float) -> None:
    sheet = await store.sheets.find(cid, rater, group)
    item = next(i for i in await store.sheets.items(sheet.id) if i.department == dept)
    assert await store.sheets.set_value(Writer(cid, own=(rater,)), sheet.id, item.assignment_id, value)


@pytest.fixture
async def record(tmp_path, small) -> Path:
    """A campaign with scores, a submitted sheet with its receipt, an adjustment and an external result."""
    db = tmp_path / "kaoping.db"
    store = await Store.open(db)
    loaded = await store.campaigns.load(small)
    cid = loaded.campaign_id
    sheet = await store.sheets.find(cid, "ld_sz", "leaders")
    for n, item in enumerate(await store.sheets.items(sheet.id)):
        await score(store, cid, "ld_sz", "leaders", item.department, 80 + n)
    assert await store.sheets.submit(sheet.id, actor="rater:ld_sz")
    await score(store, cid, "cty_dc", "counties", "fgw", 70)
    await store.adjustments.add(cid, "fgw", 2, "获国家级表彰", actor="cli")
    await store.results.set_external(cid, [("icbc", 91.5)], actor="cli")
    await store.close()
    return db


def by_hand(db: Path, *statements: str) -> None:
    """What someone with the sqlite3 shell does: a plain connection without the product's functions."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def test_an_intact_record_verifies(record):
    done = kaoping(record, "verify", "small2026")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("small2026: ok") and done.stdout.count("\n") == 1


def test_a_score_cannot_be_changed_by_hand_without_first_disabling_the_log(record):
    with pytest.raises(sqlite3.OperationalError):
        by_hand(record, "UPDATE scores SET value = 10")
    assert kaoping(record, "verify", "small2026").returncode == 0


def test_a_score_changed_by_hand_on_a_submitted_sheet_is_named(record):
    by_hand(record, "DROP TRIGGER scores_audit_update",
            "UPDATE scores SET value = 10 WHERE assignment_id = (SELECT id FROM assignments"
            " WHERE rater = 'ld_sz' AND grp = 'leaders' AND department = 'fgw')")
    done = kaoping(record, "verify", "small2026")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert any("score ld_sz/leaders/fgw: stored 10, the audit log says 80" in line for line in lines), lines
    assert any("receipt ld_sz/leaders" in line for line in lines), lines
    assert "Traceback" not in done.stderr


def test_deleted_audit_entries_are_named(record):
    by_hand(record, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = 3")
    done = kaoping(record, "verify", "small2026")
    assert done.returncode == 1
    assert "audit: entries #3–#3 are missing (deleted)" in done.stderr
    by_hand(record, "DELETE FROM audit")
    done = kaoping(record, "verify", "small2026")
    assert done.returncode == 1 and "were deleted" in done.stderr and "is not in the audit log" in done.stderr


def test_an_audit_entry_edited_by_hand_is_named(record):
    by_hand(record, "DROP TRIGGER audit_no_update",
            "UPDATE audit SET actor = 'rater:ld_cw' WHERE id = (SELECT MIN(id) FROM audit WHERE action = 'score')")
    done = kaoping(record, "verify", "small2026")
    assert done.returncode == 1 and "was changed after it was written" in done.stderr


def test_adjustments_and_external_results_edited_by_hand_are_named(record):
    by_hand(record, "UPDATE adjustments SET points = 5", "UPDATE external_results SET score = 99")
    done = kaoping(record, "verify", "small2026")
    assert done.returncode == 1
    assert "adjustment #1: stored fgw +5" in done.stderr
    assert "external result icbc: stored 99, the audit log says 91.5" in done.stderr


def test_the_audit_trail_lists_who_changed_what(record):
    done = kaoping(record, "audit", "small2026", "--department", "fgw", "--format", "json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)["entries"]
    assert {(e["actor"], e["action"], e["source"]) for e in entries} >= {
        ("rater:ld_sz", "score", "bot"), ("rater:cty_dc", "score", "bot"), ("cli", "adjust", None)}
    assert all(e["subject"] == "fgw" or e["subject"].endswith("/fgw") for e in entries)
    csv_out = kaoping(record, "audit", "small2026", "--rater", "ld_sz", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "id,at,actor,action,subject,old,new,source"
    assert "submit" in csv_out and "cty_dc" not in csv_out


async def test_undo_appends_and_keeps_the_raters_own_change_labelled(tmp_path, small):
    store = await Store.open(tmp_path / "k.db")
    cid = (await store.campaigns.load(small)).campaign_id
    await score(store, cid, "ld_sz", "leaders", "fgw", 70)
    await score(store, cid, "ld_sz", "leaders", "fgw", 75)
    sheet = await store.sheets.find(cid, "ld_sz", "leaders")
    assert (await store.sheets.undo(sheet.id, None, actor="rater:ld_sz")).outcome == "undone"
    actions = [(e.action, e.actor) for e in await store.audit.entries(cid) if e.assignment_id]
    assert actions == [("score", "rater:ld_sz"), ("score", "rater:ld_sz"), ("undo", "rater:ld_sz")]
    from services.audit import verify
    assert (await verify(store, await store.campaigns.get(small.key))).ok
    await store.close()


async def test_invites_reissued_replace_the_older_ones(tmp_path, small):
    db = tmp_path / "k.db"
    store = await Store.open(db)
    cid = (await store.campaigns.load(small)).campaign_id
    (old,) = await store.people.issue_invites(cid, [("rater", "ld_sz")], timedelta(days=3))
    (new,) = await store.people.issue_invites(cid, [("rater", "ld_sz")], timedelta(days=3))
    from storage.people import InviteRejected
    with pytest.raises(InviteRejected) as refused:
        await store.people.redeem(old.token, 5)
    assert refused.value.reason == "revoked"
    await store.people.redeem(new.token, 5)
    await store.close()
    listing = kaoping(db, "invites", "small2026", "--list")
    assert listing.returncode == 0
    assert any(line.split()[:3] == ["rater", "ld_sz", "bound"] for line in listing.stdout.splitlines())
    assert any(line.split()[:4] == ["rater", "ld_cw", "NOT", "BOUND"] for line in listing.stdout.splitlines())
    zero = kaoping(db, "invites", "small2026", "--days", "0")
    assert zero.returncode == 1 and zero.stderr.strip() == "kaoping: --days must be from 1 to 366, not 0"


@pytest.mark.parametrize("points", ["nan", "1e1", "inf", "-0", "1.234", "NaN"])
def test_cli_adjust_refuses_non_decimals_in_one_line(record, points):
    done = kaoping(record, "adjust", "small2026", "fgw", points, "--reason", "x")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "points must be" in done.stderr
    assert sqlite3.connect(record).execute("SELECT COUNT(*) FROM adjustments").fetchone() == (1,)  # the fixture's


def test_the_admins_workbook_carries_the_audit_log(record, tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    done = kaoping(record, "report", "small2026", "--format", "xlsx", "--out", str(out))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    sheet = book[label("zh", "audit")]
    rows = list(sheet.iter_rows(values_only=True))
    entries = sqlite3.connect(record).execute("SELECT id, actor, action, hash FROM audit ORDER BY id").fetchall()
    assert [(r[0], r[2], r[3], r[8]) for r in rows[2:]] == entries
    staff = tmp_path / "s.xlsx"
    assert kaoping(record, "report", "small2026", "--format", "xlsx", "--view", "staff", "--out",
                   str(staff)).returncode == 0
    assert label("zh", "audit") not in openpyxl.load_workbook(staff).sheetnames
