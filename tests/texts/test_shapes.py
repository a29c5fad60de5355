"""The helper tests use to recognise a catalog message with values they do not know (tests/texts/shapes.py)."""

from __future__ import annotations

from tests.texts.shapes import plain, shows, shows_plain, values_in
from texts import t


def test_a_message_is_recognised_with_its_values_open_or_given():
    text = "前言\n" + t("zh", "submit.confirm", group="市领导评议", n=5) + "\n后记"
    assert shows(text, "zh", "submit.confirm")
    assert shows(text, "zh", "submit.confirm", n=5)
    assert not shows(text, "zh", "submit.confirm", n=6)  # a given value must be the one shown
    assert not shows(text, "zh", "review.title")  # another message
    assert not shows("确认提交", "zh", "submit.confirm")  # a word of it is not the message


def test_a_value_is_read_back_and_a_repeated_value_must_repeat():
    text = t("zh", "submit.already", time="2027-01-02 10:00")
    assert values_in(text, "zh", "submit.already") == {"time": "2027-01-02 10:00"}
    assert shows(t("en", "left.days", n=3), "en", "left.days")  # a plural, its value open


def test_as_the_user_sees_it_no_tags_and_entities_decoded():
    html = t("zh", "mat.title", dept="A &amp; B")
    assert plain("zh", "mat.title", dept="A &amp; B") == "A & B · 上交材料" != html
    assert shows_plain("A & B · 上交材料", "zh", "mat.title")
    assert not shows_plain(None, "zh", "mat.title")
