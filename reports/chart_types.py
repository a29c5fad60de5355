"""What a rendering may show of each department (`Disclosure`), and the chart's one refusal (`NoCJKFont`).

Kept apart from `reports.chart` so that the bot does not load matplotlib
(half a second, 44 MB) until someone asks for a chart.
"""

from __future__ import annotations

from dataclasses import dataclass


class NoCJKFont(RuntimeError):
    """No installed font can draw Chinese labels (install fonts-wqy-microhei or Noto Sans CJK SC)."""


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What the chart may show of one department."""

    total: bool = True  # False: no bar at all
    parts: frozenset[str] | None = None  # parts drawn as their own segment; None: every part


SHOW_ALL = Disclosure()
