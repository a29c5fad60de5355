"""One test per class of bad campaign input: each problem names the file, the path inside the document and its line.

Bad files are made by editing the text of examples/small.yaml, so the expected
line of every problem is found by searching the edited text, never hard-coded.

Indices in examples/small.yaml used below: departments 0 fgw, 1 czj, 2 tax,
3 icbc (external), 4 jyj, 5 wjw; raters 0 c_fgw, 1 c_czj, 5 panel_econ,
12 cty_ns, 17 ld_sz; staff 1 col_zf (collector), 2 approver_kw.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.validation import CampaignError, Problem, load_campaign

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "examples" / "small.yaml").read_text(encoding="utf-8")
SOURCE = "campaigns/bad-2024.yaml"


def edit(*pairs: str, text: str = TEXT) -> str:
    """Apply (old, new) replacements; each `old` must occur exactly once, so the edit is unambiguous."""
    assert len(pairs) % 2 == 0
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based number of the line holding the nth occurrence of `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} found on {len(hits)} line(s)"
    return hits[nth - 1]


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(CampaignError) as info:
        load_campaign(text, SOURCE)
    problems = info.value.problems
    assert problems, "CampaignError without problems"
    assert all(p.source == SOURCE for p in problems), problems
    return problems


def the_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def message_at(text: str, path: str, line: int) -> str:
    """The message of the one problem in `text`, which must be at `path` on line `line`."""
    problem = the_problem(text)
    assert (problem.path, problem.line) == (path, line), problem
    return problem.message


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, f"no single problem at {path!r}: " + "\n".join(map(str, problems))
    return found[0]


def test_the_example_is_valid() -> None:
    # every test below edits this file, so it must be clean to begin with
    assert load_campaign(TEXT, SOURCE).key == "small2026"


# -- unknown references ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "path", "anchor", "words"),
    [
        pytest.param(
            "name_en: Education Bureau, sector: social,", "name_en: Education Bureau, sector: socal,",
            "departments[4].sector", "{key: jyj,", ("sector", "socal"), id="sector",
        ),
        pytest.param(
            "sector: econ, profile: vertical}", "sector: econ, profile: vertcal}",
            "departments[2].profile", "{key: tax,", ("profile", "vertcal"), id="profile",
        ),
        pytest.param(
            "department: fgw, groups: [sector_peers, self_eval]}", "department: fgw, groups: [sector_peers, self_evl]}",
            "raters[0].groups[1]", "{key: c_fgw,", ("group", "self_evl"), id="group",
        ),
        pytest.param(
            "{key: ld_sz, name: 市长, name_en: Mayor, groups: [leaders]}",
            "{key: ld_sz, name: 市长, name_en: Mayor, groups: [leaders], conflicts: [nosuch]}",
            "raters[17].conflicts[0]", "{key: ld_sz,", ("department", "nosuch"), id="department-in-conflicts",
        ),
        pytest.param(
            "groups: [{group: sector_panel, assign: {sector: econ}}]",
            "groups: [{group: sector_panel, assign: {departments: [fgw, nosuch]}}]",
            "raters[5].groups[0].assign.departments[1]", "{key: panel_econ,", ("department", "nosuch"),
            id="department-in-list-rule",
        ),
        pytest.param(
            "groups: [{group: key_work_leads, assign: {sector: econ}}]",
            "groups: [{group: key_work_leads, assign: {sector: econ}},"
            " {group: four_offices, assign: {sector: nosuch}}]",
            "raters[7].groups[1].assign.sector", "{key: kwl_econ,", ("sector", "nosuch"), id="sector-in-rule",
        ),
        pytest.param(
            "name_en: Self-evaluation, milestone: materials,", "name_en: Self-evaluation, milestone: materals,",
            "parts[1].groups[0].milestone", "{key: self_eval,", ("milestone", "materals"), id="milestone",
        ),
        pytest.param(
            "collects_for: [ld_sz, ld_cw]", "collects_for: [ld_sz, ld_xx]",
            "staff[1].collects_for[1]", "collects_for:", ("rater", "ld_xx"), id="rater-in-collects_for",
        ),
        pytest.param(
            "approves: [key_work_leads]", "approves: [key_work_lead]",
            "staff[2].approves[0]", "approves:", ("group", "key_work_lead"), id="group-in-approves",
        ),
    ],
)
def test_unknown_reference(old: str, new: str, path: str, anchor: str, words: tuple[str, ...]) -> None:
    text = edit(old, new)
    message = message_at(text, path, line_of(text, anchor))
    assert message.startswith(f"unknown {words[0]} '{words[1]}'"), message
    assert "known:" in message  # says what would have been right


def test_unknown_own_department_of_a_rater() -> None:
    # the rater's own department is unknown: that, and (as a consequence) nothing left to score
    text = edit("department: jyj,", "department: jyx,")
    problems = problems_of(text)
    line = line_of(text, "{key: c_jyj,")
    assert at(problems, "raters[3].department").line == line
    assert "unknown department 'jyx'" in at(problems, "raters[3].department").message
    assert at(problems, "raters[3]").line == line


# -- duplicate keys ---------------------------------------------------------------------


def test_duplicate_department_key() -> None:
    wjw = next(line for line in TEXT.splitlines() if "{key: wjw," in line)
    text = edit(wjw, wjw + "\n" + wjw.replace("市卫生健康委员会", "市卫健委"))
    problems = problems_of(text)
    assert [(p.path, p.line) for p in problems] == [
        ("departments[5].key", line_of(text, "{key: wjw,", 1)),
        ("departments[6].key", line_of(text, "{key: wjw,", 2)),
    ]
    assert all("duplicate department key 'wjw'" in p.message for p in problems)


def test_raters_and_staff_share_one_key_space() -> None:
    text = edit("{key: col_zf,", "{key: ld_sz,")
    problems = problems_of(text)
    assert [(p.path, p.line) for p in problems] == [
        ("raters[17].key", line_of(text, "{key: ld_sz,", 1)),
        ("staff[1].key", line_of(text, "{key: ld_sz,", 2)),
    ]
    assert all("duplicate rater/staff key 'ld_sz'" in p.message for p in problems)


@pytest.mark.parametrize("where", ["top", "flow"])
def test_duplicate_yaml_mapping_key(where: str) -> None:
    # PyYAML silently keeps the last of two equal keys; the validator must not
    if where == "top":
        text = edit("timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\ntimezone: Europe/Berlin\n")
        path, line = "timezone", line_of(text, "timezone:", 2)
    else:
        text = edit("name_en: Finance Bureau, sector: econ,", "name_en: Finance Bureau, sector: econ, sector: social,")
        path, line = "departments[1].sector", line_of(text, "{key: czj,")
    message = message_at(text, path, line)
    assert "appears twice" in message


# -- weights, coverage and rules --------------------------------------------------------


def test_profile_weights_must_add_up_to_100() -> None:
    text = edit("related: 20, leaders: 15}", "related: 20, leaders: 10}")
    message = message_at(text, "profiles.standard", line_of(text, "standard: {sector: 25"))
    assert "95" in message and "100" in message


def test_profile_weight_for_an_unknown_part() -> None:
    text = edit("vertical: {sector: 30, key_work: 0,", "vertical: {sector: 30, keywork: 0,")
    message = message_at(text, "profiles.vertical.keywork", line_of(text, "vertical: {sector: 30"))
    assert message.startswith("unknown part 'keywork'")


def test_group_with_no_raters() -> None:
    gov = next(line for line in TEXT.splitlines() if "{key: gov_bodies," in line)
    text = edit(gov, gov + "\n      - {key: congress, name: 人大代表评议, milestone: scores}")
    message = message_at(text, "parts[3].groups[3]", line_of(text, "{key: congress,"))
    assert "congress" in message and "no raters" in message


def test_rater_with_nothing_to_score() -> None:
    # the only department it names is external: nothing is ever assigned to it
    lonely = "  - {key: lonely, name: 孤立评分人, groups: [{group: four_offices, assign: {departments: [icbc]}}]}\n"
    text = edit("\nstaff:\n", "\n" + lonely + "\nstaff:\n")
    message = message_at(text, "raters[19]", line_of(text, "{key: lonely,"))
    assert "nothing to score" in message


@pytest.mark.parametrize(
    ("old", "new", "path", "anchor"),
    [
        pytest.param(  # four_offices assigns `all` by default, the rater's own department among them
            "department: fgw, groups: [sector_peers, self_eval]}",
            "department: fgw, groups: [sector_peers, self_eval, four_offices]}",
            "raters[0].groups[2]", "{key: c_fgw,", id="all",
        ),
        pytest.param(
            "department: czj, groups: [sector_peers, self_eval]}",
            "department: czj, groups: [sector_peers, self_eval,"
            " {group: party_bodies, assign: {departments: [fgw, czj]}}]}",
            "raters[1].groups[2]", "{key: c_czj,", id="list",
        ),
        pytest.param(
            "department: tax, groups: [sector_peers]}",
            "department: tax, groups: [sector_peers, {group: sector_panel, assign: {sector: econ}}]}",
            "raters[2].groups[1]", "{key: c_tax,", id="sector",
        ),
    ],
)
def test_rule_giving_a_rater_its_own_department(old: str, new: str, path: str, anchor: str) -> None:
    text = edit(old, new)
    message = message_at(text, path, line_of(text, anchor))
    assert "own department" in message


def test_own_and_peers_rules_and_declared_conflicts_are_accepted() -> None:
    text = edit(
        "department: fgw, groups: [sector_peers, self_eval]}",
        "department: fgw, groups: [sector_peers, self_eval, four_offices], conflicts: [fgw]}",
    )
    assert load_campaign(text, SOURCE).rater("c_fgw").conflicts == ["fgw"]


def test_own_rule_needs_the_raters_department() -> None:
    text = edit("name_en: Mayor, groups: [leaders]}", "name_en: Mayor, groups: [leaders, self_eval]}")
    message = message_at(text, "raters[17].groups[1]", line_of(text, "{key: ld_sz,"))
    assert "own department" in message


# -- dates, timezone, scale -------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "shown"), [("2027-02-15 18:00:00", "2027-02-15"), ("2026-11-30 09:00:00", "2026-11-30")]
)
def test_milestone_outside_the_campaign_period(due: str, shown: str) -> None:
    text = edit("due: 2027-01-15 18:00:00", f"due: {due}")
    message = message_at(text, "milestones[2].due", line_of(text, "{key: external,"))
    assert shown in message and "outside" in message


def test_invalid_timezone() -> None:
    text = edit("timezone: Asia/Shanghai", "timezone: Asia/Shanghia")
    message = message_at(text, "timezone", line_of(text, "timezone:"))
    assert "Asia/Shanghia" in message


@pytest.mark.parametrize(("preset", "index"), [("105", 1), ("87.55", 1), ("-5", 1)])
def test_preset_off_the_scale(preset: str, index: int) -> None:
    text = edit("presets: [100, 95,", f"presets: [100, {preset},")
    message = message_at(text, f"presets[{index}]", line_of(text, "presets:"))
    assert "not on the scale" in message


# -- the shape of the document ----------------------------------------------------------


def test_unknown_field_is_a_typo() -> None:
    text = edit("report_min_raters: 3", "report_min_rater: 3")
    message = message_at(text, "report_min_rater", line_of(text, "report_min_rater:"))
    assert "unknown field" in message


def test_misspelt_field_inside_a_list_item() -> None:
    text = edit("sector: econ, profile: vertical}", "sectr: econ, profile: vertical}")
    problems = problems_of(text)
    line = line_of(text, "{key: tax,")
    assert {(p.path, p.line) for p in problems} == {("departments[2].sectr", line), ("departments[2].sector", line)}
    assert "unknown field" in at(problems, "departments[2].sectr").message
    assert "required field is missing" in at(problems, "departments[2].sector").message


@pytest.mark.parametrize(
    ("old", "path", "anchor"),
    [
        pytest.param("title: 示例市2026年度部门考核（小样）\n", "title", "key: small2026", id="top-level"),
        pytest.param("name: 市财政局, ", "departments[1].name", "{key: czj,", id="in-a-list-item"),
    ],
)
def test_missing_required_field(old: str, path: str, anchor: str) -> None:
    text = edit(old, "")
    # the line of the mapping that lacks the field
    assert message_at(text, path, line_of(text, anchor)) == "required field is missing"


def test_bad_enum_value() -> None:
    text = edit("assign: peers, method: trimmed_mean}", "assign: peers, method: avg}")
    message = message_at(text, "parts[0].groups[1].method", line_of(text, "method: avg"))
    assert "trimmed_mean" in message


@pytest.mark.parametrize(
    ("old", "new", "anchor"),
    [
        pytest.param("timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\n\tscale: 1\n", "\tscale", id="tab"),
        pytest.param("\ntitle: 示例市", "\n  title: 示例市", "  title:", id="indentation"),
    ],
)
def test_not_yaml(old: str, new: str, anchor: str) -> None:
    text = edit(old, new)
    message = message_at(text, "", line_of(text, anchor))
    assert message.startswith("not valid YAML")


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain words\n"])
def test_not_a_mapping(text: str) -> None:
    message = message_at(text, "", 1)
    assert "mapping" in message


def test_unquoted_quiet_hours_time() -> None:
    # YAML 1.1 reads 22:00 as the sexagesimal integer 1320
    text = edit('quiet_hours: {start: "22:00", end: "08:00"}', 'quiet_hours: {start: 22:00, end: "08:00"}')
    message = message_at(text, "reminders.quiet_hours.start", line_of(text, "quiet_hours:"))
    assert '"22:00"' in message


# -- every problem at once --------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param(
            ("timezone: Asia/Shanghai", "timezone: Mars/Olympus",
             "presets: [100, 95,", "presets: [100, 101,",
             "related: 20, leaders: 15}", "related: 20, leaders: 16}",
             "name_en: Education Bureau, sector: social,", "name_en: Education Bureau, sector: socal,",
             "collects_for: [ld_sz, ld_cw]", "collects_for: [ld_sz, ld_xx]"),
            [("timezone", "timezone:", 1),
             ("presets[1]", "presets:", 1),
             ("profiles.standard", "standard: {", 1),
             ("departments[4].sector", "{key: jyj,", 1),
             ("staff[1].collects_for[1]", "collects_for:", 1)],
            id="five-mistakes-five-problems",
        ),
        pytest.param(
            ("report_min_raters: 3", "report_min_rater: 3",
             'quiet_hours: {start: "22:00"', "quiet_hours: {start: 22:00",
             "name: 市财政局, ", "",
             "assign: peers, method: trimmed_mean}", "assign: peers, method: avg}",
             "timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\ntimezone: Asia/Shanghai\n"),
            [("report_min_rater", "report_min_rater:", 1),
             ("reminders.quiet_hours.start", "quiet_hours:", 1),
             ("departments[1].name", "{key: czj,", 1),
             ("parts[0].groups[1].method", "method: avg", 1),
             ("timezone", "timezone:", 2)],
            id="all-shape-mistakes-at-once",
        ),
    ],
)
def test_every_mistake_is_reported_at_once(edits: tuple[str, ...], expected: list[tuple[str, str, int]]) -> None:
    text = edit(*edits)
    problems = problems_of(text)
    assert sorted((p.path, p.line) for p in problems) == sorted(
        (path, line_of(text, anchor, nth)) for path, anchor, nth in expected)


def test_problem_text_names_file_line_and_path() -> None:
    text = edit("timezone: Asia/Shanghai", "timezone: Asia/Shanghia")
    with pytest.raises(CampaignError) as info:
        load_campaign(text, SOURCE)
    assert str(info.value).startswith(f"{SOURCE}:{line_of(text, 'timezone:')}: timezone: unknown timezone")


def test_a_typo_in_one_rater_does_not_hide_a_wrong_reference_elsewhere():
    text = TEXT.replace("{key: ld_sz, name: 市长,", "{key: ld_sz, nme: 市长,", 1)
    text = text.replace("sector: econ, profile: standard}", "sector: econz, profile: standard}", 1)
    with pytest.raises(CampaignError) as caught:
        load_campaign(text, "two.yaml")
    messages = [f"{p.path}: {p.message}" for p in caught.value.problems]
    assert any(m.startswith("raters[") and "unknown field" in m for m in messages)
    assert any(m.startswith("departments[0].sector") and "econz" in m for m in messages)
