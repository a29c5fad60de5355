"""parse_score: the one validator for typed and imported scores — finite plain decimals on the scale."""

from __future__ import annotations

import pytest

from scoring.campaign import Campaign
from scoring.values import MAX_SCORE_CHARS, BadScore, parse_score


@pytest.mark.parametrize(
    ("text", "value"),
    [("95", 95.0), ("87.5", 87.5), ("９５．５", 95.5), ("87。5", 87.5), (" 100 ", 100.0), ("0", 0.0),
     ("60.0", 60.0), ("060", 60.0), ("5.", 5.0), (".5", 0.5), ("100.00", 100.0)],
)
def test_plain_decimals_are_read(small: Campaign, text: str, value: float) -> None:
    assert parse_score(text, small.scale) == value


@pytest.mark.parametrize(
    "text",
    ["1e1", "1e2", "1E2", "1e-1", "１ｅ２", "nan", "NaN", "inf", "-inf", "Infinity", "sNaN", "+5", "＋5", "1,000",
     "1_0", "٩٥", "१०", "5 0", "", " ", ".", "-", "0x10", "5.5.5", "९"],
)
def test_anything_else_is_not_a_number(small: Campaign, text: str) -> None:
    with pytest.raises(BadScore) as info:
        parse_score(text, small.scale)
    assert info.value.reason == "not_a_number", text


@pytest.mark.parametrize("text", ["-5", "-0.5", "101", "100.1"])
def test_a_plain_minus_or_a_big_number_is_off_the_scale(small: Campaign, text: str) -> None:
    with pytest.raises(BadScore) as info:
        parse_score(text, small.scale)
    assert info.value.reason == "off_scale"


def test_too_many_decimals(small: Campaign) -> None:
    with pytest.raises(BadScore) as info:
        parse_score("87.25", small.scale)
    assert info.value.reason == "decimals"


@pytest.mark.parametrize("size", [MAX_SCORE_CHARS + 1, 3000, 200_000])
def test_a_long_text_is_refused_before_any_arithmetic_and_never_echoed_whole(small: Campaign, size: int) -> None:
    for text in ("9" * size, "0" * (size - 2) + "90", "1" + " " * size):
        with pytest.raises(BadScore) as info:
            parse_score(text, small.scale)
        assert info.value.reason == "not_a_number"
        assert len(str(info.value)) < 200 and len(info.value.text) <= 40
