"""The `kaoping` command line through its real entry point (`python -m bot`), as the supervision office runs it.

The report is compared with an independent computation of DESIGN.md's Scoring
rules written below from the campaign YAML itself (plain `yaml.safe_load`, no
`scoring` code), to 1e-6, ranks included.

Subprocesses cost about a second each, so independent commands run at once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import yaml

from tests.texts.labels import label
from tests.texts.shapes import values_in

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data"
SMALL_TEXT = (EXAMPLES / "small.yaml").read_text(encoding="utf-8")


@dataclass
class Result:
    code: int
    out: str
    err: str


def start(args: list[str], db: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")}
    env |= {"KAOPING_DB": str(db), "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )


def finish(proc: subprocess.Popen) -> Result:
    out, err = proc.communicate(timeout=60)
    return Result(proc.returncode, out.decode("utf-8"), err.decode("utf-8"))


def run(*args: str, db: Path) -> Result:
    return finish(start(list(args), db))


def run_all(*commands: tuple[list[str], Path]) -> list[Result]:
    """Several commands at once (they may even write the same database: busy_timeout serialises them)."""
    procs = [start(args, db) for args, db in commands]
    return [finish(p) for p in procs]


def ok(result: Result) -> Result:
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result


def failed(result: Result) -> Result:
    """A user error: exit 1, a message on stderr, never a traceback."""
    assert result.code == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and result.err.strip(), result.err
    return result


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# -- check ----------------------------------------------------------------------------


def test_check(tmp_path: Path) -> None:
    bad_text = (
        SMALL_TEXT.replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghia")
        .replace("presets: [100, 95,", "presets: [100, 195,")
        .replace("name_en: Education Bureau, sector: social,", "name_en: Education Bureau, sector: socal,")
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(bad_text, encoding="utf-8")
    db = tmp_path / "never.db"
    # a reader that stops early (`| head`): the ~170 kB of JSON overflow the pipe, and the CLI must stop quietly
    head = start(["check", "examples/municipal.yaml", "--json"], db)
    municipal, small, checked_bad, loaded_bad, missing = run_all(
        (["check", "examples/municipal.yaml", "--json"], db),
        (["check", "examples/small.yaml"], db),
        (["check", str(bad)], db),
        (["load", str(bad)], db),
        (["check", str(tmp_path / "nope.yaml")], db),
    )

    # check --json prints exactly DESIGN.md's shape, and nothing else on stdout
    doc = json.loads(ok(municipal).out)
    source = yaml.safe_load((EXAMPLES / "municipal.yaml").read_text(encoding="utf-8"))
    assert_check_shape(doc, source)
    assert "small2026" in ok(small).out and "ok" in small.out

    # a bad file: every problem on stderr with file, line and path; nothing on stdout; exit 1
    failed(checked_bad)
    assert checked_bad.out == ""
    for path, needle in (
        ("timezone", "timezone:"), ("presets[1]", "presets:"), ("departments[4].sector", "{key: jyj,"),
    ):
        assert f"{bad}:{line_of(bad_text, needle)}: {path}: " in checked_bad.err, checked_bad.err
    assert "3 problem(s)" in checked_bad.err
    # loading it is refused the same way and creates no database
    assert failed(loaded_bad).err == checked_bad.err
    assert not db.exists()
    assert failed(missing).err.strip().count("\n") == 0 and "no such file" in missing.err
    assert head.stdout.read(20).startswith(b"{")
    head.stdout.close()
    head_err = head.stderr.read().decode()
    head.stderr.close()
    head.wait(timeout=60)
    assert "Traceback" not in head_err and "BrokenPipe" not in head_err, head_err


def assert_check_shape(doc: dict, source: dict) -> None:
    assert set(doc) == {"campaign", "parts", "profiles", "departments", "raters", "materials", "assignments"}
    assert doc["campaign"] == {"key": source["key"], "title": source["title"], "timezone": source["timezone"]}
    group_keys = {"key", "name", "weight", "method", "min_raters", "milestone", "requires_approval", "informs"}
    assert [p["key"] for p in doc["parts"]] == [p["key"] for p in source["parts"]]
    for part, src in zip(doc["parts"], source["parts"], strict=True):
        assert set(part) == {"key", "name", "groups"}
        assert [g["key"] for g in part["groups"]] == [g["key"] for g in src["groups"]]
        for group, g_src in zip(part["groups"], src["groups"], strict=True):
            assert set(group) == group_keys
            # a part's `weights` line overrides its groups' own `weight`
            assert group["weight"] == src.get("weights", {}).get(g_src["key"], g_src.get("weight", 1))
            assert group["informs"] == g_src.get("informs")
            assert group["method"] == g_src.get("method", "mean")
            assert group["min_raters"] == g_src.get("min_raters", 1)
            assert group["requires_approval"] is g_src.get("requires_approval", False)
            assert group["milestone"] == g_src["milestone"]
    assert doc["profiles"] == {k: ({} if v == "external" else v) for k, v in source["profiles"].items()}
    assert doc["profiles"]["external"] == {}
    assert doc["departments"] == [
        {"key": d["key"], "name": d["name"], "sector": d["sector"], "profile": d["profile"]}
        for d in source["departments"]
    ]
    assert [r["key"] for r in doc["raters"]] == [r["key"] for r in source["raters"]]
    for rater, src in zip(doc["raters"], source["raters"], strict=True):
        assert set(rater) == {"key", "name", "groups"}
        assert rater["groups"] == [g if isinstance(g, str) else g["group"] for g in src["groups"]]
    assert [(m["key"], m["milestone"], m["shown_to"]) for m in doc["materials"]] == [
        (m["key"], m["milestone"], m["shown_to"]) for m in source.get("materials", [])
    ]
    assert doc["assignments"]
    assert all(set(a) == {"rater", "group", "department"} for a in doc["assignments"])
    # sanity of the expansion against the source: known keys, no external department, no duplicates
    raters = {r["key"] for r in source["raters"]}
    external = {d["key"] for d in source["departments"] if source["profiles"][d["profile"]] == "external"}
    triples = [(a["rater"], a["group"], a["department"]) for a in doc["assignments"]]
    assert len(set(triples)) == len(triples)
    assert {r for r, _, _ in triples} == raters
    assert not {d for _, _, d in triples} & external


# -- the whole run ------------------------------------------------------------------------

# examples/small.yaml with a few rules made stricter, so the report exercises more of the rules
VARIANT_EDITS = (
    ("name_en: County and district governments, milestone: scores,\n         method: trimmed_mean}",
     "name_en: County and district governments, milestone: scores,\n         method: trimmed_mean, min_raters: 3}"),
    ("name_en: The four offices, milestone: scores}", "name_en: The four offices, milestone: scores, weight: 2}"),
    ("name_en: City leaders, milestone: scores}", "name_en: City leaders, milestone: scores, method: median}"),
    ("name_en: Key-work leads' evaluation, milestone: scores,",
     "name_en: Key-work leads' evaluation, milestone: scores, weight: 1.5,"),
)
# assignments deliberately left unscored: a county (the group then misses min_raters), a panel, a body
SKIPPED = {("cty_qh", "counties", "jyj"), ("cty_qh", "counties", "wjw"), ("panel_econ", "sector_panel", "tax"),
           ("gb_rx", "gov_bodies", "czj")}
# jyj and wjw receive mirrored scores, so they tie (competition ranking)
MIRROR = {"wjw": "jyj", "c_wjw": "c_jyj"}
ADJUSTMENTS = [("fgw", 4.0), ("fgw", 3.0), ("czj", -1.5)]  # fgw's sum 7 exceeds the cap of 5
EXTERNAL = {"icbc": 88.5}
APPROVED = {("kwl_econ", "key_work_leads")}  # kwl_social's sheet stays pending


def value_for(rater: str, group: str, dept: str) -> float:
    seed = f"{MIRROR.get(rater, rater)}|{group}|{MIRROR.get(dept, dept)}"
    return (600 + zlib.crc32(seed.encode()) % 401) / 10  # 60.0 .. 100.0, one decimal


def test_full_run(tmp_path: Path) -> None:
    db = tmp_path / "kaoping.db"
    variant_text = SMALL_TEXT
    for old, new in VARIANT_EDITS:
        assert variant_text.count(old) == 1, old
        variant_text = variant_text.replace(old, new)
    variant = tmp_path / "small-revised.yaml"
    variant.write_text(variant_text, encoding="utf-8")

    loaded, checked = run_all((["load", "examples/small.yaml"], db), (["check", str(variant), "--json"], db))
    assert ok(loaded).out.startswith("loaded small2026: +")
    assignments = [(a["rater"], a["group"], a["department"]) for a in json.loads(ok(checked).out)["assignments"]]

    # invites, as CSV
    invites = ok(run("invites", "small2026", "--format", "csv", db=db))
    rows = list(csv.reader(io.StringIO(invites.out)))
    assert rows[0] == ["kind", "key", "name", "token", "link"]
    source = yaml.safe_load(variant_text)
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == (
        [("rater", r["key"], r["name"]) for r in source["raters"]]
        + [("staff", s["key"], s["name"]) for s in source["staff"]]
    )
    assert all(r[4].endswith("start=" + r[3]) and r[4].startswith("https://t.me/") for r in rows[1:])
    assert len({r[3] for r in rows[1:]}) == len(rows) - 1

    # every assignment (but the skipped ones) scored in one file; some rows name people by their Chinese name
    scores = {a: value_for(*a) for a in assignments if a not in SKIPPED}
    names = {r["key"]: r["name"] for r in source["raters"]} | {d["key"]: d["name"] for d in source["departments"]}
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["rater", "group", "department", "score", "comment"])
    for i, ((r, g, d), v) in enumerate(scores.items()):
        chinese = i % 4 == 0
        writer.writerow([names[r] if chinese else r, g, names[d] if chinese else d, f"{v:g}",
                         "材料齐全, 成效明显" if i % 7 == 0 else ""])
    score_file = tmp_path / "scores.csv"
    score_file.write_bytes(sheet.getvalue().encode("utf-8-sig"))
    results_file = tmp_path / "results.csv"
    results_file.write_text("department,score\n" + "".join(f"{d},{v}\n" for d, v in EXTERNAL.items()))
    bad_results_file = tmp_path / "results-bad.csv"
    bad_results_file.write_text("department,score\nicbc,80\nfgw,80\nicbc,100.5\n")

    assert ok(run("import-scores", "small2026", str(score_file), db=db)).out.startswith(
        f"imported {len(scores)} score(s)")
    # the revised file changes rules only: every score stays
    assert ok(run("load", str(variant), db=db)).out.startswith("updated small2026: +0 / -0")
    approve = ok(run("approve", "small2026", "key_work_leads", "--rater", "kwl_econ", db=db))
    assert approve.out.startswith("approved 1 sheet(s)")
    # four writers at once on one file
    writes = run_all(
        *[(["adjust", "small2026", d, f"{p:g}", "--reason", f"测试 {i}"], db) for i, (d, p) in enumerate(ADJUSTMENTS)],
        (["import-results", "small2026", str(results_file)], db),
    )
    for w in writes:
        ok(w)

    xlsx_out = tmp_path / "report.xlsx"
    report, xlsx, status, table = run_all(
        (["report", "small2026", "--format", "json"], db),
        (["report", "small2026", "--format", "xlsx", "--out", str(xlsx_out)], db),
        (["status", "small2026"], db),
        (["report", "small2026", "--lang", "en"], db),
    )
    got = json.loads(ok(report).out)
    expected = independent_report(source, assignments, scores)
    compare(got, expected)
    # no materials were handed in: every owing department is named under its kind
    materials = ok(status).out.split("\nmaterials\n")[1]
    assert "重点工作总结 [summary]  0/" in materials and "口内目标自查报告 [self_check]  0/" in materials
    assert "[fgw]" in materials and "[icbc]" not in materials
    assert "Sample city" in ok(table).out or "Development and Reform" in table.out
    # the table says what it is: the campaign, when it was made (campaign time), provisional while incomplete
    stamp = values_in(table.out.splitlines()[1], "en", "label.caption", code="small2026",
                      state=label("en", "state.provisional"))
    assert stamp["made"].startswith("20")
    assert (got["provisional"], got["view"]) == (True, "admin") and got["generated_at"].endswith("Asia/Shanghai")

    ok(xlsx)
    book = openpyxl.load_workbook(xlsx_out, read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    book.close()
    for dept in source["departments"]:
        assert dept["name"] in cells, dept["key"]
    numbers = [c for c in cells if isinstance(c, float)]
    for dept in got["departments"]:
        if dept["total"] is None:
            continue  # unknown: "—", checked in tests/scoring/test_exports.py
        # full precision in the cells (Excel shows two decimals), so a row's parts add up to its total
        assert any(abs(c - dept["total"]) < 1e-9 for c in numbers), dept["key"]

    # a bad score file or result file changes nothing and names each bad row with its line
    bad = DATA / "scores_bad_small.csv"
    bad_text = bad.read_text(encoding="utf-8")
    bad_scores, bad_results, backup, backup_again_later = run_all(
        (["import-scores", "small2026", str(bad)], db),
        (["import-results", "small2026", str(bad_results_file)], db),
        (["backup", str(tmp_path / "copy.db")], db),
        (["report", "nosuch", "--format", "json"], db),
    )
    failed(bad_scores)
    bad_lines = [i for i, line in enumerate(bad_text.splitlines(), start=1) if i > 1 and line
                 and not line.startswith("c_fgw,sector_peers,czj,88,")]
    for n in bad_lines:
        assert f"{bad}:{n}: " in bad_scores.err, (n, bad_scores.err)
    assert bad_scores.err.count(f"{bad}:") == len(bad_lines)
    assert f"{len(bad_lines)} problem(s); nothing was changed" in bad_scores.err
    assert f"{bad_results_file}:3: fgw is not assessed externally" in failed(bad_results).err
    assert f"{bad_results_file}:4: " in bad_results.err and f"{bad_results_file}:2:" not in bad_results.err
    assert ok(backup).out.startswith("backed up")
    assert failed(backup_again_later).err.strip().count("\n") == 0
    assert "no campaign 'nosuch'" in backup_again_later.err

    after, from_backup, backup_exists, no_db, backup_no_db, out_nowhere = run_all(
        (["report", "small2026", "--format", "json"], db),
        (["report", "small2026", "--format", "json"], tmp_path / "copy.db"),
        (["backup", str(tmp_path / "copy.db")], db),
        (["report", "small2026"], tmp_path / "missing.db"),
        (["backup", str(tmp_path / "copy2.db")], tmp_path / "missing.db"),
        (["report", "small2026", "--format", "xlsx", "--out", str(tmp_path / "no" / "r.xlsx")], db),
    )
    def same(a: str, b: str) -> bool:  # the same report, made at another moment
        return {**json.loads(a), "generated_at": None} == {**json.loads(b), "generated_at": None}

    assert same(ok(after).out, report.out)
    assert same(ok(from_backup).out, report.out)
    assert "exists" in failed(backup_exists).err
    for error in (no_db, backup_no_db, out_nowhere):
        assert failed(error).err.strip().count("\n") == 0, error.err
    assert "no database" in no_db.err and "no database" in backup_no_db.err
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "copy2.db").exists()


# -- the independent computation -------------------------------------------------------------


def independent_report(source: dict, assignments: list[tuple[str, str, str]],
                       scores: dict[tuple[str, str, str], float]) -> dict[str, dict]:
    """DESIGN.md "Scoring", steps 1-5, straight from the YAML; floats are close enough for 1e-6."""
    profiles = source["profiles"]
    cap = source.get("adjustment_cap")
    expected: dict[str, dict] = {}
    for dept in source["departments"]:
        key, profile = dept["key"], dept["profile"]
        if profiles[profile] == "external":
            expected[key] = {"profile": profile, "total": EXTERNAL[key], "adjustment": 0.0, "complete": True}
            continue
        parts, total, complete = {}, 0.0, True
        for part in source["parts"]:
            weight = profiles[profile].get(part["key"], 0)
            if weight <= 0:
                continue  # step 3: a part with weight 0 is not assigned at all
            groups, present = {}, []
            for g in part["groups"]:
                assigned = [a for a in assignments if a[1] == g["key"] and a[2] == key]
                answered = [a for a in assigned if a in scores]
                counted = [scores[a] for a in answered
                           if not g.get("requires_approval") or (a[0], a[1]) in APPROVED]
                score = None
                if len(counted) >= g.get("min_raters", 1):
                    score = aggregate(counted, g.get("method", "mean"))
                    g_weight = part.get("weights", {}).get(g["key"], g.get("weight", 1))
                    if g_weight > 0:
                        present.append((score, g_weight))
                groups[g["key"]] = {"score": score, "n": len(counted)}
                if assigned and (len(answered) < len(assigned) or score is None or len(counted) < len(answered)):
                    complete = False
            # step 2: weighted mean over the groups present, weights renormalised
            p = sum(s * w for s, w in present) / sum(w for _, w in present) if present else None
            points = p * weight / 100 if p is not None else 0.0
            complete = complete and p is not None
            parts[part["key"]] = {"score": p, "points": points, "groups": groups}
            total += points
        adjustment = sum(points for d, points in ADJUSTMENTS if d == key)
        if cap is not None:
            adjustment = max(-cap, min(cap, adjustment))
        expected[key] = {"profile": profile, "parts": parts, "adjustment": adjustment,
                         "total": total + adjustment, "complete": complete}
    # step 5: competition ranking within each profile
    for info in expected.values():
        info["rank"] = 1 + sum(
            1 for other in expected.values()
            if other["profile"] == info["profile"] and other["total"] > info["total"] + 1e-9
        )
    return expected


def aggregate(values: list[float], method: str) -> float:
    if method == "median":
        return statistics.median(values)
    if method == "trimmed_mean" and len(values) >= 3:
        ordered = sorted(values)
        return statistics.fmean(ordered[1:-1])  # drop the single highest and the single lowest
    return statistics.fmean(values)


def compare(got: dict, expected: dict[str, dict]) -> None:
    assert got["campaign"] == "small2026"
    by_key = {d["key"]: d for d in got["departments"]}
    assert sorted(by_key) == sorted(expected)
    for key, want in expected.items():
        have = by_key[key]
        where = f"department {key}"
        assert have["profile"] == want["profile"], where
        assert have["total"] == pytest.approx(want["total"], abs=1e-6), where
        assert have["adjustment"] == pytest.approx(want["adjustment"], abs=1e-6), where
        assert have["rank"] == want["rank"], where
        assert have["complete"] is want["complete"], where
        if "parts" not in want:
            continue
        assert set(have["parts"]) == set(want["parts"]), where
        for part, p_want in want["parts"].items():
            p_have = have["parts"][part]
            assert_close(p_have["score"], p_want["score"], f"{where}, part {part}")
            assert p_have["points"] == pytest.approx(p_want["points"], abs=1e-6), f"{where}, part {part}"
            assert set(p_have["groups"]) == set(p_want["groups"]), f"{where}, part {part}"
            for group, g_want in p_want["groups"].items():
                g_have = p_have["groups"][group]
                assert g_have["n"] == g_want["n"], f"{where}, group {group}"
                assert_close(g_have["score"], g_want["score"], f"{where}, group {group}")
    # the run really exercised the rules: a tie, a clamped adjustment, a group short of min_raters,
    # a pending approval and a missing group
    standard = sorted(w["rank"] for w in expected.values() if w["profile"] == "standard")
    assert len(set(standard)) < len(standard), standard
    assert expected["fgw"]["adjustment"] == 5
    assert expected["jyj"]["parts"]["grassroots"]["groups"]["counties"] == {"score": None, "n": 2}
    assert expected["jyj"]["parts"]["key_work"]["groups"]["key_work_leads"] == {"score": None, "n": 0}
    assert expected["tax"]["parts"]["sector"]["groups"]["sector_panel"] == {"score": None, "n": 0}
    # reported in DESIGN.md's order: by profile, then rank
    order = [(d["profile"], d["rank"]) for d in got["departments"]]
    profile_order = list(dict.fromkeys(p for p, _ in order))
    assert order == sorted(order, key=lambda pr: (profile_order.index(pr[0]), pr[1]))


def assert_close(have: float | None, want: float | None, where: str) -> None:
    if want is None:
        assert have is None, where
    else:
        assert have == pytest.approx(want, abs=1e-6), where


# -- load: a campaign whose deadlines have all gone by ------------------------------------


def test_load_warns_when_every_milestone_is_past_and_still_loads(tmp_path: Path) -> None:
    old = (
        SMALL_TEXT.replace("2026-12-01", "2019-12-01").replace("2027-01-", "2020-01-")
        .replace("key: small2026", "key: small2019")
    )
    future = (
        SMALL_TEXT.replace("2026-12-01", "2098-12-01").replace("2027-01-", "2099-01-")
        .replace("key: small2026", "key: small2098")
    )
    (tmp_path / "old.yaml").write_text(old, encoding="utf-8")
    (tmp_path / "future.yaml").write_text(future, encoding="utf-8")
    past, live = run_all(
        (["load", str(tmp_path / "old.yaml")], tmp_path / "a.db"),
        (["load", str(tmp_path / "future.yaml")], tmp_path / "b.db"),
    )
    assert ok(past).out.startswith("loaded small2019: +")
    assert "warning: every milestone of small2019 is already past" in past.err
    assert "2020-01-15 18:00 Asia/Shanghai" in past.err
    assert ok(live).out.startswith("loaded small2098: +") and live.err == ""
