"""The /report chart: a real PNG whose Chinese labels have glyphs in the chosen font (no empty boxes)."""

from __future__ import annotations

import struct
import warnings

import pytest
from matplotlib.ft2font import FT2Font

import reports.chart as chart
from reports.chart import Disclosure, NoCJKFont, chart_plan, cjk_font, clip, drawn_text, render_chart
from scoring.assignments import expand
from scoring.campaign import Campaign
from scoring.engine import Adjustment, Report, ScoreRow, compute
from tests.texts.labels import profile_label


def full_report(campaign: Campaign) -> Report:
    """Every assignment scored, values spread so ranks differ; a bonus and a penalty."""
    assignments = expand(campaign)
    rows = [ScoreRow(a.rater, a.group, a.department, 60 + (i * 7) % 41) for i, a in enumerate(assignments)]
    depts = [d.key for d in campaign.departments]
    return compute(campaign, assignments, rows, [Adjustment(depts[0], 2), Adjustment(depts[1], -3)])


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("name", ["small", "municipal"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_font_has_a_glyph_for_every_character_drawn(name, lang, request):
    campaign = request.getfixturevalue(name)
    panels = chart_plan(full_report(campaign), campaign, lang)
    text = drawn_text(panels, campaign, lang, provisional=True)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text) or lang == "en"
    family, path = cjk_font(text)
    charmap = FT2Font(path).get_charmap()
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in charmap})
    assert not missing, f"{family} lacks {missing}"


@pytest.mark.parametrize("name", ["small", "municipal"])
def test_renders_a_png_telegram_accepts_without_missing_glyphs(name, request):
    campaign = request.getfixturevalue(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for an empty box
        png = render_chart(full_report(campaign), campaign, "zh", provisional=True)
    width, height = png_size(png)
    assert width + height <= 10000 and max(width, height) / min(width, height) <= 20  # sendPhoto's limits
    assert len(png) < 10 * 1024 * 1024


def test_plan_ranks_stacks_and_withholds(small):
    report = full_report(small)
    standard = [d for d in report.departments if d.profile == "standard"]
    hidden, veiled, grey = standard[0].key, standard[1].key, standard[2].key
    disclosure = {
        hidden: Disclosure(total=False),
        veiled: Disclosure(parts=frozenset({"sector", "leaders"})),
        grey: Disclosure(parts=frozenset()),
    }
    panels = chart_plan(report, small, "zh", disclosure)
    # no external panel
    assert [p.title.split(" ")[0] for p in panels] == [profile_label("zh", "standard"), profile_label("zh", "vertical")]
    panel = panels[0]
    assert panel.hidden == 1 and len(panel.bars) == len(standard) - 1
    assert [b.label.split(".")[0] for b in panel.bars] == [str(n) for n in range(1, len(panel.bars) + 1)]
    assert small.department(hidden).name not in "".join(b.label for b in panel.bars)
    by_name = {b.label.split(". ")[1]: b for b in panel.bars}
    dept = report.department(veiled)
    bar = by_name[small.department(veiled).name]
    shown = dict(zip(panel.parts, bar.segments, strict=True))
    assert shown["sector"] == dept.parts["sector"].points and shown["key_work"] == 0
    assert bar.withheld == pytest.approx(sum(dept.parts[p].points for p in ("key_work", "grassroots", "related")))
    grey_bar = by_name[small.department(grey).name]
    assert set(grey_bar.segments) == {0.0}
    assert grey_bar.withheld == pytest.approx(report.department(grey).total - report.department(grey).adjustment)


def test_without_a_cjk_font_the_chart_is_refused_not_drawn_with_boxes(small, monkeypatch):
    monkeypatch.setattr(chart, "_installed", lambda: ())
    with pytest.raises(NoCJKFont, match="fonts-wqy-microhei"):
        render_chart(full_report(small), small)


def test_names_are_cut_by_display_width():
    assert clip("市财政局") == "市财政局"
    cut = clip("市人民政府国有资产监督管理委员会")
    assert cut == "市人民政府国有资产监督…"  # 11 wide characters and the ellipsis: 23 columns
    assert clip("Development and Reform Commission") == "Development and Reform…"
    assert clip("Government Offices Administration Bureau") == "Government Offices…"  # never mid-word
