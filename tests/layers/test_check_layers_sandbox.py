"""tools/check_layers.py on small trees: the sandbox stays beside the product, and the check says where it leaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "tools" / "check_layers.py"

DEMO = '''
async def run_demo() -> None:
    from sandbox import SandboxServer  # lazily: the installed product has no sandbox

    await SandboxServer().start()
'''


def tree(root: Path, files: dict[str, str]) -> Path:
    """A project tree with the given files (and every package's __init__.py)."""
    for package in ("bot", "handlers", "sandbox", "scoring", "services", "storage"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").touch()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def check(root: Path) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, str(CHECKER)], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.stderr == ""
    return done.returncode, done.stdout.splitlines()


def test_the_project_itself_keeps_its_layers():
    assert check(ROOT) == (0, ["layers: ok"])


def test_the_demo_tests_and_benchmarks_may_use_the_sandbox(tmp_path):
    root = tree(tmp_path, {
        "bot/demo.py": DEMO,
        "sandbox/server.py": "import asyncio\n\nfrom aiohttp import web\n",
        "tests/e2e/test_http.py": "from sandbox import SandboxServer\n",  # tests/ and bench/ are not checked
        "bench/tap.py": "from sandbox import SandboxServer\n",
    })
    assert check(root) == (0, ["layers: ok"])


def test_the_product_must_not_import_the_sandbox_outside_the_demo(tmp_path):
    root = tree(tmp_path, {
        "bot/demo.py": DEMO,
        "bot/app.py": "from bot.config import Settings\nfrom sandbox import SandboxServer\n",
        "handlers/walk.py": "import sandbox.client\n",
        "storage/store.py": "def f():\n    from sandbox.world import World\n",
        "services/record.py": "from sandbox import SimUser\n",
        "scoring/engine.py": "import sandbox\n",
    })
    code, lines = check(root)
    only = "(only bot/demo.py may)"
    assert code == 1
    assert lines == [
        f"bot/app.py:2: bot must not import sandbox {only}",
        f"handlers/walk.py:1: handlers must not import sandbox {only}",
        f"scoring/engine.py:1: scoring must not import sandbox {only}",
        f"services/record.py:1: services must not import sandbox {only}",
        f"storage/store.py:2: storage must not import sandbox {only}",
        "layers: 5 breach(es)",
    ]


def test_the_sandbox_imports_nothing_of_ours(tmp_path):
    root = tree(tmp_path, {
        "sandbox/server.py": "from aiohttp import web\n\nfrom bot.config import Settings\n",
        "sandbox/world.py": "from sandbox.files import FileStore\nfrom scoring.campaign import Campaign\n",
    })
    code, lines = check(root)
    assert code == 1
    assert lines == [
        "sandbox/server.py:3: sandbox must not import bot",
        "sandbox/world.py:2: sandbox must not import scoring",
        "layers: 2 breach(es)",
    ]
