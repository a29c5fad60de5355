"""Reading a campaign file: every problem at once, each with file, path and line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

from scoring.assignments import expand, rule_targets
from scoring.campaign import Campaign, ListRule, Role, SectorRule

Path = tuple[str | int, ...]

# Campaign files are untrusted (issue 11): bounds checked while the YAML is composed, before anything
# is built from it. The examples use no aliases, nest 7 levels deep and are 7-29 kB (municipal: 2,020
# nodes); the bounds leave room for a national campaign and none for a "billion laughs" file.
MAX_CAMPAIGN_BYTES = 2_000_000  # 2 MB of UTF-8
MAX_DEPTH = 64  # nested mappings/sequences
MAX_ALIASES = 100  # uses of `*name` (anchors are allowed: a shared list written once)
MAX_NODES = 1_000_000  # nodes of the document with every alias expanded


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.path or '(top)'}: {self.message}"


class CampaignError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class CampaignRefused(CampaignError):
    """The whole file is refused before it is read as a campaign (too large, too deep, too many aliases)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])
        where = f"{problem.source}:{problem.line}" if problem.line else problem.source
        self.args = (f"{where}: {problem.message}; nothing was changed",)

    def __str__(self) -> str:
        return str(self.args[0])


def format_path(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def load_campaign(text: str, source: str = "<campaign>") -> Campaign:
    """Parse and validate a campaign document; raise CampaignError listing every problem."""
    root, data = _parse(text, source)
    lines: dict[Path, int] = {}
    duplicates: list[tuple[Path, str]] = []
    if root is not None:
        _index(root, (), lines, duplicates)
    problems = [
        Problem(source, format_path(p), lines.get(p), f"key '{k}' appears twice in this mapping")
        for p, k in duplicates
    ]
    if not isinstance(data, dict):
        problems.append(Problem(source, "", 1, "a campaign file is a YAML mapping (key: value)"))
        raise CampaignError(problems)
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        problems += _shape_problems(exc, data, lines, source)
        problems += _checks_without_broken_items(exc, data, lines, source)
        raise CampaignError(problems) from None
    for path, message in check(campaign):
        problems.append(Problem(source, format_path(path), _line(lines, path), message))
    if problems:
        raise CampaignError(problems)
    return campaign


class _Refused(yaml.MarkedYAMLError):
    """A document beyond the bounds above: refused while composing, nothing built from it."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts, while composing, nesting depth, alias uses and the expanded size.

    The composer recurses once per nesting level and the later walks over the
    tree (line index, construction, validation) visit an aliased node once per
    use, so these three bounds keep every later step small.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0  # expanded so far
        self._sizes: dict[str, int] = {}  # anchor -> expanded size of its node, once complete

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(problem=f"more than {MAX_ALIASES} aliases (*name); write the values out",
                               problem_mark=event.start_mark)
            if event.anchor in self.anchors and event.anchor not in self._sizes:
                raise _Refused(problem=f"alias *{event.anchor} refers to a value that contains it",
                               problem_mark=event.start_mark)
            self._grow(self._sizes.get(event.anchor, 0), event.start_mark, f"alias *{event.anchor}")
            return super().compose_node(parent, index)
        event = self.peek_event()
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark)
        start = self._nodes
        self._grow(1, event.start_mark, "this value")
        node = super().compose_node(parent, index)
        self._depth -= 1
        if event.anchor is not None:
            self._sizes[event.anchor] = self._nodes - start
        return node

    def _grow(self, nodes: int, mark: yaml.Mark, what: str) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            raise _Refused(
                problem=f"{what} expands the document beyond {MAX_NODES:,} values (aliases nested in aliases?)",
                problem_mark=mark,
            )


def too_large(source: str) -> CampaignRefused:
    """The refusal of a file over MAX_CAMPAIGN_BYTES (callers that read files check the size first)."""
    return CampaignRefused(Problem(source, "", None, f"refused: larger than {MAX_CAMPAIGN_BYTES // 1_000_000} MB "
                                   "(a campaign file is a few dozen kB)"))


def _parse(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    """The composed tree (for lines) and the data, within the bounds; one one-line problem otherwise."""
    if len(text) > MAX_CAMPAIGN_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_CAMPAIGN_BYTES:
        raise too_large(source)
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _Refused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise CampaignRefused(Problem(source, "", line, f"refused: {exc.problem}")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = " ".join(str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
        raise CampaignError([Problem(source, "", line, f"not valid YAML: {what or exc}".replace("\n", " "))]) from None
    finally:
        loader.dispose()
    return root, data


def _checks_without_broken_items(exc: ValidationError, data: dict, lines: dict, source: str) -> list[Problem]:
    """The cross-reference checks, run on the document minus the list items whose shape is wrong.

    So a typo in one rater does not hide a wrong sector reference elsewhere.
    Checks that depend on the removed items (coverage, references to their
    keys) are left out rather than guessed.
    """
    broken: dict[str, set[int]] = {}
    for error in exc.errors(include_url=False):
        path = _data_path(error["loc"], data)
        if len(path) >= 2 and isinstance(data.get(path[0]), list) and isinstance(path[1], int):
            broken.setdefault(str(path[0]), set()).add(path[1])
        else:
            return []  # a top-level field is wrong: there is no sound campaign to check
    cleaned = dict(data)
    kept: dict[str, list[int]] = {}
    removed_keys: set[str] = set()
    for name, bad in broken.items():
        kept[name] = [i for i in range(len(data[name])) if i not in bad]
        cleaned[name] = [data[name][i] for i in kept[name]]
        for i in bad:
            removed_keys |= set(_keys_within(data[name][i]))
    try:
        partial = Campaign.model_validate(cleaned)
    except ValidationError:
        return []
    problems = []
    for path, message in check(partial, coverage=False):
        if any(f"'{key}'" in message for key in removed_keys):
            continue
        if path and path[0] in kept and len(path) > 1 and isinstance(path[1], int):
            path = (path[0], kept[path[0]][path[1]], *path[2:])  # back to the file's own positions
        problems.append(Problem(source, format_path(path), _line(lines, path), message))
    return problems


def _keys_within(node: object) -> Iterator[str]:
    """Every `key:` value inside a document fragment (a part's groups included)."""
    if isinstance(node, dict):
        if "key" in node:
            yield str(node["key"])
        for value in node.values():
            yield from _keys_within(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys_within(item)


def _index(node: yaml.Node, path: Path, lines: dict[Path, int], dups: list) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append((path + (key,), key))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _index(value, path + (key,), lines, dups)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), lines, dups)


def _line(lines: dict[Path, int], path: Path) -> int | None:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def _data_path(loc: tuple, data: Any) -> Path:
    """Keep the parts of a pydantic location that index into the document.

    Pydantic adds the names of union members (`SectorRule`, `literal[...]`) to
    locations; a user only knows the document's own keys and positions.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in node and _is_field(part):
            path.append(part)  # a missing required field
            break
    return tuple(path)


def _is_field(name: str) -> bool:
    return name.isidentifier() and name.islower()


def _shape_problems(exc: ValidationError, data: Any, lines: dict, source: str) -> list[Problem]:
    merged: dict[Path, list[str]] = {}
    for error in exc.errors(include_url=False):
        path = _data_path(error["loc"], data)
        message = error["msg"]
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see README, campaign file reference)"
        merged.setdefault(path, [])
        if message not in merged[path]:
            merged[path].append(message)
    return [
        Problem(source, format_path(p), _line(lines, p), "; ".join(msgs[:3]))
        for p, msgs in merged.items()
    ]


# -- the checks that need the whole campaign ---------------------------------


def check(c: Campaign, coverage: bool = True) -> Iterator[tuple[Path, str]]:
    yield from _check_keys(c)
    yield from _check_timezone_and_dates(c)
    yield from _check_scale(c)
    yield from _check_profiles(c)
    yield from _check_departments(c)
    yield from _check_raters(c)
    yield from _check_staff(c)
    yield from _check_informs(c)
    yield from _check_materials(c)
    if coverage:
        yield from _check_coverage(c)


def _dups(items: Iterable[tuple[Path, str]], what: str) -> Iterator[tuple[Path, str]]:
    items = list(items)
    counts = Counter(key for _, key in items)
    for path, key in items:
        if counts[key] > 1:
            yield path, f"duplicate {what} key '{key}'"


def _check_keys(c: Campaign) -> Iterator[tuple[Path, str]]:
    yield from _dups(((("milestones", i, "key"), m.key) for i, m in enumerate(c.milestones)), "milestone")
    yield from _dups(((("parts", i, "key"), p.key) for i, p in enumerate(c.parts)), "part")
    yield from _dups(
        (
            (("parts", i, "groups", j, "key"), g.key)
            for i, p in enumerate(c.parts)
            for j, g in enumerate(p.groups)
        ),
        "group",
    )
    yield from _dups(((("sectors", i, "key"), s.key) for i, s in enumerate(c.sectors)), "sector")
    yield from _dups(((("departments", i, "key"), d.key) for i, d in enumerate(c.departments)), "department")
    # raters and staff share one key space: an invite names one of them
    people = [(("raters", i, "key"), r.key) for i, r in enumerate(c.raters)]
    people += [(("staff", i, "key"), s.key) for i, s in enumerate(c.staff)]
    yield from _dups(people, "rater/staff")
    labels = [(("grades", i, "label"), g.label) for i, g in enumerate(c.grades)]
    yield from _dups(labels, "grade")


def _check_timezone_and_dates(c: Campaign) -> Iterator[tuple[Path, str]]:
    try:
        ZoneInfo(c.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield ("timezone",), f"unknown timezone '{c.timezone}' (an IANA name such as Asia/Shanghai)"
    if c.period.end < c.period.start:
        yield ("period", "end"), "the campaign ends before it starts"
    for i, m in enumerate(c.milestones):
        if not c.period.start <= m.due.date() <= c.period.end:
            yield ("milestones", i, "due"), (
                f"milestone {m.due:%Y-%m-%d} is outside the campaign "
                f"({c.period.start} to {c.period.end})"
            )
        if m.due.tzinfo is not None:
            yield ("milestones", i, "due"), "write local time without an offset; the campaign timezone applies"
    milestones = {m.key for m in c.milestones}
    for i, part in enumerate(c.parts):
        for j, g in enumerate(part.groups):
            if g.milestone not in milestones:
                yield ("parts", i, "groups", j, "milestone"), _unknown("milestone", g.milestone, milestones)


def _check_scale(c: Campaign) -> Iterator[tuple[Path, str]]:
    if c.scale.min >= c.scale.max:
        yield ("scale",), "scale.min must be below scale.max"
        return
    allowed = f"{c.scale.min:g}–{c.scale.max:g}, at most {c.scale.decimals} decimal(s)"
    for i, v in enumerate(c.presets):
        if not c.on_scale(v):
            yield ("presets", i), f"preset {v:g} is not on the scale ({allowed})"
    for i, g in enumerate(c.grades):
        if not c.on_scale(g.value):
            yield ("grades", i, "value"), f"grade value {g.value:g} is not on the scale ({allowed})"
    buttons = len(c.grades) or len(c.presets)
    if not 1 <= buttons <= 16:
        yield ("presets",), f"between 1 and 16 score buttons fit a phone; found {buttons}"


def _check_profiles(c: Campaign) -> Iterator[tuple[Path, str]]:
    parts = {p.key for p in c.parts}
    for name, weights in c.profiles.items():
        if weights == "external":
            continue
        for part_key in weights:
            if part_key not in parts:
                yield ("profiles", name, part_key), _unknown("part", part_key, parts)
        total = sum(weights.values())
        if abs(total - 100) > 1e-9:
            yield ("profiles", name), f"part weights add up to {total:g}, not 100"
    for i, part in enumerate(c.parts):
        if sum(g.weight for g in part.groups) <= 0:
            yield ("parts", i, "groups"), "group weights of a part must not all be 0"


def _check_departments(c: Campaign) -> Iterator[tuple[Path, str]]:
    sectors = {s.key for s in c.sectors}
    for i, d in enumerate(c.departments):
        if d.sector not in sectors:
            yield ("departments", i, "sector"), _unknown("sector", d.sector, sectors)
        if d.profile not in c.profiles:
            yield ("departments", i, "profile"), _unknown("profile", d.profile, c.profiles)


def _check_raters(c: Campaign) -> Iterator[tuple[Path, str]]:
    groups = {g.key: g for _, g in c.groups()}
    depts = {d.key for d in c.departments}
    sectors = {s.key for s in c.sectors}
    for i, r in enumerate(c.raters):
        base = ("raters", i)
        if r.department is not None and r.department not in depts:
            yield base + ("department",), _unknown("department", r.department, depts)
        for k, dept in enumerate(r.conflicts):
            if dept not in depts:
                yield base + ("conflicts", k), _unknown("department", dept, depts)
        for j, m in enumerate(r.memberships()):
            path = base + ("groups", j)
            group = groups.get(m.group)
            if group is None:
                yield path, _unknown("group", m.group, groups)
                continue
            rule = m.assign if m.assign is not None else group.assign
            yield from _check_rule(c, r, rule, path, depts, sectors)


def _check_rule(c, r, rule, path, depts, sectors) -> Iterator[tuple[Path, str]]:
    if isinstance(rule, SectorRule) and rule.sector not in sectors:
        yield path + ("assign", "sector"), _unknown("sector", rule.sector, sectors)
        return
    if isinstance(rule, ListRule):
        for k, dept in enumerate(rule.departments):
            if dept not in depts:
                yield path + ("assign", "departments", k), _unknown("department", dept, depts)
    if rule in ("own", "peers") and r.department is None:
        yield path, f"the rule '{rule}' needs the rater's own department (field `department`)"
        return
    if rule != "own" and r.department and r.department not in r.conflicts:
        targets = {d.key for d in rule_targets(rule, r, c.departments)}
        if r.department in targets:
            yield path, (
                f"this rule would have the rater score its own department '{r.department}'; "
                "use `peers` (sector peers) or `own` (self-evaluation), or list it under `conflicts`"
            )


def _check_staff(c: Campaign) -> Iterator[tuple[Path, str]]:
    raters = {r.key for r in c.raters}
    groups = {g.key: g for _, g in c.groups()}
    for i, s in enumerate(c.staff):
        for k, key in enumerate(s.collects_for):
            if key not in raters:
                yield ("staff", i, "collects_for", k), _unknown("rater", key, raters)
        if Role.COLLECTOR in s.roles and not s.collects_for:
            yield ("staff", i, "collects_for"), "a collector needs the raters it collects for"
        for k, key in enumerate(s.approves):
            group = groups.get(key)
            if group is None:
                yield ("staff", i, "approves", k), _unknown("group", key, groups)
            elif not group.requires_approval:
                yield ("staff", i, "approves", k), f"group '{key}' does not require approval"
        if s.approves and Role.APPROVER not in s.roles:
            yield ("staff", i, "roles"), "a staff member who approves groups needs the role 'approver'"


def _check_informs(c: Campaign) -> Iterator[tuple[Path, str]]:
    groups = {g.key for _, g in c.groups()}
    for i, part in enumerate(c.parts):
        for j, g in enumerate(part.groups):
            if g.informs is None:
                continue
            path = ("parts", i, "groups", j, "informs")
            if g.informs == g.key:
                yield path, f"group '{g.key}' cannot inform itself"
            elif g.informs not in groups:
                yield path, _unknown("group", g.informs, groups)


def _check_materials(c: Campaign) -> Iterator[tuple[Path, str]]:
    yield from _dups(((("materials", i, "key"), m.key) for i, m in enumerate(c.materials)), "materials")
    milestones = {m.key for m in c.milestones}
    groups = {g.key for _, g in c.groups()}
    for i, kind in enumerate(c.materials):
        if kind.milestone not in milestones:
            yield ("materials", i, "milestone"), _unknown("milestone", kind.milestone, milestones)
        for k, group in enumerate(kind.shown_to):
            if group not in groups:
                yield ("materials", i, "shown_to", k), _unknown("group", group, groups)


def _check_coverage(c: Campaign) -> Iterator[tuple[Path, str]]:
    assignments = expand(c)
    per_rater = Counter(a.rater for a in assignments)
    per_group = Counter(a.group for a in assignments)
    for i, r in enumerate(c.raters):
        if per_rater[r.key] == 0:
            yield ("raters", i), f"rater '{r.key}' has nothing to score (check its groups and rules)"
    for i, part in enumerate(c.parts):
        for j, g in enumerate(part.groups):
            if per_group[g.key] == 0:
                yield ("parts", i, "groups", j), f"group '{g.key}' has no raters with anything to score"


def _unknown(what: str, key: str, known: Iterable[str]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"unknown {what} '{key}' (known: {shown})"
