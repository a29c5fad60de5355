"""The headers and labels of the report renderings (from the one text catalog), and `clip`, which cuts a
department's name to the width the chart and the chat's table give it."""

from __future__ import annotations

import unicodedata

from texts import has, t

NAME_COLUMNS = 24  # department names are cut to this width: 12 Chinese characters or 24 Latin letters

def label(lang: str, key: str, **values: object) -> str:
    """A label of the renderings in `lang` (Chinese when the language is unknown): `label.<key>` in the one
    text catalog (texts/locales/*/labels.ftl), filled from `values`."""
    return t(lang, f"label.{key}", **values)


def profile_label(lang: str, profile: str) -> str:
    """The usual name of a profile; its key when it has none."""
    key = f"label.profile.{profile}"
    return t(lang, key) if has(key) else profile


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
