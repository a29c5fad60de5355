"""Every button's callback data, in one place: short prefixes and ids, every value re-checked against the store.

Numbers come from the client: every number field is a `Number` (plain ASCII digits within a rowid, checked
before pydantic reads it); a `StrictData` also refuses an empty field (aiogram would read it as the default)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from aiogram.filters.callback_data import CallbackData
from pydantic import BeforeValidator

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


# An int field of callback data: checked by `strict_number` before pydantic reads it.
Number = Annotated[int, BeforeValidator(strict_number)]


class StrictData(CallbackData, prefix="_"):
    """Callback data whose every field must be present: aiogram would read an empty field as its default
    (`w:s:5:7:` as a score of 0)."""

    @classmethod
    def unpack(cls, value: str) -> Any:
        if "" in value.split(cls.__separator__)[1:]:
            raise ValueError("empty field in callback data")
        return super().unpack(value)


# -- the rater's walk (handlers/walk.py) -------------------------------------------------------------


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
    sheet: Number
    item: Number = 0
    arg: Number = 0
    base: Number = 0


class Home(CallbackData, prefix="h"):
    pass


# A score card has 17 buttons: packing their data by f-string instead of building and dumping a
# `Walk` model per button saves ~100 µs a card. Same bytes as `.pack()` (tests/handlers/test_callbacks.py).
def walk_data(act: Act, sheet: int, item: int = 0, arg: int = 0, base: int = 0) -> str:
    """`Walk(act=act, sheet=sheet, item=item, arg=arg, base=base).pack()` for ints from the store."""
    return f"w:{act.value}:{sheet}:{item}:{arg}:{base}"


HOME_DATA = "h"  # Home().pack()


# -- approvals and a leader's check of what their office entered (approval.py, proxy.py) ----------------


class Verdict(StrEnum):
    APPROVE = "a"
    RETURN = "r"


class Approval(StrictData, prefix="a"):
    verdict: Verdict
    sheet: Number


class ProxyCheck(StrictData, prefix="px"):
    """A leader's answer to the scores their office entered for them, up to audit entry `upto`."""

    sheet: Number
    upto: Number
    ok: bool


# -- staff actions (admin.py, uploads.py, remind.py) ------------------------------------------------


class Confirm(CallbackData, prefix="ad"):
    """Confirms (or cancels) the pending action `pending`: the button names exactly what it confirms."""

    pending: Number
    yes: bool


class Reopen(CallbackData, prefix="ro"):
    sheet: Number


class ReopenPage(CallbackData, prefix="rp"):
    page: Number
    q: str = "-"


class Step(StrEnum):
    IMPORT = "c"
    OVERWRITE = "o"
    CANCEL = "x"


class ImportTap(StrictData, prefix="im"):
    """im:<step>:<pending action id>"""

    step: Step
    pending: Number


class Remind(CallbackData, prefix="rm"):
    milestone: str
    go: bool = False


class RemindCancel(CallbackData, prefix="rmx"):
    milestone: str


# -- /status (staff_status.py) ---------------------------------------------------------------------------


class View(StrEnum):
    OVERVIEW = "o"
    GROUP = "g"
    RATER = "r"


class StatusView(CallbackData, prefix="st"):
    """st:<view>:<group key>:<page>:<sheet id>; at most 5+40+1+4+1+10 = 61 bytes."""

    view: View
    group: str = ""
    page: Number = 0
    sheet: Number = 0


# -- materials (materials.py, materials_card.py) and the language (start.py) ------------------------------


class MatAct(StrEnum):
    VIEW = "v"  # a rater: send me the department's files (a = sheet, b = assignment)
    FILE = "f"  # a contact: file this upload as one of the department's materials (a = material, b = kind index)
    WITHDRAW = "d"  # a contact: withdraw a file (a = material)
    LIST = "l"  # a contact: show what the department handed in


class Mat(StrictData, prefix="mt"):
    """mt:<act>:<a>:<b>; the numbers are pointers, checked against the store on every tap."""

    act: MatAct
    a: Number = 0
    b: Number = 0


class LangPick(CallbackData, prefix="lg"):
    lang: str
