"""The one text catalog: Fluent files `locales/<lang>/*.ftl`, parsed once at import.

Why Fluent (fluent.runtime) rather than gettext: our keys are stable identifiers (`card.prompt_value`),
not English source strings, and translators see each language on its own with its own grammar — an
English plural (`{ $n -> [one] … *[other] … }`) needs no code and no `ngettext` call at the call site,
and Chinese simply has no variants. Catalogs are plain text files, so the parity test and the converter
read them with the same parser the bot uses.

Fast path: most messages are text with `{ $name }` placeables only. They are compiled at load into a
Python format string and rendered with `str.format` (a card draws dozens of texts per tap); only messages
with selectors (plurals) or references go through the Fluent resolver.

Keys: a Fluent identifier cannot hold a dot, so the key `card.prompt_value` is the message
`card-prompt_value` in the files (`.` <-> `-`; keys never contain `-`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import fluent_number
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

log = logging.getLogger(__name__)

LOCALES = Path(__file__).parent / "locales"
_BABEL = {"zh": "zh", "en": "en"}


class CatalogError(ValueError):
    """A catalog file that does not parse, or a key defined twice."""


def key_of(message_id: str) -> str:
    return message_id.replace("-", ".")


def message_id(key: str) -> str:
    if "-" in key:
        raise CatalogError(f"text key {key!r}: keys may not contain '-'")
    return key.replace(".", "-")


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    placeholders: frozenset[str]
    render: Callable[[dict[str, object]], str]
    source: str  # file it came from


class _Missing(dict):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _variables(node: object) -> set[str]:
    """Every `$name` a message uses, in selectors and variants too."""
    found: set[str] = set()

    class Variables(Visitor):
        def visit_VariableReference(self, ref: ast.VariableReference) -> None:
            found.add(ref.id.name)

    Variables().visit(node)
    return found


def python_template(pattern: ast.Pattern) -> str | None:
    """The pattern as a `str.format` template, or None when it needs the Fluent resolver."""
    out: list[str] = []
    for element in pattern.elements:
        if isinstance(element, ast.TextElement):
            out.append(element.value.replace("{", "{{").replace("}", "}}"))
            continue
        expression = element.expression
        if isinstance(expression, ast.StringLiteral):
            out.append(expression.parse()["value"].replace("{", "{{").replace("}", "}}"))
        elif isinstance(expression, ast.VariableReference):
            out.append("{" + expression.id.name + "}")
        else:
            return None
    return "".join(out)


def _fluent_args(values: dict[str, object]) -> dict[str, object]:
    """Integers as numbers (plural selection; no digit grouping: years and ids stay as they are); anything
    else as the text Python would show, so floats and pre-formatted values read as they always did."""
    args: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, int) and not isinstance(value, bool):
            args[name] = fluent_number(value, useGrouping=False)
        else:
            args[name] = str(value)
    return args


def parse_resource(text: str, source: str, lang: str, bundle: FluentBundle | None = None) -> dict[str, Entry]:
    """Entries of one .ftl text; a syntax error names the file and line."""
    resource = FluentParser(with_spans=True).parse(text)
    entries: dict[str, Entry] = {}
    bundle = bundle or FluentBundle([_BABEL.get(lang, lang)], use_isolating=False)
    needs_bundle = False
    for item in resource.body:
        if isinstance(item, ast.Junk):
            line = text.count("\n", 0, item.span.start) + 1 if item.span else 0
            note = "; ".join(a.message for a in item.annotations if a.message) or "syntax error"
            raise CatalogError(f"{source}:{line}: {note}")
        if not isinstance(item, ast.Message) or item.value is None:
            continue
        key = key_of(item.id.name)
        if key in entries:
            raise CatalogError(f"{source}: {key!r} is defined twice")
        names = frozenset(_variables(item.value))
        template = python_template(item.value)
        if template is not None:
            entries[key] = Entry(key, names, _simple(template, bool(names)), source)
        else:
            needs_bundle = True
            entries[key] = Entry(key, names, _resolved(bundle, item.id.name, key), source)
    if needs_bundle:
        bundle.add_resource(FluentResource(text))
    return entries


def _simple(template: str, has_names: bool) -> Callable[[dict[str, object]], str]:
    if not has_names:
        literal = template.replace("{{", "{").replace("}}", "}")
        return lambda values: literal
    def render(values: dict[str, object]) -> str:
        try:
            return template.format(**values)
        except KeyError:  # a placeholder not given: shown as {name}, as a dict template with no values was
            return template.format_map(_Missing(values))

    return render


def _resolved(bundle: FluentBundle, fluent_id: str, key: str) -> Callable[[dict[str, object]], str]:
    def render(values: dict[str, object]) -> str:
        pattern = bundle.get_message(fluent_id).value
        if pattern is None:  # parse_resource keeps only messages with a value
            return key
        text, errors = bundle.format_pattern(pattern, _fluent_args(values))
        if errors:
            log.warning("text %s: %s", key, "; ".join(map(str, errors)))
        return str(text)

    return render


def load(langs: Iterable[str], root: Path = LOCALES) -> dict[str, dict[str, Entry]]:
    """Every language's entries from `root/<lang>/*.ftl`; a key defined in two files is an error."""
    catalog: dict[str, dict[str, Entry]] = {}
    for lang in langs:
        entries: dict[str, Entry] = {}
        bundle = FluentBundle([_BABEL.get(lang, lang)], use_isolating=False)
        for path in sorted((root / lang).glob("*.ftl")):
            found = parse_resource(path.read_text(encoding="utf-8"), str(path), lang, bundle)
            for key in found.keys() & entries.keys():
                raise CatalogError(f"{path}: {key!r} is defined in {entries[key].source} already")
            entries.update(found)
        catalog[lang] = entries
    return catalog
