"""Every word a user reads, in Simplified Chinese (default) and English.

Each feature keeps its texts in its own module here; `t()` looks them up.
Handler code never holds a user-facing string literal.
"""

from __future__ import annotations

from html import escape

from handlers.texts import common, imports, rater, reminders, staff

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_TABLES: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
for _module in (common, rater, staff, reminders, imports):
    for _lang in LANGS:
        _TABLES[_lang].update(getattr(_module, _lang.upper()))


def register(zh: dict[str, str], en: dict[str, str]) -> None:
    """Feature modules added later register their tables once at import."""
    _TABLES["zh"].update(zh)
    _TABLES["en"].update(en)


def t(lang: str, key: str, **values: object) -> str:
    table = _TABLES.get(lang) or _TABLES[DEFAULT_LANG]
    template = table.get(key) or _TABLES[DEFAULT_LANG][key]
    return template.format(**values) if values else template


def h(text: object) -> str:
    """Escape campaign or user text for parse_mode=HTML (names, comments, reasons)."""
    return escape(str(text), quote=False)


def pick_lang(stored: str | None, telegram_code: str | None) -> str:
    if stored in LANGS:
        return stored
    if telegram_code and telegram_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def name_in(lang: str, zh_name: str, en_name: str | None) -> str:
    return en_name if lang == "en" and en_name else zh_name
