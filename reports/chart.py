"""The ranking chart of /report: departments ranked per profile, bars stacked by part points, as PNG bytes.

Pure: a Report and its Campaign in, PNG bytes out. It uses matplotlib's object
API on the Agg canvas (no pyplot, no change to global rcParams), so it can
render in a worker thread while the bot keeps answering.

Chinese labels need a font that has the glyphs, and matplotlib's default
(DejaVu Sans) has none: it would draw empty boxes. `cjk_font()` picks an
installed CJK font and every text element is given it explicitly; with no such
font the chart is refused with `NoCJKFont` instead of being drawn unreadable.

What may be shown of each department is the caller's decision (`Disclosure`):
parts not disclosed are summed into one grey "withheld" segment, and a
department whose total may not be shown gets no bar at all. Ranks are counted
among the departments drawn, so a hidden one leaves no gap that would place it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # a server has no display; must precede any other matplotlib import

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findSystemFonts, fontManager
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch

from reports.chart_types import SHOW_ALL, Disclosure, NoCJKFont
from reports.labels import clip, label, profile_label
from scoring.campaign import Campaign
from scoring.engine import DepartmentResult, Report, competition_ranks, format_points

# In order of preference; the Makefile installs the first one (fonts-wqy-microhei) on Debian.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
CJK_SAMPLE = "考评部门排名得分"  # a font without these is no CJK font for our purpose

WIDTH_IN = 8.0
BAR_IN = 0.32  # height per department
PANEL_IN = 0.9  # title and axis of a profile's panel
HEAD_IN = 1.1  # figure title and legend
DPI = 144
MAX_PIXELS = 9000  # Telegram: width + height of a photo at most 10000
WITHHELD_COLOR = "#c8c8c8"
ADJUST_COLOR = "#4d4d4d"
DEDUCT_COLOR = "#d62728"

# what the chart writes besides names, in the catalog (texts/locales/*/labels.ftl, keys `label.chart.*`)
_WORDS = ("withheld", "bonus", "penalty", "provisional", "empty")


def _words(lang: str) -> dict[str, str]:
    return {key: label(lang, f"chart.{key}") for key in _WORDS}




# -- the font ---------------------------------------------------------------------


@lru_cache(maxsize=16)
def _charmap(path: str) -> frozenset[int]:
    return frozenset(FT2Font(path).get_charmap())


@lru_cache(maxsize=1)
def _installed() -> tuple[tuple[str, str], ...]:
    """(family, path) of the installed CJK_FAMILIES, in order of preference."""
    known: dict[str, str] = {}
    for entry in fontManager.ttflist:
        known.setdefault(entry.name, entry.fname)
    if not any(family in known for family in CJK_FAMILIES):
        # a font installed after matplotlib built its font cache is found only by a fresh scan
        for path in findSystemFonts():
            try:
                known.setdefault(FT2Font(path).family_name, path)
            except (OSError, RuntimeError):
                continue
    return tuple((family, known[family]) for family in CJK_FAMILIES if family in known)


def cjk_font(text: str = "") -> tuple[str, str]:
    """(family, file) of the preferred installed CJK font that has a glyph for every character of `text`.

    When no CJK font has them all, the preferred one that can at least draw
    Chinese is taken (a rare symbol may then be missing); with none, NoCJKFont.
    """
    needed = {ord(ch) for ch in text + CJK_SAMPLE if not ch.isspace()}
    usable = [(family, path) for family, path in _installed() if {ord(ch) for ch in CJK_SAMPLE} <= _charmap(path)]
    if not usable:
        raise NoCJKFont(
            "no font with Chinese glyphs is installed (Debian: apt-get install fonts-wqy-microhei); "
            f"looked for: {', '.join(CJK_FAMILIES)}"
        )
    return next(((f, p) for f, p in usable if needed <= _charmap(p)), usable[0])


# -- what to draw -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """One department's bar."""

    label: str  # "rank. short name"
    segments: tuple[float, ...]  # points per panel part; 0 where withheld
    withheld: float  # points of the parts not disclosed, summed
    adjustment: float
    total: float
    incomplete: bool


@dataclass(frozen=True, slots=True)
class Panel:
    """One profile's ranking."""

    title: str
    parts: tuple[str, ...]  # part keys with weight > 0 in the profile
    bars: tuple[Bar, ...]  # ranked, best first
    hidden: int  # departments whose total may not be shown


