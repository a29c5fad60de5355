"""What every benchmark shares: figures, medians, the machine, synthetic campaigns and fast bulk loading."""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scoring.assignments import expand
from scoring.campaign import Campaign
from scoring.validation import check
from storage import audit_chain

# -- figures ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str


def fmt(value: float) -> str:
    if isinstance(value, int) or (math.isfinite(value) and value == int(value) and abs(value) < 1e15):
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


def emit(out: list[Figure], name: str, value: float, unit: str) -> Figure:
    """Record a figure and print it at once as `name value unit`."""
    figure = Figure(name, float(value), unit)
    out.append(figure)
    print(f"{name} {fmt(figure.value)} {unit}", flush=True)
    return figure


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def note(text: str) -> None:
    """Progress on stderr, so stdout stays one figure per line."""
    print(f"# {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Benchmarks print figures, not the bot's INFO logs; errors still show."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


@contextlib.contextmanager
def collected() -> Iterator[None]:
    """Start a timed section from a collected heap; the cyclic GC stays on inside, as in production."""
    gc.collect()
    yield


# -- the machine ------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    import aiogram
    import aiosqlite

    return {
        "cpu": cpu_model(),
        "cores": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiogram": aiogram.__version__,
        "aiosqlite": getattr(aiosqlite, "__version__", "?"),
        "os": f"{platform.system()} {platform.release()}",
    }


# -- synthetic campaigns -------------------------------------------------------------

# (part, group, method, requires_approval): the regulation's five parts, as in examples/small.yaml
GROUPS: tuple[tuple[str, str, str, bool], ...] = (
    ("sector", "sector_panel", "mean", False),
    ("sector", "sector_peers", "trimmed_mean", False),
    ("key_work", "key_work_leads", "mean", True),
    ("grassroots", "enterprises", "median", False),
    ("grassroots", "counties", "trimmed_mean", False),
    ("related", "four_offices", "mean", False),
    ("related", "party_bodies", "mean", False),
    ("related", "gov_bodies", "median", False),
    ("leaders", "leaders", "mean", False),
)
PART_NAMES = {"sector": "分口考核", "key_work": "重点工作考核", "grassroots": "基层评议", "related": "有关部门评议",
              "leaders": "市领导评议"}
SCORES_DUE = datetime(2025, 1, 10, 18, 0)  # local (Asia/Shanghai); the `scores` milestone
VERTICAL_EVERY = 10  # every 10th department is `vertical` (no key-work part)


def campaign_dict(
    *, departments: int = 60, sectors: int = 6, raters: int = 600, leaders_only: bool = False,
    rule: Any = "all", offsets: tuple[str, ...] = ("3d", "1d", "2h"), key: str = "bench",
) -> dict[str, Any]:
    """A campaign as its YAML would read.

    `leaders_only`: every rater in the `leaders` group (the tap benchmark's
    walk), plus one rater for each other group so that every group is covered.
    Otherwise raters are spread round-robin over all groups (the report's mix
    of methods, weights and approvals). `rule` is the assignment rule of every
    rater; "sector" gives each rater the departments of one sector.
    """
    parts: dict[str, list[dict[str, Any]]] = {}
    for part, group, method, approval in GROUPS:
        parts.setdefault(part, []).append({
            "key": group, "name": f"{group}组", "milestone": "scores", "method": method,
            "requires_approval": approval,
        })
    sector_keys = [f"s{i:02d}" for i in range(sectors)]
    depts = [
        {"key": f"d{i:04d}", "name": f"第{i}局", "name_en": f"Bureau {i}", "sector": sector_keys[i % sectors],
         "profile": "vertical" if i % VERTICAL_EVERY == VERTICAL_EVERY - 1 else "standard"}
        for i in range(departments)
    ]
    groups = [g for _, g, _, _ in GROUPS]
    people = []
    members = (["leaders"] * raters + [g for g in groups if g != "leaders"]) if leaders_only else \
        [groups[i % len(groups)] for i in range(max(raters, len(groups)))]
    for i, group in enumerate(members):
        assign = {"sector": sector_keys[i % sectors]} if rule == "sector" else rule
        people.append({"key": f"r{i:06d}", "name": f"评议人{i}", "groups": [{"group": group, "assign": assign}]})
    return {
        "key": key,
        "title": "基准测试年度考核",
        "title_en": "Benchmark assessment",
        "timezone": "Asia/Shanghai",
        "period": {"start": "2024-12-01", "end": "2025-01-31"},
        "scale": {"min": 0, "max": 100, "decimals": 1},
        "presets": [100, 95, 90, 85, 80, 75, 70, 60],
        "milestones": [{"key": "scores", "name": "考评结果报送", "due": SCORES_DUE.isoformat(sep=" ")}],
        "parts": [{"key": p, "name": PART_NAMES[p], "groups": gs} for p, gs in parts.items()],
        "profiles": {
            "standard": {"sector": 25, "key_work": 25, "grassroots": 15, "related": 20, "leaders": 15},
            "vertical": {"sector": 30, "key_work": 0, "grassroots": 20, "related": 30, "leaders": 20},
        },
        "sectors": [{"key": s, "name": f"第{n}口"} for n, s in enumerate(sector_keys)],
        "departments": depts,
        "raters": people,
        "staff": [{"key": "admin", "name": "督查室", "roles": ["admin", "staff"]}],
        "reminders": {"offsets": list(offsets), "quiet_hours": {"start": "22:00", "end": "08:00"}},
    }


def build_campaign(**kwargs: Any) -> Campaign:
    campaign = Campaign.model_validate(campaign_dict(**kwargs))
    problems = list(check(campaign)) if len(campaign.raters) <= 5000 else []  # the checks are O(raters x depts)
    if problems:
        raise ValueError(f"synthetic campaign is invalid: {problems[:3]}")
    return campaign


# -- bulk loading ---------------------------------------------------------------------

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True, slots=True)
class Loaded:
    campaign_id: int
    assignments: int
    sheets: int
    scores: int
    seconds: float


