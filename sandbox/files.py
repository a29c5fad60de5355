"""Files exchanged through the sandbox: uploads by the bot, documents sent by users.

Kept in memory and served under ``/file/bot<token>/<file_path>`` so that
``bot.get_file`` + ``bot.download`` work exactly as against Telegram.
"""

from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass
from typing import Any

from sandbox.errors import bad_request

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"BM")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str
    mime_type: str

    def _file(self) -> dict[str, Any]:
        """The fields every Bot API file object (Document, PhotoSize, File) carries."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.content)}

    def as_document(self) -> dict[str, Any]:
        return {**self._file(), "file_name": self.file_name, "mime_type": self.mime_type}

    def as_photo(self) -> list[dict[str, Any]]:
        width, height = image_size(self.content)
        return [{**self._file(), "width": width, "height": height}]

    def as_file(self) -> dict[str, Any]:
        return {**self._file(), "file_path": self.file_path}


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(self, content: bytes, filename: str, mime_type: str | None = None, *, kind: str) -> StoredFile:
        """Store bytes; ``kind`` is "documents" or "photos", as in Telegram's file paths."""
        if not content:
            raise bad_request("file must be non-empty")
        if len(content) > MAX_UPLOAD_BYTES:
            raise bad_request("file is too big")
        number = len(self._by_id)
        suffix = "." + filename.rsplit(".", 1)[1] if "." in filename else ""
        stored = StoredFile(
            file_id=("BQAC" if kind == "documents" else "AgAC") + secrets.token_urlsafe(24),
            file_unique_id="AQAD" + secrets.token_urlsafe(8),
            file_path=f"{kind}/file_{number}{suffix}",
            content=content,
            file_name=filename,
            mime_type=mime_type or guess_mime_type(filename),
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def guess_mime_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def is_image(content: bytes) -> bool:
    return content.startswith(_IMAGE_MAGIC)


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG, GIF or JPEG header; a nominal size otherwise."""
    if content.startswith(b"\x89PNG") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content.startswith(b"GIF") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return 640, 480


def _jpeg_size(content: bytes) -> tuple[int, int]:
    index = 2
    while index + 9 < len(content):
        if content[index] != 0xFF:
            break
        marker = content[index + 1]
        (length,) = struct.unpack(">H", content[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return 640, 480
