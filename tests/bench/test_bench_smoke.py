"""Every benchmark runs end to end on a tiny size and prints well-formed `name value unit` lines.

No timed assertions: the figures of a tiny run mean nothing; this only keeps
`make bench` from rotting between runs.
"""

from __future__ import annotations

import math
import re

import pytest

from bench import reminders, report, startup, tap

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (tap, {"tap.ratio_vs_floor", "tap.p50_us", "tap.p99_us", "tap.ratio_vs_noop", "tap.roundtrips",
               "tap.http_per_s", "tap.http_p99_ms"}),
        (report, {"report.x1.s", "report.x10.s", "report.ratio_vs_scan", "report.growth"}),
        (reminders, {"sweep.200.s", "send.pace_ratio", "send.429"}),
        (startup, {"startup.s", "idle.rss_mb"}),
    ],
    ids=["tap", "report", "reminders", "startup"],
)
def test_benchmark_prints_figures(module, expected, capsys):
    figures = module.run("tiny")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == len(figures) > 0
    for line, figure in zip(lines, figures, strict=True):
        name, value, unit = line.split(" ")
        assert NAME.match(name), line
        assert math.isfinite(float(value)), line
        assert unit and not unit[0].isdigit(), line
        assert name == figure.name
    assert expected <= {f.name for f in figures}
