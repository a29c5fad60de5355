"""Callback data packed by f-string (`walk_data`, `HOME_DATA`) is byte for byte what `CallbackData.pack()` makes;
the cards' buttons, copied from cached ones, equal freshly validated buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from hypothesis import given
from hypothesis import strategies as st

from handlers.callbacks import (
    HOME_DATA,
    Act,
    Approval,
    Confirm,
    Home,
    ImportTap,
    Mat,
    MatAct,
    ProxyCheck,
    Reopen,
    ReopenPage,
    StatusView,
    Step,
    Verdict,
    View,
    Walk,
    walk_data,
)
from handlers.cards import home_card, list_card, review_card, score_card
from storage.sheets import Item, SheetInfo

MAX_ROWID = 2**63 - 1  # SQLite's largest id
MAX_ARG = 100 * 100  # a score of 100 in hundredths; pages are far smaller


@pytest.mark.parametrize("act", list(Act))
@pytest.mark.parametrize(("sheet", "item", "arg"), [
    (1, 0, 0), (17, 4242, 8000), (3, 7, 9550), (12, 0, 3), (MAX_ROWID, MAX_ROWID, MAX_ARG),
])
def test_walk_data_is_walk_pack(act: Act, sheet: int, item: int, arg: int):
    packed = walk_data(act, sheet, item, arg)
    assert packed == Walk(act=act, sheet=sheet, item=item, arg=arg).pack()
    assert len(packed.encode()) <= 64  # Telegram's limit for callback_data
    assert Walk.unpack(packed) == Walk(act=act, sheet=sheet, item=item, arg=arg)


def test_defaults_and_home():
    assert walk_data(Act.OPEN, 5) == Walk(act=Act.OPEN, sheet=5).pack()
    assert walk_data(Act.GOTO, 5, item=9) == Walk(act=Act.GOTO, sheet=5, item=9).pack()
    assert walk_data(Act.LIST, 5, arg=2) == Walk(act=Act.LIST, sheet=5, arg=2).pack()
    assert Home().pack() == HOME_DATA


@given(st.sampled_from(list(Act)), st.integers(1, MAX_ROWID), st.integers(0, MAX_ROWID), st.integers(0, MAX_ARG))
def test_walk_data_matches_pack_for_any_ids(act: Act, sheet: int, item: int, arg: int):
    packed = walk_data(act, sheet, item, arg)
    assert packed == Walk(act=act, sheet=sheet, item=item, arg=arg).pack()
    assert len(packed.encode()) <= 64


def test_every_button_of_the_walks_cards_unpacks_repacks_and_equals_a_fresh_button(small):
    sheet = SheetInfo(MAX_ROWID, 1, "ld_cw", "leaders", "open", 3, 1, 0, None, None, None, None)
    depts = [d.key for d in small.departments][:3]
    items = [Item(MAX_ROWID - n, d, n, 95.5 if n == 0 else None, False, None, None, None) for n, d in enumerate(depts)]
    now = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    cards = [
        score_card(small, "zh", sheet, items, items[0]),
        score_card(small, "en", sheet, items, items[1]),
        list_card(small, "zh", sheet, items, 0),
        review_card(small, "zh", sheet, items, 0),
        home_card(small, "zh", "x", [sheet], now),
    ]
    for card in cards:
        for row in card.markup.inline_keyboard:
            for button in row:
                data = button.callback_data
                assert len(data.encode()) <= 64
                model = Home.unpack(data) if data == HOME_DATA else Walk.unpack(data)
                assert model.pack() == data
                fresh = InlineKeyboardButton(text=button.text, callback_data=data)  # what `_button` copies
                assert button == fresh and button.model_dump(exclude_none=True) == fresh.model_dump(exclude_none=True)


# every button whose data carries a number: the number is plain ASCII digits within a rowid, in every field
POINTERS = [
    Walk(act=Act.SCORE, sheet=1, item=2, arg=3, base=4),
    Approval(verdict=Verdict.APPROVE, sheet=5),
    ProxyCheck(sheet=6, upto=7, ok=True),
    Confirm(pending=8, yes=False),
    Reopen(sheet=9),
    ReopenPage(page=1, q="城"),
    ImportTap(step=Step.OVERWRITE, pending=10),
    Mat(act=MatAct.FILE, a=11, b=0),
    StatusView(view=View.RATER, group="g1", page=2, sheet=12),
]
FORGED_NUMBERS = ["-1", "+1", " 1", "1_0", "01", "٣", "1e3", str(MAX_ROWID + 1), "True"]


@pytest.mark.parametrize("data", POINTERS, ids=lambda d: type(d).__name__)
def test_every_number_of_every_pointer_is_checked(data: CallbackData):
    packed = data.pack()
    assert type(data).unpack(packed) == data
    numbers = [name for name, value in data.model_dump().items() if type(value) is int]
    assert numbers
    fields = list(type(data).model_fields)
    for name in numbers:
        for forged in FORGED_NUMBERS:
            parts = packed.split(":")
            parts[1 + fields.index(name)] = forged
            with pytest.raises(ValueError):
                type(data).unpack(":".join(parts))
