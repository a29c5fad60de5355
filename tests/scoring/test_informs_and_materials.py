"""Issue 14: `informs`, a part's `weights` line, `materials`; the engine on 0-weight groups."""

from __future__ import annotations

import pytest

from scoring.campaign import Group
from scoring.engine import FlagKind, ScoreRow, compute
from scoring.validation import CampaignError, load_campaign
from tests.scoring.test_engine import build_campaign
from tests.scoring.test_validation import SOURCE, edit, line_of


def problems(text: str) -> list[str]:
    with pytest.raises(CampaignError) as info:
        load_campaign(text, SOURCE)
    return [str(p) for p in info.value.problems]


def test_unknown_or_self_informs_is_named_with_its_line() -> None:
    bad = edit("weight: 0, informs: key_work_leads}", "weight: 0, informs: key_work_lead}")
    (problem,) = problems(bad)
    assert problem.startswith(f"{SOURCE}:{line_of(bad, 'informs: key_work_lead}')}: parts[1].groups[0].informs: ")
    assert "unknown group 'key_work_lead'" in problem
    (problem,) = problems(edit("weight: 0, informs: key_work_leads}", "weight: 0, informs: self_eval}"))
    assert "group 'self_eval' cannot inform itself" in problem


def test_materials_name_a_known_milestone_and_known_groups() -> None:
    bad = edit("milestone: materials, shown_to: [key_work_leads]}", "milestone: material, shown_to: [kw_leads]}")
    found = problems(bad)
    assert any("materials[0].milestone: unknown milestone 'material'" in p for p in found), found
    assert any("materials[0].shown_to[0]: unknown group 'kw_leads'" in p for p in found), found
    dup = edit("  - {key: self_check,", "  - {key: summary,")
    assert any("duplicate materials key 'summary'" in p for p in problems(dup))


def test_a_weights_line_names_only_groups_of_its_part() -> None:
    bad = edit("    name_en: Key-work assessment\n", "    name_en: Key-work assessment\n    weights: {leaders: 2}\n")
    (problem,) = problems(bad)
    assert "parts[1]" in problem and "leaders" in problem and "not in this part" in problem
    good = edit("    name_en: Key-work assessment\n",
                "    name_en: Key-work assessment\n    weights: {key_work_leads: 3}\n")
    assert load_campaign(good, SOURCE).group("key_work_leads").weight == 3


def test_a_part_whose_only_present_group_weighs_0_is_missing_not_full_points() -> None:
    base = build_campaign()
    part = base.parts[1]  # keywork: self (own), leads (requires approval)
    self_group: Group = part.groups[0].model_copy(update={"weight": 0.0, "informs": "leads"})
    c = base.model_copy(update={"parts": [
        base.parts[0], part.model_copy(update={"groups": [self_group, part.groups[1]]}), *base.parts[2:],
    ]})
    assignments = [("cA", "self", "A"), ("k1", "leads", "A")]
    self_only = compute(c, assignments, [ScoreRow("cA", "self", "A", 100.0)])
    kw = self_only.department("A").parts["keywork"]
    assert kw.score is None and kw.points == 0.0
    assert FlagKind.MISSING_PART in {f.kind for f in self_only.department("A").flags}
    assert kw.groups["self"].score == 100.0  # shown, never counted
    # the lead's unapproved score does not count either; approved, it is the whole part
    pending = compute(c, assignments, [ScoreRow("cA", "self", "A", 100.0),
                                        ScoreRow("k1", "leads", "A", 80.0, approved=False)])
    assert pending.department("A").parts["keywork"].score is None
    approved = compute(c, assignments, [ScoreRow("cA", "self", "A", 100.0), ScoreRow("k1", "leads", "A", 80.0)])
    assert approved.department("A").parts["keywork"].score == 80.0
    assert approved.department("A").parts["keywork"].points == 20.0