def _name(dept: DepartmentResult, lang: str) -> str:
    return clip(dept.name_en if lang == "en" and dept.name_en else dept.name)


def _bar(dept: DepartmentResult, total: float, parts: tuple[str, ...], shown: Disclosure, rank: int, lang: str) -> Bar:
    open_parts = set(parts) if shown.parts is None else shown.parts
    segments = tuple(dept.parts[p].points if p in dept.parts and p in open_parts else 0.0 for p in parts)
    withheld = sum(r.points for p, r in dept.parts.items() if p not in open_parts)
    return Bar(f"{rank}. {_name(dept, lang)}", segments, withheld, dept.adjustment, total, not dept.complete)


def chart_plan(
    report: Report, campaign: Campaign, lang: str = "zh", disclosure: Mapping[str, Disclosure] | None = None
) -> list[Panel]:
    """What the chart draws, before any drawing: a ranked panel per non-external profile."""
    disclosure = disclosure or {}
    panels = []
    for profile, depts in report.by_profile().items():
        if campaign.is_external(profile) or not depts:
            continue
        parts = tuple(p.key for p in campaign.parts if campaign.part_weight(profile, p.key) > 0)
        # a total is unknown only for an external department, and those have no panel
        drawn = [(d, d.total) for d in depts if d.total is not None and disclosure.get(d.key, SHOW_ALL).total]
        ranks = competition_ranks([total for _, total in drawn])  # among the drawn only: no tell-tale gaps
        ranked = sorted(((rank, d, total) for rank, (d, total) in zip(ranks, drawn, strict=True) if rank is not None),
                        key=lambda bar: bar[0])
        bars = tuple(_bar(d, total, parts, disclosure.get(d.key, SHOW_ALL), rank, lang) for rank, d, total in ranked)
        title = f"{profile_label(lang, profile)} ({len(bars)})"
        panels.append(Panel(title, parts, bars, len(depts) - len(drawn)))
    return panels


def _part_names(campaign: Campaign, lang: str) -> dict[str, str]:
    return {p.key: (p.name_en if lang == "en" and p.name_en else p.name) for p in campaign.parts}


def _title(campaign: Campaign, lang: str, provisional: bool) -> str:
    title = campaign.title_en if lang == "en" and campaign.title_en else campaign.title
    return f"{title} — {label(lang, 'chart.provisional')}" if provisional else title


def drawn_text(panels: list[Panel], campaign: Campaign, lang: str = "zh", provisional: bool = False) -> str:
    """Every string the chart draws, run together: the font must have a glyph for each character."""
    words = [_title(campaign, lang, provisional), *_part_names(campaign, lang).values(), *_words(lang).values(),
             label(lang, "chart.hidden", n=0), label(lang, "points")]
    for panel in panels:
        words += [panel.title, *(bar.label for bar in panel.bars)]
    return "".join(words)


# -- drawing --------------------------------------------------------------------------


def render_chart(
    report: Report,
    campaign: Campaign,
    lang: str = "zh",
    disclosure: Mapping[str, Disclosure] | None = None,
    provisional: bool = False,
) -> bytes:
    """PNG: one panel per non-external profile, departments ranked, bars stacked by part points.

    Raises NoCJKFont when no installed font can draw the Chinese labels.
    """
    lang = lang if lang in ("zh", "en") else "zh"
    panels = chart_plan(report, campaign, lang, disclosure)
    _, path = cjk_font(drawn_text(panels, campaign, lang, provisional))
    font = FontProperties(fname=path)
    fig = _figure(panels)
    fig.suptitle(_title(campaign, lang, provisional), fontproperties=font, fontsize=13)
    colors = _colors(campaign)
    # each panel as tall as its number of departments, so every bar has the same thickness
    ratios = [PANEL_IN + BAR_IN * max(len(p.bars), 1) for p in panels]
    axes: list[Axes] = list(fig.subplots(len(panels), 1, squeeze=False, height_ratios=ratios)[:, 0]) if panels else []
    for ax, panel in zip(axes, panels, strict=True):
        _draw_panel(ax, panel, colors, font, lang)
    if not panels:
        fig.text(0.5, 0.5, label(lang, "chart.empty"), ha="center", fontproperties=font)
    _legend(fig, panels, _part_names(campaign, lang), colors, font, _words(lang))
    return _png(fig)


