"""Every word a user reads, in Simplified Chinese (default) and English.

The catalog is Fluent: `locales/<lang>/*.ftl` in this package, parsed once at import (see `catalog.py`
for why Fluent and how a key maps to a message id). `t(lang, key, **values)` renders one text.

Transition: a feature may still bring its texts as a module here with dicts `ZH` and `EN`
(`str.format` templates) listed in `_MODULES`; `tools/texts_to_ftl.py` turns such a module into
.ftl files, after which the module and its entry go. The parity test covers both.
"""

from __future__ import annotations

import importlib
from html import escape

from handlers.texts.catalog import Entry, load

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_CATALOG: dict[str, dict[str, Entry]] = load(LANGS)

# Feature modules still holding ZH/EN dicts (names under handlers.texts), until converted to .ftl.
_MODULES: tuple[str, ...] = ()
_TABLES: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
for _name in _MODULES:
    _module = importlib.import_module(f"handlers.texts.{_name}")
    for _lang in LANGS:
        _TABLES[_lang].update(getattr(_module, _lang.upper()))


def register(zh: dict[str, str], en: dict[str, str]) -> None:
    """Dict texts registered at import by code not yet converted to .ftl."""
    _TABLES["zh"].update(zh)
    _TABLES["en"].update(en)


def t(lang: str, key: str, **values: object) -> str:
    entries = _CATALOG.get(lang) or _CATALOG[DEFAULT_LANG]
    entry = entries.get(key)
    if entry is not None:
        return entry.render(values)
    template = (_TABLES.get(lang) or {}).get(key)
    if template is None:
        fallback = _CATALOG[DEFAULT_LANG].get(key)
        if fallback is not None:
            return fallback.render(values)
        template = _TABLES[DEFAULT_LANG][key]  # KeyError: a key no language has
    return template.format(**values) if values else template


def keys(lang: str) -> dict[str, frozenset[str]]:
    """Every key of a language with the placeholders it uses (the parity test reads this)."""
    import string

    found = {key: entry.placeholders for key, entry in _CATALOG[lang].items()}
    for key, template in _TABLES[lang].items():
        found.setdefault(key, frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f))
    return found


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
