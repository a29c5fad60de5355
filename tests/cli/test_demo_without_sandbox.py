"""The sandbox Bot API is not part of the installed product; `kaoping demo` without it says so in one line."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def installed_packages() -> list[str]:
    """The top-level packages a wheel built from pyproject.toml carries."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(d.name for d in ROOT.iterdir()
                  if (d / "__init__.py").is_file() and any(fnmatch.fnmatch(d.name, p) for p in include))


def test_the_installed_product_has_no_sandbox():
    assert installed_packages() == ["bot", "handlers", "reports", "scoring", "services", "storage", "texts"]


def test_the_demo_from_an_installed_product_points_to_the_source_checkout(tmp_path):
    site, elsewhere = tmp_path / "site-packages", tmp_path / "home"
    for name in installed_packages():  # what `pip install kaoping` puts on the path, and nothing else
        shutil.copytree(ROOT / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")}
    env |= {"PYTHONPATH": str(site), "PYTHONIOENCODING": "utf-8", "KAOPING_DB": str(tmp_path / "k.db")}
    done = subprocess.run([sys.executable, "-m", "bot", "demo", "--out-dir", "out"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, encoding="utf-8", stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "kaoping: demo needs the source checkout (the sandbox Bot API is not installed): run `make demo` there"
    ]
    assert done.stdout == ""
    assert list(elsewhere.iterdir()) == []  # no report directory, no database


def test_the_kaoping_script_of_an_editable_checkout_finds_the_sandbox_beside_it(tmp_path):
    # the `kaoping` console script has neither the checkout nor the working directory on sys.path;
    # the editable install (`make`) maps only the product's packages
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "from bot.demo import _sandbox_server; print(_sandbox_server().__module__)"
    done = subprocess.run([sys.executable, "-P", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "sandbox.server\n"
