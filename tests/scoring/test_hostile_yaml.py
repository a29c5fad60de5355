"""Campaign files are untrusted: a small hostile YAML file is refused at once, with one line, not parsed to death.

Issue 11 point 5: a 1 KB "billion laughs" file (nested aliases) ended in a MemoryError traceback
after 8 s, and 20,000-deep nesting in a RecursionError traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from scoring.validation import MAX_CAMPAIGN_BYTES, MAX_DEPTH, CampaignError, load_campaign

ROOT = Path(__file__).resolve().parents[2]
SMALL = (ROOT / "examples" / "small.yaml").read_text(encoding="utf-8")


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def deep(levels: int) -> str:
    return "key: " + "[" * levels + "]" * levels + "\n"


def refusal(text: str, source: str = "hostile.yaml") -> str:
    with pytest.raises(CampaignError) as caught:
        load_campaign(text, source)
    assert len(caught.value.problems) == 1
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_billion_laughs_is_refused_naming_file_and_line() -> None:
    text = billion_laughs()
    assert len(text.encode()) < 1100
    message = refusal(text)
    # refused where the expansion gets too big: an alias on one of the later lines
    line = int(message.split(":")[1])
    assert message.startswith("hostile.yaml:") and 2 <= line <= 9
    assert "alias" in message


def test_deep_nesting_is_refused() -> None:
    message = refusal(deep(20_000))
    assert message.startswith("hostile.yaml:1:")
    assert f"{MAX_DEPTH}" in message and "nest" in message


def test_nesting_up_to_the_limit_is_still_yaml() -> None:
    # the limit is about the document's shape, not a parse error: 60 levels parse and fail as a campaign
    with pytest.raises(CampaignError) as caught:
        load_campaign(deep(MAX_DEPTH - 4), "x.yaml")
    assert "nest" not in str(caught.value)


def test_self_referencing_alias_is_refused() -> None:
    message = refusal("a: &a [1, *a]\n")
    assert "alias" in message and message.startswith("hostile.yaml:1:")


def test_many_aliases_are_refused_but_a_few_are_fine() -> None:
    # a few anchors and aliases (a shared list written once) are ordinary YAML and stay allowed
    shared = SMALL.replace("timezone: Asia/Shanghai", "x-shared: &shared [1, 2]\ntimezone: Asia/Shanghai", 1)
    with pytest.raises(CampaignError) as caught:
        load_campaign(shared + "x-use: *shared\n", "ok.yaml")
    assert "alias" not in str(caught.value)  # refused for the unknown keys only, not for the alias
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    assert "alias" in refusal(many)


def test_oversized_file_is_refused_before_parsing() -> None:
    text = "# " + "x" * MAX_CAMPAIGN_BYTES + "\n" + SMALL
    message = refusal(text)
    assert "MB" in message and "hostile.yaml" in message


def test_plain_yaml_error_is_one_line() -> None:
    message = refusal("a: [1, 2\nb: 3\n")
    assert message.startswith("hostile.yaml:") and "not valid YAML" in message


def test_examples_still_load() -> None:
    for name in ("small.yaml", "municipal.yaml"):
        load_campaign((ROOT / "examples" / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("command", ["check", "load"])
@pytest.mark.parametrize("kind", ["laughs", "deep"])
def test_cli_refuses_with_one_line(command: str, kind: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(billion_laughs() if kind == "laughs" else deep(20_000), encoding="utf-8")
    db = tmp_path / "k.db"
    assert main(["--db", str(db), command, str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"{path}:") and "Traceback" not in err
    assert not db.exists()


def test_cli_refuses_an_oversized_file_without_reading_it(tmp_path: Path, capsys) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:  # sparse: 3 GB on paper, nothing on disk
        f.truncate(3_000_000_000)
    assert main(["--db", str(tmp_path / "k.db"), "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{path}: refused: larger than 2 MB (a campaign file is a few dozen kB); nothing was changed"
    ]
