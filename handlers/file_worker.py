"""Uploaded files are read in a child process, so the bot's event loop keeps serving taps while a file is
parsed, and a file that would take too much memory or time ends with that process, never with the bot.

The reader itself (reports.import_files) is bounded by size, rows, columns, cells and time; this adds the
hard stops behind those limits: an address-space limit in the child and a kill after `SECONDS`. The child
is a fresh interpreter that imports only the reader (~0.2 s), never a fork of the bot and its threads.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scoring.imports import ImportRejected

MEMORY_BYTES = 1024 * 1024 * 1024  # the child's address space
SECONDS = 20.0  # the reader stops itself at 10 s; the child is killed at this
AT_ONCE = 2  # files read at the same time; more wait their turn (a flood of uploads is not a flood of processes)


class FileUnreadable(Exception):
    """The child could not finish: `why` is 'memory', 'time' or 'broken'."""

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(why)


_turns = threading.BoundedSemaphore(AT_ONCE)
_ROOT = str(Path(__file__).resolve().parents[1])

# The child: a fresh interpreter that imports only the reader (not the bot, not aiogram), limits its own
# address space, runs the function named in the pickle on stdin and writes its outcome to stdout.
_CHILD = """
import importlib, pickle, resource, sys
try:
    resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
except (ValueError, OSError):
    pass
module, name, args = pickle.load(sys.stdin.buffer)
from scoring.imports import ImportRejected
try:
    outcome = ("ok", getattr(importlib.import_module(module), name)(*args))
except ImportRejected as exc:
    outcome = ("rejected", exc.problems)
except MemoryError:
    outcome = ("memory", None)
except Exception:
    outcome = ("broken", None)
sys.stdout.buffer.write(pickle.dumps(outcome))
"""


def _run(fn: Callable[..., Any], args: tuple) -> Any:
    payload = pickle.dumps((fn.__module__, fn.__qualname__, args))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)}
    with _turns:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD.format(memory=MEMORY_BYTES)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        try:
            out, _ = proc.communicate(payload, timeout=SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise FileUnreadable("time") from None
    if proc.returncode != 0 or not out:  # died without a word: killed for its memory
        raise FileUnreadable("memory")
    status, value = pickle.loads(out)
    if status == "ok":
        return value
    if status == "rejected":
        raise ImportRejected(value)
    raise FileUnreadable(status)


async def run_isolated(fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` in a child process, awaited from a worker thread: the event loop never waits on it.
    `fn` must be importable by name (a module-level function) and its arguments picklable."""
    return await asyncio.to_thread(_run, fn, args)
