"""The text catalog: both languages have the same keys and placeholders; English plurals."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import texts
from texts import LANGS, t
from texts.catalog import LOCALES, CatalogError, load, parse_resource

ROOT = Path(__file__).resolve().parents[2]


def test_every_key_in_every_language_with_the_same_placeholders():
    zh, en = texts.keys("zh"), texts.keys("en")
    assert sorted(zh.keys() - en.keys()) == []
    assert sorted(en.keys() - zh.keys()) == []
    differ = {k: (sorted(zh[k]), sorted(en[k])) for k in zh if zh[k] != en[k]}
    assert differ == {}


def test_every_key_renders_in_every_language():
    for lang in LANGS:
        for key, names in texts.keys(lang).items():
            text = t(lang, key, **{n: 2 for n in names})
            assert "{" + "$" not in text and "{ $" not in text, (lang, key, text)
            assert not any("{" + n + "}" in text for n in names), (lang, key, text)


def test_keys_the_code_names_exist():
    used: set[str] = set()
    for folder in ("handlers", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(re.findall(r"""\bt\(\s*[\w.]+,\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text("utf-8")))
    assert used, "the scan found no t() calls"
    missing = sorted(k for k in used if k not in texts.keys("zh"))
    assert missing == []


ENGLISH_MAY_SHOW_CHINESE = {"cmd.lang", "lang.pick", "lang.unknown", "lang.btn_zh"}  # the language's own name


def test_english_texts_are_english():
    chinese = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
    for key, names in texts.keys("en").items():
        if key not in ENGLISH_MAY_SHOW_CHINESE:
            assert not chinese.search(t("en", key, **{n: "x" for n in names})), key


def test_english_plurals():
    assert t("en", "left.days", n=1) == "1 day left"
    assert t("en", "left.days", n=3) == "3 days left"
    assert t("en", "left.hours", n=1) == "1 hour left"
    assert t("en", "left.minutes", n=1) == "1 minute left"
    assert t("en", "review.missing_count", n=1) == "⚠️ 1 department not scored yet."
    assert t("zh", "left.days", n=1) == "剩 1 天"
    assert t("en", "card.prompt_value", min="0", max="100", decimals=1).endswith("at most 1 decimal.")
    assert t("en", "card.prompt_value", min="0", max="100", decimals=0).endswith("whole numbers only.")


def test_numbers_are_not_grouped_and_text_is_kept_verbatim():
    assert "2026" in t("en", "left.days", n=2026)
    assert t("en", "digest.unbound") == " (not linked)"  # leading space kept
    assert t("zh", "digest.group", where="甲 · 乙", late=1, sheets=2).startswith("\n<b>甲 · 乙</b>")


def test_the_locale_files_ship_with_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = project["tool"]["setuptools"]["package-data"]["texts"]
    shipped = {p for g in globs for p in (ROOT / "texts").glob(g)}
    assert set(LOCALES.glob("*/*.ftl")) == shipped and shipped
    assert "fluent.runtime" in " ".join(project["project"]["dependencies"])


def test_a_broken_file_names_file_and_line(tmp_path):
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "x.ftl").write_text("ok = 好\nbad = {\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"x\.ftl:2"):
        load(["zh"], tmp_path)
    (tmp_path / "zh" / "x.ftl").write_text("a = 1\n", encoding="utf-8")
    (tmp_path / "zh" / "y.ftl").write_text("a = 2\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="defined in"):
        load(["zh"], tmp_path)


def test_plural_messages_parse_alone():
    entries = parse_resource("n-days = { $n ->\n  [one] 1 day\n *[other] { $n } days\n}\n", "t.ftl", "en")
    assert entries["n.days"].render({"n": 1}) == "1 day"
    assert entries["n.days"].placeholders == frozenset({"n"})
