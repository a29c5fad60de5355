"""The CLI's commands start without the chat: every `kaoping` command a person types pays aiogram's
import (about 2.5 s of pydantic models on this machine) only if it runs the bot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_record_and_report_commands_do_not_load_aiogram() -> None:
    code = (
        "import sys, bot.cli, bot.cli_record, reports.exports, storage.reporting, services.audit;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiogram', 'matplotlib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
