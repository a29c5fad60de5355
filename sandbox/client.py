"""Simulated people: what a rater does on the phone, as updates the bot receives.

A :class:`SimUser` types messages, sends files and taps buttons -- only
buttons that are really on screen -- and reads the chat as it looks now
(edits applied, deletions gone). Tests assert on what a person would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.files import is_image
from sandbox.markup import inline_buttons
from sandbox.world import CallbackAnswer, CallbackRecord, ChatState, StoredMessage, World

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_POLL_INTERVAL = 0.05  # re-check predicates that depend on state outside the chat


@dataclass(frozen=True)
class ChatMessage:
    """One message as the user sees it."""

    message_id: int
    from_bot: bool
    text: str | None
    buttons: list[list[tuple[str, str | None]]]  # (label, callback_data) per row
    document: dict[str, Any] | None
    document_bytes: bytes | None
    photo: bool
    photo_bytes: bytes | None
    caption: str | None
    edited: bool

    @property
    def labels(self) -> list[str]:
        """All button labels, row by row."""
        return [label for row in self.buttons for label, _ in row]


def _view(message: StoredMessage) -> ChatMessage:
    rows = inline_buttons(message.reply_markup)
    return ChatMessage(
        message_id=message.message_id,
        from_bot=message.from_bot,
        text=message.text,
        buttons=[[(b["text"], b.get("callback_data")) for b in row] for row in rows],
        document=message.document.as_document() if message.document else None,
        document_bytes=message.document.content if message.document else None,
        photo=message.photo is not None,
        photo_bytes=message.photo.content if message.photo else None,
        caption=message.caption,
        edited=message.edit_date is not None,
    )


class SimUser:
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(self, world: World, chat: ChatState) -> None:
        self._world = world
        self._chat = chat

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def profile(self) -> dict[str, Any]:
        """The Bot API User object of this person."""
        return dict(self._chat.user)

    @property
    def blocked(self) -> bool:
        return self._chat.blocked

    @property
    def answers(self) -> list[CallbackAnswer]:
        """Answers to this user's taps (toast text, show_alert), in order."""
        return list(self._chat.answers)

    # -- acting ----------------------------------------------------------
    async def send(self, text: str) -> dict[str, Any]:
        """Type and send ``text``; a leading /command gets its bot_command entity."""
        if not text.strip() or len(text) > 4096:
            raise ValueError("a Telegram client sends 1-4096 characters")
        fields: dict[str, Any] = {"text": text}
        if match := _COMMAND.match(text):
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        return self._post(fields)

    async def send_document(
        self,
        content: bytes,
        filename: str,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Send a file; the bot can ``get_file`` and download it."""
        stored = self._world.files.add(content, filename, mime_type, kind="documents")
        return self._post({"document": stored, "caption": caption})

    async def send_photo(self, content: bytes, caption: str | None = None) -> dict[str, Any]:
        """Send a picture (PNG, JPEG or GIF bytes), as the camera button does; the bot can download it."""
        if not is_image(content):
            raise ValueError("a photo is PNG, JPEG or GIF bytes")
        stored = self._world.files.add(content, "photo.jpg", "image/jpeg", kind="photos")
        return self._post({"photo": stored, "caption": caption})

    async def press(self, label: str, *, message_id: int | None = None) -> str:
        """Tap the button labelled ``label``; returns the callback query id.

        Looks in ``message_id``, else in the newest bot message with an inline
        keyboard. An exact label wins; otherwise one unique label containing it.
        """
        message = self._keyboard_message(message_id)
        data = self._find_button(message, label)
        return self._tap(message, data)

    async def press_data(self, data: str, message_id: int) -> str:
        """Send callback data of one's own choosing, as a modified client could."""
        message = self._chat.get(message_id)
        if message is None or not message.from_bot:
            raise LookupError(f"no bot message {message_id} in the chat\n{self.dump()}")
        return self._tap(message, data)

    def block(self) -> None:
        self._world.set_blocked(self.id, True)

    def unblock(self) -> None:
        self._world.set_blocked(self.id, False)

    # -- reading ---------------------------------------------------------
    def chat(self) -> list[ChatMessage]:
        return [_view(m) for m in self._chat.visible()]

    def last(self) -> ChatMessage | None:
        """The newest message from the bot still in the chat."""
        bot_messages = [m for m in self._chat.visible() if m.from_bot]
        return _view(bot_messages[-1]) if bot_messages else None

    def dump(self) -> str:
        """The chat as text, for failure messages."""
        lines = [f"chat with user {self.id}:"]
        for message in self.chat():
            who = "bot " if message.from_bot else "user"
            body = message.text or message.caption or ""
            extras = " [document]" if message.document else " [photo]" if message.photo else ""
            lines.append(f"  #{message.message_id} {who}{' (edited)' if message.edited else ''}: {body!r}{extras}")
            lines.extend(f"      {[label for label, _ in row]}" for row in message.buttons)
        return "\n".join(lines)

    async def wait_for(self, predicate: Callable[[SimUser], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate(self)`` holds; raise TimeoutError showing the chat otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            changed = self._chat.changed
            if predicate(self):
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s\n{self.dump()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, _POLL_INTERVAL))

    async def wait_answer(self, callback_id: str, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answered the tap ``callback_id``; return what the user saw."""
        record = self._world.callbacks[callback_id]
        await self.wait_for(lambda _: record.answer is not None, timeout)
        assert record.answer is not None
        return record.answer

    # -- internals -------------------------------------------------------
    def _require_unblocked(self) -> None:
        if self._chat.blocked:
            raise RuntimeError(f"user {self.id} has blocked the bot; call unblock() first")

    def _post(self, fields: dict[str, Any]) -> dict[str, Any]:
        self._require_unblocked()
        message = self._chat.add(from_bot=False, **{k: v for k, v in fields.items() if v is not None})
        payload = self._world.message_dict(self._chat, message)
        self._world.updates.push("message", payload)
        return payload

    def _keyboard_message(self, message_id: int | None) -> StoredMessage:
        if message_id is not None:
            message = self._chat.get(message_id)
        else:
            candidates = [m for m in self._chat.visible() if m.from_bot and inline_buttons(m.reply_markup)]
            message = candidates[-1] if candidates else None
        if message is None or not inline_buttons(message.reply_markup):
            raise LookupError(f"no inline keyboard to press (message_id={message_id})\n{self.dump()}")
        return message

    def _find_button(self, message: StoredMessage, label: str) -> str:
        buttons = [b for row in inline_buttons(message.reply_markup) for b in row]
        matches = [b for b in buttons if b["text"] == label] or [b for b in buttons if label in b["text"]]
        if len(matches) != 1:
            found = "no" if not matches else "several"
            raise LookupError(f"{found} buttons match {label!r} in message {message.message_id}\n{self.dump()}")
        data = matches[0].get("callback_data")
        if data is None:
            raise ValueError(f"button {matches[0]['text']!r} is not a callback button; tapping it sends no update")
        return str(data)

    def _tap(self, message: StoredMessage, data: str) -> str:
        self._require_unblocked()
        query_id = str(secrets.randbits(63))
        self._world.callbacks[query_id] = CallbackRecord(query_id, self.id, message.message_id, time.monotonic())
        self._world.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": self._chat.user,
                "message": self._world.message_dict(self._chat, message),
                "chat_instance": self._chat.chat_instance,
                "data": data,
            },
        )
        return query_id
