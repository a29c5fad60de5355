"""`kaoping import-scores / import-results` as the office runs them: --dry-run, --overwrite, hostile files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.sheets import Writer
from storage.store import Store
from tests.conftest import example
from tests.imports import hostile

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "k.db"
    assert main(["--db", str(path), "load", str(SMALL)]) == 0
    return path


def kaoping(db: Path, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def with_store(db: Path, work):
    async def go():
        store = await Store.open(db)
        try:
            stored = await store.campaigns.get("small2026")
            return await work(store, stored)
        finally:
            await store.close()
    return asyncio.run(go())


def tap(db: Path, rater: str, group: str, dept: str, value: float) -> None:
    """The rater scores in the bot."""
    async def work(store: Store, stored):
        sheet = await store.sheets.find(stored.id, rater, group)
        _, items = await store.sheets.walk(sheet.id)
        item = next(i for i in items if i.department == dept)
        assert await store.sheets.set_value(Writer(stored.id, own=(rater,)), sheet.id, item.assignment_id, value)
    with_store(db, work)


def score(db: Path, rater: str, group: str, dept: str) -> tuple:
    async def work(store: Store, stored):
        return await store.db.fetchone(
            "SELECT s.value, s.source, s.entered_by FROM scores s JOIN assignments a ON a.id = s.assignment_id"
            " WHERE a.campaign_id = ? AND a.rater = ? AND a.grp = ? AND a.department = ?",
            (stored.id, rater, group, dept))
    return with_store(db, work)


def notices(db: Path) -> list[tuple]:
    async def work(store: Store, stored):
        return [(n.key, n.text_key, n.args) for n in await store.outbox.unsent()]
    return with_store(db, work)


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_an_import_never_silently_replaces_what_a_rater_entered(db, tmp_path, capsys):
    tap(db, "cty_dc", "counties", "fgw", 60)
    file = write(tmp_path, "s.csv", "rater,group,department,score\ncty_dc,counties,fgw,99\ncty_dc,counties,czj,88\n")
    code, _, err = kaoping(db, capsys, "import-scores", "small2026", file)
    assert code == 1
    assert f"{file}:2: cty_dc/counties/fgw: changed 60 -> 99 (entered by the rater via bot)" in err
    assert "nothing was changed" in err and "--overwrite" in err
    assert score(db, "cty_dc", "counties", "fgw") == (60.0, "bot", "rater:cty_dc")
    assert score(db, "cty_dc", "counties", "czj") is None  # all or nothing
    assert notices(db) == []


def test_dry_run_shows_each_row_and_changes_nothing(db, tmp_path, capsys):
    tap(db, "cty_dc", "counties", "fgw", 60)
    tap(db, "cty_dc", "counties", "tax", 70)
    file = write(tmp_path, "s.csv", "rater,group,department,score\ncty_dc,counties,fgw,99\ncty_dc,counties,czj,88\n"
                 "cty_dc,counties,tax,70\n")
    code, out, _ = kaoping(db, capsys, "import-scores", "small2026", file, "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        f"{file}:2: cty_dc/counties/fgw: changed 60 -> 99 (entered by the rater via bot)",
        f"{file}:3: cty_dc/counties/czj: new 88",
        f"{file}:4: cty_dc/counties/tax: unchanged 70",
        "dry run: 1 new, 1 changed, 1 unchanged; 1 replace(s) a score the rater entered "
        "(refused without --overwrite); nothing was changed",
    ]
    assert score(db, "cty_dc", "counties", "fgw") == (60.0, "bot", "rater:cty_dc")
    assert score(db, "cty_dc", "counties", "czj") is None


def test_overwrite_replaces_tells_the_rater_and_audits_each_score(db, tmp_path, capsys):
    tap(db, "cty_dc", "counties", "fgw", 60)
    file = write(tmp_path, "s.csv", "rater,group,department,score\ncty_dc,counties,fgw,99\ncty_dc,counties,czj,88\n")
    code, out, _ = kaoping(db, capsys, "import-scores", "small2026", file, "--overwrite")
    assert code == 0 and out.startswith("imported 2 score(s) into small2026: 1 new, 1 changed, 0 unchanged")
    assert score(db, "cty_dc", "counties", "fgw") == (99.0, "import", "cli")
    assert notices(db) == [("cty_dc", "import.overwritten_notice", {"dept": "fgw", "old": "60", "new": "99"})]

    async def audit(store: Store, stored):
        return await store.db.fetchall(
            "SELECT actor, action, subject, old, new, source FROM audit WHERE campaign_id = ? AND source = 'import'"
            " ORDER BY id", (stored.id,))
    entries = with_store(db, audit)
    scored = [e for e in entries if e[1] == "score"]
    assert [(e[0], e[2], e[5]) for e in scored] == [("cli", "cty_dc/counties/fgw", "import"),
                                                     ("cli", "cty_dc/counties/czj", "import")]
    assert json.loads(scored[0][3])["value"] == 60 and json.loads(scored[0][4])["value"] == 99
    # the same file again: every row unchanged, nothing written, nobody told again
    code, out, _ = kaoping(db, capsys, "import-scores", "small2026", file)
    assert code == 0 and out.startswith("imported 0 score(s) into small2026: 0 new, 0 changed, 2 unchanged")
    assert len(notices(db)) == 1


def test_an_imported_value_may_be_replaced_by_the_next_import(db, tmp_path, capsys):
    first = write(tmp_path, "a.csv", "rater,group,department,score\ncty_dc,counties,fgw,80\n")
    second = write(tmp_path, "b.csv", "rater,group,department,score\ncty_dc,counties,fgw,81\n")
    assert kaoping(db, capsys, "import-scores", "small2026", first)[0] == 0
    code, out, _ = kaoping(db, capsys, "import-scores", "small2026", second)
    assert code == 0 and "0 new, 1 changed" in out
    assert score(db, "cty_dc", "counties", "fgw") == (81.0, "import", "cli")
    assert notices(db) == []


@pytest.mark.parametrize("cell", ["1e1", "1e2"])
def test_exponent_notation_is_refused(db, tmp_path, capsys, cell):
    file = write(tmp_path, "s.csv", f"rater,group,department,score\ncty_dc,counties,fgw,{cell}\n")
    code, _, err = kaoping(db, capsys, "import-scores", "small2026", file)
    assert code == 1 and f"{file}:2: '{cell}' is not a number" in err
    assert score(db, "cty_dc", "counties", "fgw") is None


def test_a_cell_over_128_kib_is_one_line_not_a_traceback(db, tmp_path, capsys):
    file = write(tmp_path, "s.csv", hostile.csv_with_long_cell())
    code, _, err = kaoping(db, capsys, "import-scores", "small2026", file)
    assert code == 1
    assert err.splitlines() == [f"{file}:2: column comment: longer than 4,000 characters",
                                "kaoping: 1 problem(s); nothing was changed"]


@pytest.mark.parametrize("make", [hostile.million_rows, hostile.far_cell], ids=["million-rows", "XFD1048576"])
def test_hostile_workbooks_one_line(db, tmp_path, capsys, make):
    file = write(tmp_path, "s.xlsx", make())
    code, _, err = kaoping(db, capsys, "import-scores", "small2026", file)
    assert code == 1 and err.splitlines()[0].startswith(f"{file}:1: the sheet declares")


def test_a_file_over_the_size_limit_is_not_read(db, tmp_path, capsys):
    file = write(tmp_path, "s.csv", b"x" * (5 * 1024 * 1024 + 1))
    code, _, err = kaoping(db, capsys, "import-scores", "small2026", file)
    assert code == 1 and err.strip() == f"kaoping: {file}: the file is 5,242,881 bytes; at most 5,242,880"


def test_results_dry_run_then_import(db, tmp_path, capsys):
    external = [d.key for d in example("small.yaml").departments if d.profile == "external"]
    file = write(tmp_path, "r.csv", "department,score\n" + "".join(f"{k},9{n}\n" for n, k in enumerate(external)))
    code, out, _ = kaoping(db, capsys, "import-results", "small2026", file, "--dry-run")
    assert code == 0
    assert out.splitlines()[-1] == f"dry run: {len(external)} new, 0 changed, 0 unchanged; nothing was changed"
    assert out.splitlines()[0] == f"{file}:2: {external[0]}: new 90"
    assert with_store(db, lambda store, stored: store.results.external(stored.id)) == {}
    assert kaoping(db, capsys, "import-results", "small2026", file)[0] == 0
    again = write(tmp_path, "r2.csv", f"department,score\n{external[0]},85.5\n")
    code, out, _ = kaoping(db, capsys, "import-results", "small2026", again, "--dry-run")
    assert out.splitlines()[0] == f"{again}:2: {external[0]}: changed 90 -> 85.5"
    code, out, _ = kaoping(db, capsys, "import-results", "small2026", again)
    assert out.startswith("imported 1 external result(s) into small2026: 0 new, 1 changed, 0 unchanged")


def test_status_marks_imported_sheets(db, tmp_path, capsys):
    file = write(tmp_path, "s.csv", "rater,group,department,score\ncty_dc,counties,fgw,80\n")
    assert kaoping(db, capsys, "import-scores", "small2026", file)[0] == 0
    code, out, _ = kaoping(db, capsys, "status", "small2026")
    lines = out.splitlines()
    assert code == 0
    # "(imported)" is the CLI's own word (bot/cli.py prints English, not the catalog's mark.imported)
    assert [x for x in lines if "(imported)" in x] == [x for x in lines if "[cty_dc]" in x and "counties" not in x]
    assert any("[cty_dc]" in x and "(imported)" in x for x in lines)
