"""What a chat report may show of each department, shared by the text, the chart and the staff file.

Kept apart from `scoring.chart` so that the bot does not load matplotlib
(half a second, 44 MB) until someone asks for a chart.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

NAME_COLUMNS = 24  # department names are cut to this width: 12 Chinese characters or 24 Latin letters


class NoCJKFont(RuntimeError):
    """No installed font can draw Chinese labels (install fonts-wqy-microhei or Noto Sans CJK SC)."""


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What the chart may show of one department."""

    total: bool = True  # False: no bar at all
    parts: frozenset[str] | None = None  # parts drawn as their own segment; None: every part


SHOW_ALL = Disclosure()


def clip(text: str, columns: int = NAME_COLUMNS) -> str:
    """`text` cut to `columns` display columns (a Chinese character takes two), with '…' when cut; a
    Latin name is cut at a word boundary ("Government Offices…", not "Government Offices Admi…")."""
    widths = [2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text]
    if sum(widths) <= columns:
        return text
    used, end = 0, 0
    while end < len(text) and used + widths[end] <= columns - 1:
        used += widths[end]
        end += 1
    if not text[end].isspace() and " " in text[:end]:
        word = text.rindex(" ", 0, end)
        if word >= end // 2:
            end = word
    return text[:end].rstrip(" ,;:·-") + "…"
