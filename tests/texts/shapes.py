"""A catalog text with its values left open, for tests that check which message a user got without
knowing every value in it (a time, a digest, a count): `shows(text, "zh", "start.invite_used")`.

The message is rendered with a marker for each placeholder; the text between the markers must appear
literally, a marker matches any run of characters. A wording change in the catalog moves the test along.
"""

from __future__ import annotations

import html
import re

from texts import keys, t

_MARK = "\x00{}\x00"


def as_shown(rendered: str) -> str:
    """A text sent with parse_mode=HTML as the user sees it: tags gone, entities decoded, trimmed."""
    return html.unescape(re.sub(r"<[^>]*>", "", rendered)).strip()


def plain(lang: str, key: str, **values: object) -> str:
    """`t(lang, key, ...)` as the user sees it (what a sandbox user reads in `.text`)."""
    return as_shown(t(lang, key, **values))


def shape(lang: str, key: str, *, shown: bool = False, **values: object) -> re.Pattern[str]:
    """A pattern for the message `key`: the given values as rendered, the others as any text (a named
    group per open value: a value at the very end of the message matches as little as it can).
    `shown`: the text as the user sees it (see `as_shown`), not the HTML the bot sends."""
    open_ = {name: _MARK.format(name) for name in keys(lang)[key] if name not in values}
    rendered = t(lang, key, **open_, **values)
    if shown:
        rendered = as_shown(rendered)
    pieces = re.split("\x00([^\x00]*)\x00", rendered)  # text, name, text, name, ..., text
    pattern: list[str] = []
    seen: set[str] = set()
    for n, piece in enumerate(pieces):
        if n % 2 == 0:
            pattern.append(re.escape(piece))
        elif piece in seen:
            pattern.append(f"(?P={piece})")
        else:
            seen.add(piece)
            pattern.append(f"(?P<{piece}>.*?)")
    return re.compile("(?s)" + "".join(pattern))


def shows(text: str, lang: str, key: str, **values: object) -> bool:
    """True when `text` contains the message `key` (with `values` where given, anything elsewhere)."""
    return shape(lang, key, **values).search(text) is not None


def shows_plain(text: str | None, lang: str, key: str, **values: object) -> bool:
    """`shows` for a text as the user sees it (a sandbox user's `.text`: no tags, entities decoded)."""
    return shape(lang, key, shown=True, **values).search(text or "") is not None


def values_in(text: str, lang: str, key: str, **values: object) -> dict[str, str]:
    """The open values of the message `key` as they stand in `text` (AssertionError when it is not there)."""
    found = shape(lang, key, **values).search(text)
    assert found is not None, f"no {key!r} in {text!r}"
    return found.groupdict()