def bulk_load(
    path: Path, campaign: Campaign, *, scored: float = 0.97, recused: float = 0.01, late: float = 0.02,
    approved: float = 0.9,
) -> Loaded:
    """Write a campaign, its assignments, sheets, approvals and scores straight into the tables.

    One plain sqlite3 connection and one transaction: the assignments are
    `scoring.assignments.expand(campaign)` streamed through executemany, the
    sheets and scores are made from them by INSERT ... SELECT. The score audit
    trigger stays in place and fires for every score, as in production. The
    fractions choose scores by a fixed pattern of the assignment id, so every
    run loads the same rows. The schema must exist (open the Store on `path`
    once before).
    """
    start = time.perf_counter()
    due = SCORES_DUE.replace(tzinfo=UTC) - timedelta(hours=8)  # Asia/Shanghai is UTC+8, no DST
    on_time = (due - timedelta(days=2)).strftime(STAMP_FORMAT)
    too_late = (due + timedelta(hours=3)).strftime(STAMP_FORMAT)
    conn = sqlite3.connect(path, isolation_level=None)
    audit_chain.register(conn)
    try:
        # a scratch file filled in one transaction: no WAL (every page would be written twice), no fsync
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN IMMEDIATE")
        (cid,) = conn.execute(
            "INSERT INTO campaigns (key, title, doc, version, loaded_at) VALUES (?, ?, ?, 1, ?) RETURNING id",
            (campaign.key, campaign.title, campaign.model_dump_json(), on_time),
        ).fetchone()
        first = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM assignments").fetchone()[0] or 0) + 1
        counts = {"assignments": 0}

        def assignments() -> Iterator[tuple]:
            for pos, a in enumerate(expand(campaign)):
                counts["assignments"] += 1
                yield first + pos, cid, a.rater, a.group, a.department, pos

        conn.executemany(
            "INSERT INTO assignments (id, campaign_id, rater, grp, department, position) VALUES (?, ?, ?, ?, ?, ?)",
            assignments(),
        )
        conn.execute(
            "INSERT INTO sheets (campaign_id, rater, grp) SELECT DISTINCT campaign_id, rater, grp FROM assignments"
            " WHERE campaign_id = ? ORDER BY rater, grp",
            (cid,),
        )
        sheets = conn.execute("SELECT COUNT(*) FROM sheets WHERE campaign_id = ?", (cid,)).fetchone()[0]
        needs = [g.key for _, g in campaign.groups() if g.requires_approval]
        if needs:
            marks = ",".join("?" * len(needs))
            conn.execute(
                f"UPDATE sheets SET state = 'submitted', submitted_at = ? WHERE campaign_id = ? AND grp IN ({marks})",
                (on_time, cid, *needs),
            )
            rows = conn.execute(
                f"SELECT id FROM sheets WHERE campaign_id = ? AND grp IN ({marks})", (cid, *needs)
            ).fetchall()
            conn.executemany(
                "INSERT INTO approvals (sheet_id, state, by, at) VALUES (?, 'approved', 'staff:admin', ?)",
                [(sid, on_time) for (sid,) in rows if sid * 7 % 100 < approved * 100],
            )
        # scores straight from the assignments, in SQL: fixed pseudo-random patterns of the assignment id
        # decide answered, recused, late and the value (60.0-100.0, one decimal), so every run is the same
        def pick(mult: int, prime: int) -> str:
            return f"((a.id * {mult}) % {prime} % 100)"

        conn.execute(
            "INSERT INTO scores (assignment_id, value, recused, reason, comment, source, entered_by, updated_at)"
            f" SELECT a.id, CASE WHEN {pick(7919, 10009)} < :recused THEN NULL"
            f" ELSE 60 + (a.id * 2654435761) % 1000003 % 401 / 10.0 END,"
            f" {pick(7919, 10009)} < :recused, CASE WHEN {pick(7919, 10009)} < :recused THEN '回避' END, NULL, 'bot',"
            f" 'rater:' || a.rater, CASE WHEN {pick(104729, 10037)} < :late THEN :too_late ELSE :on_time END"
            f" FROM assignments a WHERE a.campaign_id = :cid AND {pick(40503, 10007)} < :scored ORDER BY a.id",
            {"cid": cid, "scored": round(scored * 100), "recused": round(recused * 100), "late": round(late * 100),
             "on_time": on_time, "too_late": too_late},
        )
        counts["scores"] = conn.execute(
            "SELECT COUNT(*) FROM scores s JOIN assignments a ON a.id = s.assignment_id WHERE a.campaign_id = ?",
            (cid,),
        ).fetchone()[0]
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")  # as the store runs it
    finally:
        conn.close()
    return Loaded(cid, counts["assignments"], sheets, counts["scores"], time.perf_counter() - start)


def bind_all(path: Path, campaign_id: int, raters: Iterable[str], first_telegram_id: int) -> dict[str, int]:
    """Bind raters to Telegram ids directly (what redeeming an invite leaves behind); rater -> id."""
    ids = {rater: first_telegram_id + n for n, rater in enumerate(raters)}
    stamp = datetime(2024, 12, 2, tzinfo=UTC).strftime(STAMP_FORMAT)
    conn = sqlite3.connect(path, isolation_level=None)
    audit_chain.register(conn)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO bindings (campaign_id, kind, key, telegram_id, bound_at) VALUES (?, 'rater', ?, ?, ?)",
            [(campaign_id, r, t, stamp) for r, t in ids.items()],
        )
        conn.executemany(
            "INSERT INTO users (telegram_id, lang) VALUES (?, 'zh') ON CONFLICT DO NOTHING",
            [(t,) for t in ids.values()],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return ids
