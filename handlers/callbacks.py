"""Callback data: short prefixes and ids, every value re-checked against the store."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from pydantic import field_validator

# Callback data comes from the client: a number is plain ASCII digits, no sign, no spaces, no
# underscores, no other scripts' digits, within SQLite's rowids. Checked before any arithmetic.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
NUMBER_MAX = 2**63 - 1


def strict_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        if not 0 <= value <= NUMBER_MAX:
            raise ValueError("out of range")
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value) and int(value) <= NUMBER_MAX:
        return int(value)
    raise ValueError("callback numbers are 1-19 ASCII digits within a rowid")


class StrictData(CallbackData, prefix="_"):
    """Callback data whose every field must be present: aiogram would read an empty field as its default
    (`w:s:5:7:` as a score of 0)."""

    @classmethod
    def unpack(cls, value: str) -> Any:
        if "" in value.split(cls.__separator__)[1:]:
            raise ValueError("empty field in callback data")
        return super().unpack(value)


class Act(StrEnum):
    SCORE = "s"
    OTHER = "o"
    COMMENT = "c"
    RECUSE = "r"
    BACK = "b"
    SKIP = "k"
    LIST = "l"
    GOTO = "g"
    UNDO = "u"
    REVIEW = "v"
    SUBMIT = "m"
    CONFIRM = "y"
    OPEN = "w"  # open the walk at the first unscored department
    CANCEL = "x"


class Walk(StrictData, prefix="w"):
    """w:<act>:<sheet>:<assignment>:<arg>:<base>; arg is a score in hundredths, a page number, or (Undo)
    the audit entry to revert; base is the version of the value a score button replaces (stale cards)."""

    act: Act
    sheet: int
    item: int = 0
    arg: int = 0
    base: int = 0

    _numbers = field_validator("sheet", "item", "arg", "base", mode="before")(strict_number)


class Home(CallbackData, prefix="h"):
    pass


# A score card has 17 buttons: packing their data by f-string instead of building and dumping a
# `Walk` model per button saves ~100 µs a card. Same bytes as `.pack()` (tests/handlers/test_callbacks.py).
def walk_data(act: Act, sheet: int, item: int = 0, arg: int = 0, base: int = 0) -> str:
    """`Walk(act=act, sheet=sheet, item=item, arg=arg, base=base).pack()` for ints from the store."""
    return f"w:{act.value}:{sheet}:{item}:{arg}:{base}"


HOME_DATA = "h"  # Home().pack()


class Verdict(StrEnum):
    APPROVE = "a"
    RETURN = "r"


class Approval(StrictData, prefix="a"):
    verdict: Verdict
    sheet: int

    _numbers = field_validator("sheet", mode="before")(strict_number)


class ProxyCheck(StrictData, prefix="px"):
    """A leader's answer to the scores their office entered for them, up to audit entry `upto`."""

    sheet: int
    upto: int
    ok: bool

    _numbers = field_validator("sheet", "upto", mode="before")(strict_number)
