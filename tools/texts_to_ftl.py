"""Turn a texts module (dicts `ZH` and `EN` of `str.format` templates) into Fluent files.

    python tools/texts_to_ftl.py texts.imports [more modules...] [--out texts/locales]

writes `<out>/zh/<name>.ftl` and `<out>/en/<name>.ftl` (name: the module's last part), then reads them
back with the bot's own loader and checks that every text renders exactly as before. Afterwards delete
the module. Plural forms are not guessed:
edit the English file by hand where a count is shown (see `locales/en/rater.ftl`, `left-days`).

A template with a format spec or conversion (`{x:.2f}`, `{x!r}`) is refused: pre-format the value in
the caller and pass text. Exit 1 with one line per problem on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from texts.catalog import CatalogError, message_id, parse_resource  # noqa: E402

_SPECIAL_FIRST = ("[", "*", ".")


def _literal(text: str) -> str:
    return '{"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"}'


def _line(pieces: list[tuple[str, str]]) -> str:
    """One line of pieces ('text', s) / ('var', name) as Fluent, whitespace at either end kept."""
    out: list[str] = []
    for kind, value in pieces:
        if kind == "var":
            out.append("{ $" + value + " }")
        else:
            out.append("".join(_literal(c) if c in "{}" else c for c in value))
    line = "".join(out)
    if not line:
        return _literal("")
    stripped = line.lstrip(" \t")
    if len(stripped) < len(line):
        line = _literal(line[: len(line) - len(stripped)]) + stripped
    elif line[0] in _SPECIAL_FIRST:
        line = _literal(line[0]) + line[1:]
    trimmed = line.rstrip(" \t")
    if len(trimmed) < len(line):
        line = trimmed + _literal(line[len(trimmed):])
    return line


def to_ftl(key: str, template: str) -> str:
    """One message: `id = value`, multiline values indented."""
    lines: list[list[tuple[str, str]]] = [[]]
    for text, field, spec, conversion in string.Formatter().parse(template):
        for i, part in enumerate(text.split("\n")):
            if i:
                lines.append([])
            if part:
                lines[-1].append(("text", part))
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            raise CatalogError(f"{key}: placeholder {{{field}{'!' + conversion if conversion else ''}"
                               f"{':' + spec if spec else ''}}} — pass a pre-formatted value instead")
        lines[-1].append(("var", field))
    rendered = [_line(pieces) for pieces in lines]
    if len(rendered) == 1:
        return f"{message_id(key)} = {rendered[0]}\n"
    return f"{message_id(key)} =\n" + "".join(f"    {line}\n" for line in rendered)


def convert(table: dict[str, str], header: str) -> str:
    return header + "".join(to_ftl(key, value) for key, value in table.items())


def check(text: str, table: dict[str, str], source: str, lang: str) -> list[str]:
    """Problems: a text that does not read back exactly as the template it came from."""
    entries = parse_resource(text, source, lang)
    problems = []
    for key, template in table.items():
        entry = entries.get(key)
        if entry is None:
            problems.append(f"{source}: {key} missing after conversion")
            continue
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        probe = {n: f"<{n}>" for n in names}
        expected = template.format(**probe) if names else template
        if entry.render(probe) != expected:
            problems.append(f"{source}: {key} reads back as {entry.render(probe)!r}, not {expected!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="dotted module names, e.g. texts.imports")
    parser.add_argument("--out", type=Path, default=ROOT / "handlers" / "texts" / "locales")
    args = parser.parse_args(argv)
    problems: list[str] = []
    outputs: list[tuple[Path, str]] = []
    for name in args.modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            problems.append(f"{name}: cannot import ({exc})")
            continue
        short = name.rsplit(".", 1)[-1]
        for lang in ("zh", "en"):
            table = getattr(module, lang.upper(), None)
            if not isinstance(table, dict):
                problems.append(f"{name}: no dict {lang.upper()}")
                continue
            path = args.out / lang / f"{short}.ftl"
            header = f"# {lang}: texts converted from {name} by tools/texts_to_ftl.py\n\n"
            try:
                text = convert(table, header)
                problems.extend(check(text, table, str(path), lang))
            except CatalogError as exc:
                problems.append(f"{name} ({lang}): {exc}")
                continue
            if path.exists():
                problems.append(f"{path}: exists already; not overwritten")
            outputs.append((path, text))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    for path, text in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
