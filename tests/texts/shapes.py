"""A catalog text with its values left open, for tests that check which message a user got without
knowing every value in it (a time, a digest, a count): `shows(text, "zh", "start.invite_used")`.

The message is rendered with a marker for each placeholder; the text between the markers must appear
literally, a marker matches any run of characters. A wording change in the catalog moves the test along.
"""

from __future__ import annotations

import re

from handlers.texts import keys, t

_MARK = "\x00{}\x00"


def shape(lang: str, key: str, **values: object) -> re.Pattern[str]:
    """A pattern for the message `key`: the given values as rendered, the others as any text (a named
    group per open value: a value at the very end of the message matches as little as it can)."""
    open_ = {name: _MARK.format(name) for name in keys(lang)[key] if name not in values}
    rendered = t(lang, key, **open_, **values)
    pieces = re.split("\x00([^\x00]*)\x00", rendered)  # text, name, text, name, ..., text
    pattern, seen = [], set()
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


def values_in(text: str, lang: str, key: str, **values: object) -> dict[str, str]:
    """The open values of the message `key` as they stand in `text` (AssertionError when it is not there)."""
    found = shape(lang, key, **values).search(text)
    assert found is not None, f"no {key!r} in {text!r}"
    return found.groupdict()
