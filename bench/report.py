"""The report: `build_report` over ~36k, ~360k and ~3.6M stored scores against one plain pass over the same rows.

Each size is its own SQLite file, filled by `bulk_load` (one transaction,
the audit trigger firing for every score). Per repetition the floor and the
report run back to back on the same aiosqlite connection, in alternating
order; a figure is the median over repetitions, and the ratio is the median
of the per-repetition ratios.

Peak memory is tracemalloc's peak of the Python memory allocated during one
more call, apart from the timed ones (tracing slows a call down about 3x):
everything the call held at once, SQLite's rows as Python objects, the
engine's tallies and the report; not SQLite's own page cache (2 MB by
default). The floor's peak is measured the same way. (The resident set is
no good here: after the timed runs the allocator reuses freed memory, and
a smaller size shows almost no growth at all.)
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import math
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from bench.common import (
    Figure,
    build_campaign,
    bulk_load,
    collected,
    emit,
    median,
    note,
)
from storage.reporting import build_report
from storage.store import Store

BASE_RATERS = 600  # x 60 departments: ~36k scores at x1
SCAN_SQL = (
    "SELECT a.grp, a.department, s.value FROM scores s JOIN assignments a ON a.id = s.assignment_id"
    " WHERE a.campaign_id = ?"
)


class Size(TypedDict, total=False):
    multipliers: tuple[int, ...]
    reps: tuple[int, ...]
    base_raters: int


SIZES: dict[str, Size] = {
    "full": {"multipliers": (1, 10, 100), "reps": (9, 7, 3)},
    "quick": {"multipliers": (1, 10), "reps": (5, 3)},
    "tiny": {"multipliers": (1, 10), "reps": (2, 2), "base_raters": 20},
}


@dataclass(frozen=True, slots=True)
class SizeResult:
    label: str
    scores: int
    report_s: float
    scan_s: float
    ratio: float
    peak_mb: float
    scan_peak_mb: float


async def scan(store: Store, campaign_id: int) -> int:
    """The floor: one plain pass over (group, department, value) of every score, read to the end."""
    return len(await store.db.fetchall(SCAN_SQL, (campaign_id,)))


async def _timed(factory: Callable[[], Awaitable[object]]) -> float:
    with collected():
        start = time.perf_counter()
        await factory()
        return time.perf_counter() - start


async def _peak_mb(factory: Callable[[], Awaitable[object]]) -> float:
    """Peak of the Python memory allocated during one call (tracemalloc), apart from the timed runs."""
    gc.collect()
    tracemalloc.start()
    try:
        await factory()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


async def measure(label: str, raters: int, reps: int, workdir: Path) -> SizeResult:
    path = workdir / f"report-{label}.db"
    store = await Store.open(path)
    await store.close()
    campaign = build_campaign(raters=raters)
    loaded = bulk_load(path, campaign)
    key = campaign.key
    del campaign  # the bench's copy would swell every GC pass of the timed runs; the store parses its own
    note(f"report {label}: {loaded.scores} scores, {loaded.assignments} assignments loaded in {loaded.seconds:.1f}s")
    store = await Store.open(path)
    try:
        stored = await store.campaigns.get(key)
        await scan(store, stored.id)  # warm SQLite's page cache and the parsed campaign for both sides
        if loaded.scores < 1_000_000:
            await build_report(store, stored)  # (the largest size skips this: the runs alternate their order)
        reports: list[float] = []
        scans: list[float] = []
        ratios: list[float] = []
        for rep in range(reps):
            pair = [("scan", lambda: scan(store, stored.id)), ("report", lambda: build_report(store, stored))]
            times = {name: await _timed(factory) for name, factory in (pair if rep % 2 == 0 else pair[::-1])}
            reports.append(times["report"])
            scans.append(times["scan"])
            ratios.append(times["report"] / times["scan"])
        # memory apart from the timed runs: trimming the heap first would make the next run pay for fresh pages
        peak = await _peak_mb(lambda: build_report(store, stored))
        scan_peak = await _peak_mb(lambda: scan(store, stored.id))
        return SizeResult(label, loaded.scores, median(reports), median(scans), median(ratios), peak, scan_peak)
    finally:
        await store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


async def bench_report(
    multipliers: tuple[int, ...] = (1, 10, 100), reps: tuple[int, ...] = (7, 5, 3), base_raters: int = BASE_RATERS,
) -> list[Figure]:
    out: list[Figure] = []
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="kaoping-bench-") as tmp:
        for mult, n in zip(multipliers, reps, strict=True):
            label = f"x{mult}"
            r = await measure(label, base_raters * mult, n, Path(tmp))
            results.append(r)
            emit(out, f"report.{label}.scores", r.scores, "rows")
            emit(out, f"report.{label}.s", r.report_s, "s")
            emit(out, f"report.{label}.scan_s", r.scan_s, "s")
            emit(out, f"report.{label}.ratio_vs_scan", r.ratio, "x")
            emit(out, f"report.{label}.peak_mb", r.peak_mb, "MB")
            emit(out, f"report.{label}.scan_peak_mb", r.scan_peak_mb, "MB")
    emit(out, "report.ratio_vs_scan", max(r.ratio for r in results), "x")
    steps = []
    for small, big in itertools.pairwise(results):
        # time ratio normalised to exactly x10 scores (the row counts are only about x10 apart)
        factor = big.scores / small.scores
        growth = (big.report_s / small.report_s) ** (1 / math.log10(factor)) if factor > 1 else float("nan")
        steps.append(growth)
        emit(out, f"report.growth.{small.label}_{big.label}", growth, "x")
    if steps:
        emit(out, "report.growth", max(steps), "x")
    return out


def run(size: str = "full") -> list[Figure]:
    return asyncio.run(bench_report(**SIZES[size]))
