"""`python -m bench [--only NAME ...] [--quick] [--write | --no-write]`: run the benchmarks.

Figures go to stdout one per line (`name value unit`), progress to stderr. A
full run (no --only, no --quick) rewrites the block between the markers in
bench/RESULTS.md with this run's figures, the machine, the date and the
command; the analysis around the block is kept.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import reminders, report, startup, tap
from bench.common import Figure, fmt, machine, note

BENCHMARKS: dict[str, Callable[[str], list[Figure]]] = {
    "tap": tap.run,
    "report": report.run,
    "reminders": reminders.run,
    "startup": startup.run,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN, END = "<!-- bench:figures:begin -->", "<!-- bench:figures:end -->"

# name -> (comparison, bound): the targets
TARGETS: dict[str, tuple[str, float]] = {
    "tap.ratio_vs_floor": ("<=", 1.5),
    "report.ratio_vs_scan": ("<=", 2.0),
    "report.growth": ("<=", 12.0),
    "send.pace_ratio": (">=", 0.95),
    "send.429": ("<=", 0.0),
}


def verdict(figure: Figure) -> str:
    target = TARGETS.get(figure.name)
    if target is None:
        return ""
    op, bound = target
    met = figure.value <= bound if op == "<=" else figure.value >= bound
    return f"{op} {bound:g}: {'met' if met else '**missed**'}"


def render(figures: list[Figure], command: str, seconds: float, load: tuple[float, float]) -> str:
    info = machine()
    lines = [
        BEGIN,
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}` ({seconds / 60:.1f} min)",
        f"- load average (1 min) at the start and the end: {load[0]:.2f}, {load[1]:.2f} "
        "(anything else running on the machine shows in the figures)",
        f"- machine: {info['cpu']}, {info['cores']} cores; {info['os']}",
        f"- software: Python {info['python']}, SQLite {info['sqlite']}, aiogram {info['aiogram']}, "
        f"aiosqlite {info['aiosqlite']}",
        "",
        "| figure | value | unit | target |",
        "|---|---:|---|---|",
        *(f"| `{f.name}` | {fmt(f.value)} | {f.unit} | {verdict(f)} |" for f in figures),
        END,
    ]
    return "\n".join(lines)


def write_results(block: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions (about a minute)")
    write = parser.add_mutually_exclusive_group()
    write.add_argument("--write", dest="write", action="store_true", default=None,
                       help="write bench/RESULTS.md even for a partial or quick run")
    write.add_argument("--no-write", dest="write", action="store_false", help="never write bench/RESULTS.md")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    size = "quick" if args.quick else "full"
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    start = time.perf_counter()
    load_start = os.getloadavg()[0]
    figures: list[Figure] = []
    for name in names:
        note(f"{name} ({size})")
        began = time.perf_counter()
        figures.extend(BENCHMARKS[name](size))
        note(f"{name} took {time.perf_counter() - began:.0f}s")
    elapsed = time.perf_counter() - start
    missed = [f.name for f in figures if verdict(f).endswith("**missed**")]
    note(f"done in {elapsed / 60:.1f} min; targets missed: {', '.join(missed) or 'none'}")
    write_it = args.write if args.write is not None else (args.only is None and not args.quick)
    if write_it:
        write_results(render(figures, command, elapsed, (load_start, os.getloadavg()[0])))
        note(f"figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
