"""`kaoping run` refuses a store it cannot use, at once and in one line; no command hangs on one (issue 11.6).

Real processes (`python -m bot`) on real files, made read-only with chmod. The
suite may run as root, for whom chmod denies nothing: the bot process is then
started without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (see `_as_operator`),
so the kernel holds it to the file modes like any unprivileged operator.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SANDBOX-kaoping-faults-token"


PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _as_operator() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Under root: give up the two capabilities that let root ignore file modes, for this child only.

    After exec, a root process's capabilities are its bounding set; without these two the kernel
    checks every read and write against the modes, as it does for an ordinary user."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def env_for(db: Path, api_base: str = "http://127.0.0.1:9") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")}
    return env | {
        "KAOPING_DB": str(db), "KAOPING_BOT_TOKEN": TOKEN, "KAOPING_API_BASE": api_base,
        "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
    }


def kaoping(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """One command as the operator; a hang fails the test (the timeout is a guard, not a measurement)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env_for(db), capture_output=True, text=True,
        stdin=subprocess.DEVNULL, preexec_fn=_as_operator, timeout=60,
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def work() -> Iterator[Path]:
    """A folder of its own for each test."""
    path = Path(tempfile.mkdtemp(prefix="kaoping-faults-"))
    path.chmod(0o777)
    yield path
    for dirpath, dirnames, _ in os.walk(path):
        for name in dirnames:
            Path(dirpath, name).chmod(0o777)
    shutil.rmtree(path)


def loaded(work: Path, name: str = "store") -> Path:
    """A folder with a loaded database, both created by the operator."""
    folder = work / name
    folder.mkdir()
    folder.chmod(0o777)
    db = folder / "kaoping.db"
    result = kaoping("load", str(ROOT / "examples" / "small.yaml"), db=db, cwd=work)
    assert result.returncode == 0, result.stderr
    folder.chmod(0o755)
    return db


def test_read_only_database_file_is_refused(work: Path) -> None:
    db = loaded(work)
    db.chmod(0o444)
    line = refused(kaoping("run", db=db, cwd=work))
    assert str(db) in line and "read-only" in line


def test_unwritable_folder_is_refused_and_no_command_hangs(work: Path) -> None:
    db = loaded(work)
    db.parent.chmod(0o555)  # the file stays writable; WAL needs the folder for -wal and -shm
    line = refused(kaoping("run", db=db, cwd=work))
    assert str(db.parent) in line and "not writable" in line
    # the other commands cannot open it either: each says so in one line and exits (they used to hang)
    for args in (["status", "small2026"], ["report", "small2026"], ["load", str(ROOT / "examples" / "small.yaml")]):
        line = refused(kaoping(*args, db=db, cwd=work))
        assert str(db) in line


def test_folder_that_is_a_file_is_refused(work: Path) -> None:
    blocker = work / "not-a-folder"
    blocker.write_text("")
    db = blocker / "kaoping.db"
    line = refused(kaoping("run", db=db, cwd=work))
    assert str(blocker) in line and "not a folder" in line
    line = refused(kaoping("load", str(ROOT / "examples" / "small.yaml"), db=db, cwd=work))
    assert str(db) in line


async def test_second_run_is_refused_naming_the_first_and_kill_9_frees_the_store(work: Path) -> None:
    db = loaded(work)
    sandbox = SandboxServer(token=TOKEN)
    base = await sandbox.start()
    procs: list[asyncio.subprocess.Process] = []

    async def start_run() -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=work, env=env_for(db, base), preexec_fn=_as_operator,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        procs.append(proc)
        return proc

    async def polling(proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while b" polling " not in (line := await proc.stderr.readline()):
            assert line, "the bot exited before polling"

    try:
        first = await start_run()
        await asyncio.wait_for(polling(first), 60)

        second = await start_run()
        _, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 1, err
        lines = err.decode().splitlines()
        assert len(lines) == 1 and "Traceback" not in lines[0], lines
        assert f"pid {first.pid}" in lines[0] and "in use" in lines[0] and f"{db}.lock" in lines[0]

        # kill -9 leaves no process behind to stop: the lock goes with it, and a new run starts
        first.kill()
        await first.wait()
        third = await start_run()
        await asyncio.wait_for(polling(third), 60)
        third.send_signal(signal.SIGTERM)
        await asyncio.wait_for(third.communicate(), 60)
        assert third.returncode == 0
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await sandbox.stop()
