"""Every word a user reads, in Simplified Chinese (default) and English.

The catalog is Fluent: `locales/<lang>/*.ftl` in this package, parsed once at import (see `catalog.py`
for why Fluent and how a key maps to a message id). `t(lang, key, **values)` renders one text.

Nothing registers texts at import: a new text goes into an .ftl file of both languages (the parity test
checks keys and placeholders).
"""

from __future__ import annotations

from html import escape

from texts.catalog import Entry, load

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_CATALOG: dict[str, dict[str, Entry]] = load(LANGS)

def t(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang` (Chinese where a language lacks it), filled in with `values`."""
    entries = _CATALOG.get(lang) or _CATALOG[DEFAULT_LANG]
    entry = entries.get(key) or _CATALOG[DEFAULT_LANG][key]  # KeyError: a key no language has
    return entry.render(values)


def has(key: str) -> bool:
    """Whether the catalog has `key` (in the default language, which has every key)."""
    return key in _CATALOG[DEFAULT_LANG]


def keys(lang: str) -> dict[str, frozenset[str]]:
    """Every key of a language with the placeholders it uses (the parity test reads this)."""
    return {key: entry.placeholders for key, entry in _CATALOG[lang].items()}


def h(text: object) -> str:
    """Escape campaign or user text for parse_mode=HTML (names, comments, reasons)."""
    return escape(str(text), quote=False)


BUTTON_MAX = 64  # a button label longer than this is shortened (Telegram shows about that much)


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at a word boundary with "…" (Chinese, which has no spaces,
    at a character). Only where a limit requires it: a button, or a preview inside a bounded message."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        head = cut[: cut.rindex(" ")]
        if len(head) >= limit // 2:
            cut = head
    return cut.rstrip(" ,;:·-") + "…"


def lang_code(code: str | None) -> str | None:
    """One of LANGS for a stored choice or a Telegram language_code ('en-US' -> 'en'); None if neither."""
    if not code:
        return None
    code = code.strip().lower()
    return next((lang for lang in LANGS if code == lang or code.startswith(lang + "-") or
                 code.startswith(lang + "_")), None)


def pick_lang(stored: str | None, telegram_code: str | None, default: str | None = None) -> str:
    """The reader's language: their /lang choice, else their Telegram language, else the campaign's default."""
    return lang_code(stored) or lang_code(telegram_code) or lang_code(default) or DEFAULT_LANG


def name_in(lang: str, zh_name: str, en_name: str | None) -> str:
    return en_name if lang == "en" and en_name else zh_name
