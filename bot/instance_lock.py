"""One `kaoping run` per database: a lock file beside it, held with flock for the life of the process.

Why a lock file and flock rather than a row in the database with a heartbeat:
the kernel releases a flock when its process ends, however it ends (kill -9,
OOM killer, power cut of a container), so a crashed bot never leaves a stale
lock to time out or to clear by hand, and no heartbeat writes compete with the
bot's taps. It works for processes on one host (the database is a local SQLite
file anyway; a shared PostgreSQL would use an advisory lock the same way).
Holding it also tells a starting process that no other live process sends
reminders from this database, so every unfinished reminder claim in it belongs
to a process that has died (bot/reminders.py relies on this).
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path


class InstanceLocked(Exception):
    """Another live process holds the database; the message names it, in one line."""


class InstanceLock:
    def __init__(self, db: str | Path) -> None:
        self.db = Path(db).absolute()
        self.path = self.db.with_name(self.db.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 300).decode("utf-8", "replace").strip() or "a process that is starting"
            os.close(fd)
            raise InstanceLocked(
                f"the database {self.db} is in use by another `kaoping run` ({holder}); "
                f"stop it first (lock file {self.path})"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n".encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        # the file stays: removing it would let a third process lock a new file while a second waits on the old
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
