"""Functions the file worker runs in its child process, for the tests of the worker's hard stops."""

from __future__ import annotations

import os
import time


def hog_memory() -> int:
    return len(bytearray(4 * 1024 * 1024 * 1024))  # more than the child's address space


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def die() -> None:
    os._exit(3)


def fail() -> None:
    raise RuntimeError("a bug in the reader")


def echo(value: object) -> object:
    return value
