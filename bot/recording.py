"""A Bot API session that records calls instead of sending them (as aiogram's own tests do).

Handler tests and the tap benchmark feed real `Update`s through the
production dispatcher and read what the bot would have sent from here.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, Message, User

BOT_USER = User(id=42, is_bot=True, first_name="考评", username="kaoping_bot")


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    params: dict[str, Any]


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self._ids = itertools.count(1000)

    async def close(self) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        params = method.model_dump(exclude_none=True)
        name = type(method).__name__
        self.calls.append(Call(name, params))
        return self._result(name, params)

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "GetMe":
            return BOT_USER
        if name in {"SendMessage", "SendDocument", "SendPhoto", "EditMessageText", "EditMessageReplyMarkup"}:
            chat_id = params.get("chat_id") or 0
            message_id = params.get("message_id") or next(self._ids)
            return Message(
                message_id=message_id, date=datetime.now(UTC), chat=Chat(id=chat_id, type="private"),
                from_user=BOT_USER, text=params.get("text"),
            )
        if name == "GetUpdates":
            return []
        return True

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""

    def of(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.method == name]

    def clear(self) -> None:
        self.calls.clear()


def recording_bot() -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    bot = Bot("42:TESTTOKENTESTTOKENTESTTOKEN", session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return bot, session
