"""tools/check_layers.py keeps the domain pure and the renderings out of storage (issue 15, points 1 and 2).

Each case writes a small tree of our packages with one module that breaks a rule, runs the checker there as
`make test` does, and expects exit 1 and a line that names the file, the line and the rule.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_layers.py"


def check(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, str(TOOL)], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_the_real_tree_passes() -> None:
    done = subprocess.run([sys.executable, str(TOOL)], cwd=TOOL.parents[1], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip() == "layers: ok"


@pytest.mark.parametrize(("source", "rule"), [
    ("import openpyxl\n", "scoring must not import openpyxl"),
    ("from matplotlib.figure import Figure\n", "scoring must not import matplotlib"),
    ("import sqlite3\n", "scoring must not import sqlite3"),
    ("import aiosqlite\n", "scoring must not import aiosqlite"),
    ("from aiogram import Bot\n", "scoring must not import aiogram"),
    ("import csv\n", "scoring must not import csv"),
    ("import io\n", "scoring must not import io"),
    ("from pathlib import Path\n", "scoring must not import pathlib"),
    ("import os.path\n", "scoring must not import os"),
    ("import zipfile\n", "scoring must not import zipfile"),
    ("from xml.etree.ElementTree import XMLPullParser\n", "scoring must not import xml"),
    ("import shutil\n", "scoring must not import shutil"),
    ("import tempfile\n", "scoring must not import tempfile"),
    ("from reports.chart import render_chart\n", "scoring must not import reports"),
    ("\n\ndef load(name):\n    with open(name) as f:\n        return f.read()\n", "scoring must not call open()"),
    ("import builtins\n", "scoring must not import builtins"),
])
def test_the_domain_does_no_io_and_imports_nothing_of_ours(tmp_path: Path, source: str, rule: str) -> None:
    done = check(tmp_path, {"scoring/engine.py": source})
    assert done.returncode == 1
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "open(" in text or "import" in text)
    assert f"scoring/engine.py:{line}: {rule}" in done.stdout.splitlines()


def test_a_call_of_builtins_open_is_found_too(tmp_path: Path) -> None:
    done = check(tmp_path, {"scoring/engine.py": "import builtins\n\nbuiltins.open('x')\n"})
    assert "scoring/engine.py:3: scoring must not call open()" in done.stdout.splitlines()


@pytest.mark.parametrize(("package", "source", "rule"), [
    ("storage", "from reports.exports import render_csv\n", "storage must not import reports"),
    ("services", "from reports.labels import label\n", "services must not import reports"),
    ("reports", "from storage.store import Store\n", "reports must not import storage"),
    ("reports", "from services.audit import audit_rows\n", "reports must not import services"),
    ("reports", "from handlers.cards import Card\n", "reports must not import handlers"),
    ("reports", "from bot.config import Settings\n", "reports must not import bot"),
    ("reports", "from aiogram.types import Message\n", "reports must not import aiogram"),
    ("texts", "from handlers.cards import Card\n", "texts must not import handlers"),
    ("texts", "from scoring.campaign import Campaign\n", "texts must not import scoring"),
    ("scoring", "from texts import t\n", "scoring must not import texts"),
])
def test_reports_sit_between_the_domain_and_the_chat(tmp_path: Path, package: str, source: str, rule: str) -> None:
    done = check(tmp_path, {f"{package}/x.py": source})
    assert done.returncode == 1
    assert f"{package}/x.py:1: {rule}" in done.stdout.splitlines()


def test_the_chat_and_the_cli_may_use_reports_and_reports_may_use_files(tmp_path: Path) -> None:
    done = check(tmp_path, {
        "handlers/x.py": "from reports.chart import render_chart\n",
        "bot/x.py": "from reports.exports import render_xlsx\n",
        "reports/x.py": "import csv\nimport io\nfrom openpyxl import Workbook\nfrom scoring.engine import Report\n",
        "scoring/x.py": "import json\nimport unicodedata\nfrom scoring.campaign import Campaign\n",
    })
    assert (done.returncode, done.stdout.strip()) == (0, "layers: ok")
