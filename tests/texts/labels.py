"""The report's words as a test expects them: from the one text catalog (`label.*` in labels.ftl), the way
the renderings take them, so that a header, a sheet's name or a stamp can be reworded without breaking tests.

`heads("zh", "rank", "key")` is a header row; `summary_sheet("zh", "standard")` the name of a profile's
summary sheet; `points_of("zh", "领导评议")` a part's column of the CSV.
"""

from __future__ import annotations

from reports.labels import label, profile_label

__all__ = ["heads", "label", "points_of", "profile_label", "score_of", "summary_sheet"]


def heads(lang: str, *keys: str) -> list[str]:
    """The labels `keys` in `lang`, in that order (a header row, or a part of one)."""
    return [label(lang, key) for key in keys]


def summary_sheet(lang: str, profile: str) -> str:
    """The workbook's summary sheet of a profile: "汇总 一般部门"."""
    return f"{label(lang, 'summary')} {profile_label(lang, profile)}"


def score_of(lang: str, part: str) -> str:
    return label(lang, "score_of", part=part)


def points_of(lang: str, part: str) -> str:
    return label(lang, "points_of", part=part)
