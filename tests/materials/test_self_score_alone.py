"""Issue 14: a department's self-score informs its key-work lead; it never earns key-work points by itself."""

from __future__ import annotations

import json

from storage.reporting import build_report
from storage.sheets import Writer
from storage.store import Store


async def _self_score(store: Store, cid: int, rater: str, value: float) -> None:
    (sheet,) = [s for s in await store.sheets.for_rater(cid, rater) if s.group == "self_eval"]
    _, items = await store.sheets.walk(sheet.id)
    for item in items:
        assert await store.sheets.set_value(Writer(cid, own=(rater,)), sheet.id, item.assignment_id, value)
    assert await store.sheets.submit(sheet.id, actor=f"rater:{rater}")


async def test_a_self_score_alone_gives_no_key_work_points_in_the_example(store: Store, municipal):
    loaded = await store.campaigns.load(municipal)
    await _self_score(store, loaded.campaign_id, "c_fgw", 100.0)
    report = await build_report(store, await store.campaigns.get(municipal.key))
    fgw = report.department("fgw")
    key_work = fgw.parts["key_work"]
    # the lead's sheet is neither submitted nor approved: key work is missing, not 25 points
    assert key_work.score is None and key_work.points == 0
    assert "missing_part:key_work" in {str(f) for f in fgw.flags}
    # the self-score is still there, shown for the lead and exported
    assert key_work.groups["self_eval"].score == 100.0


def test_check_json_shows_the_four_key_work_blocks_and_the_informing_self_evaluation(capsys):
    from bot.cli import main

    assert main(["check", "examples/municipal.yaml", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (key_work,) = [p for p in doc["parts"] if p["key"] == "key_work"]
    groups = {g["key"]: g for g in key_work["groups"]}
    assert {k: g["weight"] for k, g in groups.items()} == {
        "self_eval": 0, "key_work_leads": 40, "nine_tasks": 30, "conduct": 15, "safe_city": 15,
    }
    assert groups["self_eval"]["informs"] == "key_work_leads" and groups["key_work_leads"]["requires_approval"]
    materials = {m["key"]: m for m in doc["materials"]}
    assert materials["summary"]["shown_to"] == ["key_work_leads"]
    assert materials["self_check"]["shown_to"] == ["sector_panel"]
    standard = [d["key"] for d in doc["departments"] if d["profile"] == "standard"]
    assert materials["summary"]["departments"] == standard  # vertical ones have no key work
    assert "dcd" in materials["self_check"]["departments"] and "icbc" not in materials["self_check"]["departments"]
    # the three blocks run by other bodies: one body each, scoring every standard department
    for group, body in (("nine_tasks", "kw_dcs"), ("conduct", "kw_zfb"), ("safe_city", "kw_pab")):
        assert sorted(a["department"] for a in doc["assignments"] if a["group"] == group) == sorted(standard)
        assert {a["rater"] for a in doc["assignments"] if a["group"] == group} == {body}


def test_the_bodies_blocks_come_in_as_their_result_sheets(tmp_path, capsys):
    """九大任务, 作风建设 and 平安创建 are assessed by the bodies that run them; the office imports each
    body's stamped result sheet (`kaoping import-scores`), and the report carries every block."""
    from bot.cli import main

    db = str(tmp_path / "k.db")
    sheet = tmp_path / "results.csv"
    rows = ["rater,group,department,score"]
    rows += [f"kw_dcs,nine_tasks,{d},90" for d in ("fgw", "czj")]
    rows += [f"kw_zfb,conduct,{d},80" for d in ("fgw", "czj")]
    rows += [f"kw_pab,safe_city,{d},100" for d in ("fgw", "czj")]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["--db", db, "load", "examples/municipal.yaml"]) == 0
    assert main(["--db", db, "import-scores", "y2026", str(sheet)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "report", "y2026", "--format", "json"]) == 0
    fgw = next(d for d in json.loads(capsys.readouterr().out)["departments"] if d["key"] == "fgw")
    groups = fgw["parts"]["key_work"]["groups"]
    assert {k: g["score"] for k, g in groups.items()} == {
        "self_eval": None, "key_work_leads": None, "nine_tasks": 90.0, "conduct": 80.0, "safe_city": 100.0,
    }
    # the lead's block is still missing: the three present blocks, renormalised 30 : 15 : 15
    assert fgw["parts"]["key_work"]["score"] == (90 * 30 + 80 * 15 + 100 * 15) / 60
