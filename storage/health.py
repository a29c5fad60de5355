"""Can this process write the database? Asked before `kaoping run` starts, answered in one line."""

from __future__ import annotations

import tempfile
from pathlib import Path


class StoreUnusable(Exception):
    """The database or its folder cannot be written by this process; the message is one line."""


def check_writable(path: str | Path) -> None:
    """Raise StoreUnusable unless the database at `path` (or its creation) and its folder are writable.

    Tried, not inferred from the modes: a real write in the folder (WAL keeps
    `-wal` and `-shm` beside the database, and SQLite creates them as needed)
    and opening the existing files for writing, so a read-only mount, a full
    quota on inodes, ACLs and root without CAP_DAC_OVERRIDE all count.
    """
    db = Path(path).absolute()
    folder = db.parent
    if not folder.exists():
        raise StoreUnusable(f"the database folder {folder} does not exist (database {db})")
    if not folder.is_dir():
        raise StoreUnusable(f"{_first_non_folder(folder)} is not a folder (database {db})")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".kaoping-probe-"):
            pass
    except OSError as exc:
        raise StoreUnusable(
            f"the database folder {folder} is not writable ({exc.strerror}); SQLite writes its journal "
            f"({db.name}-wal, {db.name}-shm) there"
        ) from None
    for file in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if not file.exists():
            continue
        if not file.is_file():
            raise StoreUnusable(f"{file} is not a regular file")
        try:
            with file.open("r+b"):
                pass
        except OSError as exc:
            raise StoreUnusable(f"the database {file} is read-only for this process ({exc.strerror})") from None


def _first_non_folder(path: Path) -> Path:
    """The ancestor of `path` that exists and is not a folder (the one to fix)."""
    for candidate in reversed([path, *path.parents]):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return path
