"""The sandbox's state: the bot, its private chats, their messages, files and updates.

Both sides work on this one object: the Bot API methods (what the bot does)
and the simulated users (what people do on their phones). Everything runs in
one event loop, so plain objects with no locks are enough.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sandbox.files import FileStore, StoredFile
from sandbox.formatting import Entity
from sandbox.updates import UpdateQueue


class CallbackAnswer(NamedTuple):
    """What the user saw after a tap: a toast (or an alert) with this text."""

    text: str | None
    show_alert: bool


@dataclass
class StoredMessage:
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False

    def content(self) -> tuple[Any, ...]:
        """What "message is not modified" compares."""
        return (self.text, self.entities, self.caption, self.caption_entities, self.reply_markup)


@dataclass
class CallbackRecord:
    query_id: str
    chat_id: int
    message_id: int
    created: float
    answer: CallbackAnswer | None = None


class ChatState:
    """A private chat between the bot and one user (chat id == user id)."""

    def __init__(self, user: dict[str, Any]) -> None:
        self.user = user
        self.messages: dict[int, StoredMessage] = {}
        self.blocked = False
        self.answers: list[CallbackAnswer] = []
        self.chat_instance = str(secrets.randbits(62))
        self._next_message_id = 1
        self._changed = asyncio.Event()

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def api_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
        if self.user.get("username"):
            chat["username"] = self.user["username"]
        return chat

    def add(self, *, from_bot: bool, **fields: Any) -> StoredMessage:
        message = StoredMessage(self._next_message_id, from_bot, int(time.time()), **fields)
        self._next_message_id += 1
        self.messages[message.message_id] = message
        self.notify()
        return message

    def get(self, message_id: int) -> StoredMessage | None:
        """A message still visible in the chat (not deleted)."""
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message

    def visible(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]

    def notify(self) -> None:
        """Wake everyone waiting for this chat to change."""
        self._changed.set()
        self._changed = asyncio.Event()

    @property
    def changed(self) -> asyncio.Event:
        """Set the next time the chat changes (or the bot calls the API about it)."""
        return self._changed


class World:
    """Shared state of one sandbox server."""

    def __init__(self, token: str, *, callback_timeout: float, strict_html: bool) -> None:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Kaoping Sandbox",
            "username": "kaoping_sandbox_bot",
        }
        self.callback_timeout = callback_timeout
        self.strict_html = strict_html
        self.chats: dict[int, ChatState] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.sent: dict[int, list[dict[str, Any]]] = {}

    def add_user(self, user_id: int, first_name: str, language_code: str, username: str | None) -> ChatState:
        chat = self.chats.get(user_id)
        if chat is None:
            user: dict[str, Any] = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            }
            if username:
                user["username"] = username
            chat = self.chats[user_id] = ChatState(user)
        return chat

    def message_dict(self, chat: ChatState, message: StoredMessage, *, nested: bool = False) -> dict[str, Any]:
        """The Bot API Message object for a stored message, as the bot receives it."""
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.api_chat(),
            "from": self.bot_user if message.from_bot else chat.user,
        }
        optional = {
            "text": message.text,
            "entities": message.entities,
            "caption": message.caption,
            "caption_entities": message.caption_entities,
            "edit_date": message.edit_date,
            "document": message.document.as_document() if message.document else None,
            "photo": message.photo.as_photo() if message.photo else None,
            "reply_markup": message.reply_markup if _is_inline(message.reply_markup) else None,
        }
        data.update({key: value for key, value in optional.items() if value})
        replied = chat.get(message.reply_to) if message.reply_to and not nested else None
        if replied is not None:
            data["reply_to_message"] = self.message_dict(chat, replied, nested=True)
        return data

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Block or unblock the bot, telling it with a my_chat_member update as Telegram does."""
        chat = self.chats[user_id]
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        statuses = ({"status": "member"}, {"status": "kicked", "until_date": 0})
        old, new = statuses if blocked else statuses[::-1]
        self.updates.push(
            "my_chat_member",
            {
                "chat": chat.api_chat(),
                "from": chat.user,
                "date": int(time.time()),
                "old_chat_member": {**old, "user": self.bot_user},
                "new_chat_member": {**new, "user": self.bot_user},
            },
        )
        chat.notify()


def _is_inline(markup: dict[str, Any] | None) -> bool:
    return bool(markup) and "inline_keyboard" in (markup or {})
