"""Start-up time and idle memory of `kaoping run` (`python -m bot run`) against the sandbox.

The bot runs as a separate process with KAOPING_BOT_TOKEN, KAOPING_API_BASE
(the sandbox in this process) and KAOPING_DB (a temp file with the tap
benchmark's campaign, 600 raters x 60 departments, loaded). `startup.s` runs
from just before the process is spawned to the first getUpdates the sandbox
receives; `idle.rss_mb` is VmRSS from /proc/PID/status after the bot has
polled idle for a few seconds (its first reminder tick included). The floor
is `bench.floor_bot`: a bare aiogram bot with an empty dispatcher, started
and measured the same way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

from bench.common import Figure, build_campaign, emit, median, note, quiet
from storage.store import Store

TOKEN = "123456:SANDBOX-kaoping-bench-token"


class Size(TypedDict):
    reps: int
    idle_s: float


SIZES: dict[str, Size] = {
    "full": {"reps": 3, "idle_s": 3.0},
    "quick": {"reps": 2, "idle_s": 2.0},
    "tiny": {"reps": 1, "idle_s": 0.5},
}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _one(command: list[str], env: dict[str, str], sandbox, idle_s: float, cwd: Path) -> tuple[float, float]:
    sandbox.calls.clear()
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = start + 60
        while not any(method.lower() == "getupdates" for method, _ in sandbox.calls):
            if proc.poll() is not None:
                _, err = proc.communicate()
                raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}: {err.decode()}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{' '.join(command)} did not poll within 60 s")
            await asyncio.sleep(0.002)
        started = time.perf_counter() - start
        await asyncio.sleep(idle_s)
        rss = _rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        for _ in range(200):  # wait without blocking the sandbox's event loop
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    return started, rss


async def bench_startup(reps: int = 5, idle_s: float = 4.0) -> list[Figure]:
    from sandbox import SandboxServer

    out: list[Figure] = []
    with quiet(), tempfile.TemporaryDirectory(prefix="kaoping-bench-") as tmp:
        db = Path(tmp) / "run.db"
        store = await Store.open(db)
        try:
            await store.campaigns.load(build_campaign(raters=600, leaders_only=True))
        finally:
            await store.close()
        sandbox = SandboxServer(token=TOKEN)
        await sandbox.start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("KAOPING_")}
            env |= {"KAOPING_BOT_TOKEN": TOKEN, "KAOPING_API_BASE": sandbox.base_url, "KAOPING_DB": str(db),
                    "KAOPING_LOG_LEVEL": "WARNING"}
            root = str(Path(__file__).resolve().parent.parent)
            env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
            commands = {
                "bot": [sys.executable, "-m", "bot", "run"],
                "floor": [sys.executable, "-m", "bench.floor_bot"],
            }
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
            for rep in range(reps):
                for name in (list(commands) if rep % 2 == 0 else list(commands)[::-1]):
                    # an empty working directory: no stray .env from the checkout
                    results[name].append(await _one(commands[name], env, sandbox, idle_s, Path(tmp)))
        finally:
            await sandbox.stop()
    bot_start = median(s for s, _ in results["bot"])
    floor_start = median(s for s, _ in results["floor"])
    bot_rss = median(r for _, r in results["bot"])
    floor_rss = median(r for _, r in results["floor"])
    emit(out, "startup.s", bot_start, "s")
    emit(out, "startup.floor_s", floor_start, "s")
    emit(out, "startup.ratio_vs_floor", bot_start / floor_start, "x")
    emit(out, "idle.rss_mb", bot_rss, "MB")
    emit(out, "idle.floor_rss_mb", floor_rss, "MB")
    emit(out, "idle.ratio_vs_floor", bot_rss / floor_rss, "x")
    note(f"startup: {reps} starts each of `python -m bot run` and the bare aiogram floor")
    return out


def run(size: str = "full") -> list[Figure]:
    return asyncio.run(bench_startup(**SIZES[size]))