def _figure(panels: list[Panel]) -> Figure:
    height = HEAD_IN + sum(PANEL_IN + BAR_IN * max(len(p.bars), 1) for p in panels) if panels else 3.0
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _colors(campaign: Campaign) -> dict[str, str]:
    """One colour per part, the same in every panel."""
    palette = matplotlib.colormaps["tab10"](range(10))  # its ten colours
    return {p.key: to_hex(palette[i % len(palette)]) for i, p in enumerate(campaign.parts)}


def _draw_panel(ax: Axes, panel: Panel, colors: dict[str, str], font: FontProperties, lang: str) -> None:
    rows = range(len(panel.bars))
    left = [0.0] * len(panel.bars)
    for i, part in enumerate(panel.parts):
        widths = [bar.segments[i] for bar in panel.bars]
        ax.barh(rows, widths, left=left, color=colors[part], height=0.7)
        left = [x + w for x, w in zip(left, widths, strict=True)]
    withheld = [bar.withheld for bar in panel.bars]
    if any(withheld):
        ax.barh(rows, withheld, left=left, color=WITHHELD_COLOR, hatch="//", edgecolor="white", height=0.7)
        left = [x + w for x, w in zip(left, withheld, strict=True)]
    _draw_adjustments(ax, panel, left)
    top = max([max(x, bar.total) for x, bar in zip(left, panel.bars, strict=True)], default=0.0)
    for row, (x, bar) in enumerate(zip(left, panel.bars, strict=True)):
        text = format_points(bar.total) + ("*" if bar.incomplete else "")
        ax.text(max(x, bar.total) + top * 0.01, row, text, va="center", fontsize=8)
    ax.set_yticks(list(rows), [bar.label for bar in panel.bars], fontproperties=font, fontsize=9)
    ax.set_ylim(max(len(panel.bars), 1) - 0.5, -0.5)  # rank 1 at the top, no empty margin
    ax.set_xlim(0, max(top * 1.12, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    title = panel.title + ("\n" + label(lang, "chart.hidden", n=panel.hidden) if panel.hidden else "")
    ax.set_title(title, fontproperties=font, fontsize=11, loc="left")
    ax.set_xlabel(label(lang, "points"), fontproperties=font, fontsize=9)
    if not panel.bars:
        ax.text(0.5, 0.5, label(lang, "chart.empty"), transform=ax.transAxes, ha="center", fontproperties=font)


def _draw_adjustments(ax: Axes, panel: Panel, left: list[float]) -> None:
    """A bonus extends the bar; a penalty is hatched red over the points it took away."""
    for row, (x, bar) in enumerate(zip(left, panel.bars, strict=True)):
        if bar.adjustment > 0:
            ax.barh(row, bar.adjustment, left=x, color=ADJUST_COLOR, height=0.7)
        elif bar.adjustment < 0:
            ax.barh(row, -bar.adjustment, left=x + bar.adjustment, color="white", alpha=0.6, hatch="xx",
                    edgecolor=DEDUCT_COLOR, height=0.7)


def _legend(
    fig: Figure, panels: list[Panel], part_names: dict[str, str], colors: dict[str, str],
    font: FontProperties, words: dict[str, str],
) -> None:
    drawn = {part for panel in panels for bar in panel.bars for part, w in zip(panel.parts, bar.segments, strict=True)
             if w}
    handles = [Patch(color=colors[p], label=part_names[p]) for p in part_names if p in drawn]
    bars = [bar for panel in panels for bar in panel.bars]
    if any(bar.withheld for bar in bars):
        handles.append(Patch(facecolor=WITHHELD_COLOR, hatch="//", edgecolor="white", label=words["withheld"]))
    if any(bar.adjustment > 0 for bar in bars):
        handles.append(Patch(color=ADJUST_COLOR, label=words["bonus"]))
    if any(bar.adjustment < 0 for bar in bars):
        handles.append(Patch(facecolor="white", hatch="xx", edgecolor=DEDUCT_COLOR, label=words["penalty"]))
    if handles:
        small = font.copy()
        small.set_size(9)  # a legend ignores fontsize= when given prop=
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), prop=small,
                   frameon=False)


def _png(fig: Figure) -> bytes:
    width, height = fig.get_size_inches()
    dpi = min(DPI, MAX_PIXELS / (width + height))  # a very long ranking is drawn finer, never too large to send
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
