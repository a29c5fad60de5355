"""The Bot API methods the sandbox implements, with Telegram's checks and errors.

Each method takes the request's parameters (already decoded from JSON, a
form or multipart) and returns the ``result`` or raises :class:`ApiError`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from sandbox import errors
from sandbox.errors import bad_request, forbidden
from sandbox.files import MAX_DOWNLOAD_BYTES, StoredFile, Upload, is_image
from sandbox.formatting import Entity, format_text, utf16_len
from sandbox.limits import FaultInjector, RateLimiter
from sandbox.markup import check_reply_markup
from sandbox.world import CallbackAnswer, ChatState, StoredMessage, World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class Params:
    """Request parameters; form fields arrive as strings, JSON bodies as typed values."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def string(self, name: str) -> str | None:
        value = self.raw.get(name)
        return None if value is None else str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, default: float) -> float:
        value = self.raw.get(name)
        try:
            return float(value) if value not in (None, "") else default
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def json(self, name: str) -> Any:
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            what = "reply keyboard markup" if name == "reply_markup" else name
            raise bad_request(f"can't parse {what} JSON object") from None

    def file(self, name: str) -> Upload | str | None:
        """An uploaded part (directly or via ``attach://``), else the string given."""
        value = self.raw.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self.raw.get(value[len("attach://") :])
            if not isinstance(value, Upload):
                raise bad_request("wrong file identifier/HTTP URL specified")
        return value if isinstance(value, Upload | str) else None


def decoded_for_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Parameters as tests want to read them: JSON fields decoded, uploads summarised."""
    record: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, Upload):
            record[key] = {"filename": value.filename, "size": len(value.content)}
        elif key in _JSON_FIELDS and isinstance(value, str):
            try:
                record[key] = json.loads(value)
            except ValueError:
                record[key] = value
        else:
            record[key] = value
    return record


Handler = Callable[[Params], Awaitable[Any]]


class BotApi:
    """Dispatches method names (case-insensitive, like Telegram) to implementations."""

    def __init__(self, world: World, faults: FaultInjector, rates: RateLimiter | None) -> None:
        self.world = world
        self.faults = faults
        self.rates = rates
        self._methods: dict[str, Handler] = {
            name.lower(): getattr(self, "m_" + name)
            for name in (
                "getMe",
                "getUpdates",
                "deleteWebhook",
                "getWebhookInfo",
                "close",
                "logOut",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "answerCallbackQuery",
                "sendDocument",
                "sendPhoto",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "deleteMessage",
                "getFile",
                "sendChatAction",
            )
        }

    def knows(self, method: str) -> bool:
        return method.lower() in self._methods

    async def call(self, method: str, params: Params) -> Any:
        chat_id = self._chat_id_of(params)
        try:
            injected = self.faults.take(method, chat_id)
            if injected is not None:
                raise injected
            return await self._methods[method.lower()](params)
        finally:
            chat = self.world.chats.get(chat_id) if chat_id is not None else None
            if chat is not None:
                chat.notify()

    def _chat_id_of(self, params: Params) -> int | None:
        """The chat a call is about, for fault matching and waking waiting users."""
        if query_id := params.string("callback_query_id"):
            record = self.world.callbacks.get(query_id)
            return record.chat_id if record else None
        return _numeric_chat_id(params.string("chat_id"))

    # -- helpers ---------------------------------------------------------
    def _chat(self, params: Params) -> ChatState:
        raw = params.string("chat_id")
        if not raw:
            raise bad_request("chat_id is empty")
        chat_id = _numeric_chat_id(raw)
        chat = self.world.chats.get(chat_id) if chat_id is not None else None
        if chat is None:  # includes "@username": the sandbox has no public chats
            raise bad_request(errors.CHAT_NOT_FOUND)
        return chat

    @staticmethod
    def _reachable(chat: ChatState) -> None:
        if chat.blocked:
            raise forbidden(errors.BOT_BLOCKED)

    def _formatted(self, params: Params, field: str, entities_field: str) -> tuple[str, list[Entity]]:
        return format_text(
            params.string(field),
            params.string("parse_mode"),
            params.json(entities_field),
            strict=self.world.strict_html,
        )

    def _text(self, params: Params) -> tuple[str, list[Entity]]:
        text, entities = self._formatted(params, "text", "entities")
        if not text:
            raise bad_request(errors.MESSAGE_TEXT_EMPTY)
        if utf16_len(text) > MAX_TEXT:
            raise bad_request(errors.MESSAGE_TOO_LONG)
        return text, entities

    def _caption(self, params: Params) -> tuple[str | None, list[Entity]]:
        caption, entities = self._formatted(params, "caption", "caption_entities")
        if utf16_len(caption) > MAX_CAPTION:
            raise bad_request(errors.CAPTION_TOO_LONG)
        return caption or None, entities

    @staticmethod
    def _reply_to(params: Params, chat: ChatState) -> int | None:
        reply = params.json("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id")
        if message_id is None:
            message_id = params.integer("reply_to_message_id")
        if message_id is None or chat.get(int(message_id)) is not None:
            return message_id
        if reply.get("allow_sending_without_reply") or params.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _deliver(self, chat: ChatState, **fields: Any) -> dict[str, Any]:
        """Store a bot message after every check passed; flood control counts it."""
        self._reachable(chat)
        if self.rates is not None:
            self.rates.acquire(chat.id)
        message = chat.add(from_bot=True, **fields)
        result = self.world.message_dict(chat, message)
        self.world.sent.setdefault(chat.id, []).append(result)
        return result

    def _input_file(self, params: Params, field: str, kind: str) -> StoredFile:
        value = params.file(field)
        if isinstance(value, Upload):
            if kind == "photos" and not is_image(value.content):
                raise bad_request("IMAGE_PROCESS_FAILED")
            mime = value.content_type if value.content_type != "application/octet-stream" else None
            return self.world.files.add(value.content, value.filename, mime, kind=kind)
        if not value:
            raise bad_request(f"there is no {field} in the request")
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = self.world.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        # a file id keeps its type: Telegram refuses a document's id in sendPhoto and a photo's in sendDocument
        if not stored.file_path.startswith(kind + "/"):
            have = "Photo" if stored.file_path.startswith("photos/") else "Document"
            raise bad_request(f"can't use file of type {have} as {'Photo' if kind == 'photos' else 'Document'}")
        return stored

    def _message_to_edit(self, params: Params) -> tuple[ChatState, StoredMessage]:
        if params.string("inline_message_id"):
            raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)
        chat = self._chat(params)
        message = chat.get(params.integer("message_id", required=True) or 0)
        if message is None:
            raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)
        if not message.from_bot:
            raise bad_request(errors.MESSAGE_CANT_BE_EDITED)
        return chat, message

    def _apply_edit(self, chat: ChatState, message: StoredMessage, **changes: Any) -> dict[str, Any]:
        self._reachable(chat)
        if replace(message, **changes).content() == message.content():
            raise bad_request(errors.NOT_MODIFIED)
        for name, value in changes.items():
            setattr(message, name, value)
        message.edit_date = int(time.time())
        chat.notify()
        return self.world.message_dict(chat, message)

    # -- methods ---------------------------------------------------------
    async def m_getMe(self, params: Params) -> dict[str, Any]:
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def m_getUpdates(self, params: Params) -> list[dict[str, Any]]:
        allowed = params.json("allowed_updates")
        return await self.world.updates.get(
            offset=params.integer("offset"),
            limit=params.integer("limit") or 100,
            timeout=params.number("timeout", 0.0),
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )

    async def m_deleteWebhook(self, params: Params) -> bool:
        if params.flag("drop_pending_updates"):
            self.world.updates.drop_pending()
        return True

    async def m_getWebhookInfo(self, params: Params) -> dict[str, Any]:
        pending = len(self.world.updates.pending)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    async def m_close(self, params: Params) -> bool:
        return True

    async def m_logOut(self, params: Params) -> bool:
        return True

    async def m_sendMessage(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities = self._text(params)
        markup = check_reply_markup(params.json("reply_markup"))
        reply_to = self._reply_to(params, chat)
        return self._deliver(chat, text=text, entities=entities, reply_markup=markup, reply_to=reply_to)

    async def m_sendDocument(self, params: Params) -> dict[str, Any]:
        return self._send_media(params, "document", "documents")

    async def m_sendPhoto(self, params: Params) -> dict[str, Any]:
        return self._send_media(params, "photo", "photos")

    def _send_media(self, params: Params, field: str, kind: str) -> dict[str, Any]:
        chat = self._chat(params)
        caption, caption_entities = self._caption(params)
        markup = check_reply_markup(params.json("reply_markup"))
        reply_to = self._reply_to(params, chat)
        stored = self._input_file(params, field, kind)
        return self._deliver(
            chat,
            caption=caption,
            caption_entities=caption_entities,
            reply_markup=markup,
            reply_to=reply_to,
            **{field: stored},
        )

    async def m_editMessageText(self, params: Params) -> dict[str, Any]:
        chat, message = self._message_to_edit(params)
        if message.text is None:
            raise bad_request(errors.NO_TEXT_TO_EDIT)
        text, entities = self._text(params)
        # Omitting reply_markup removes the keyboard, as on Telegram.
        markup = check_reply_markup(params.json("reply_markup"), inline_only=True)
        return self._apply_edit(chat, message, text=text, entities=entities, reply_markup=markup)

    async def m_editMessageReplyMarkup(self, params: Params) -> dict[str, Any]:
        chat, message = self._message_to_edit(params)
        markup = check_reply_markup(params.json("reply_markup"), inline_only=True)
        return self._apply_edit(chat, message, reply_markup=markup)

    async def m_deleteMessage(self, params: Params) -> bool:
        chat = self._chat(params)
        message = chat.get(params.integer("message_id", required=True) or 0)
        if message is None:
            raise bad_request(errors.MESSAGE_TO_DELETE_NOT_FOUND)
        message.deleted = True
        chat.notify()
        return True

    async def m_answerCallbackQuery(self, params: Params) -> bool:
        record = self.world.callbacks.get(params.string("callback_query_id") or "")
        age = time.monotonic() - record.created if record else 0.0
        if record is None or record.answer is not None or age > self.world.callback_timeout:
            raise bad_request(errors.QUERY_TOO_OLD)
        text = params.string("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answer = CallbackAnswer(text, params.flag("show_alert"))
        chat = self.world.chats[record.chat_id]
        chat.answers.append(record.answer)
        chat.notify()
        return True

    async def m_getFile(self, params: Params) -> dict[str, Any]:
        stored = self.world.files.get(params.string("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.as_file()

    async def m_sendChatAction(self, params: Params) -> bool:
        chat = self._chat(params)
        if params.string("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._reachable(chat)
        return True

    async def m_setMyCommands(self, params: Params) -> bool:
        commands = params.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            _check_command(command)
        self.world.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def m_getMyCommands(self, params: Params) -> list[dict[str, Any]]:
        return list(self.world.commands.get(self._commands_key(params), []))

    async def m_deleteMyCommands(self, params: Params) -> bool:
        self.world.commands.pop(self._commands_key(params), None)
        return True

    def _commands_key(self, params: Params) -> tuple[str, str]:
        """A menu's scope and language, checked as Telegram does: a known scope type, a chat for the chat
        scopes (one the bot knows), a user for chat_member, a two-letter language code or none."""
        scope = params.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("can't parse BotCommandScope")
        if _SCOPES[scope["type"]]:
            chat_id = scope.get("chat_id")
            if not isinstance(chat_id, int | str) or isinstance(chat_id, bool):
                raise bad_request("chat_id is empty")
            numeric = chat_id if isinstance(chat_id, int) else _numeric_chat_id(chat_id)
            if numeric is None or numeric not in self.world.chats:
                raise bad_request(errors.CHAT_NOT_FOUND)
            scope = {**scope, "chat_id": numeric}
            if scope["type"] == "chat_member" and not isinstance(scope.get("user_id"), int):
                raise bad_request("user_id is empty")
        language = params.string("language_code") or ""
        if language and not (len(language) == 2 and language.isascii() and language.isalpha()):
            raise bad_request("LANG_CODE_INVALID")
        return json.dumps(scope, sort_keys=True), language


# BotCommandScope type -> whether it names a chat
_SCOPES = {
    "default": False, "all_private_chats": False, "all_group_chats": False, "all_chat_administrators": False,
    "chat": True, "chat_administrators": True, "chat_member": True,
}


def _numeric_chat_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.lstrip("-").isdigit() else None


def _check_command(command: Any) -> None:
    name = command.get("command") if isinstance(command, dict) else None
    description = command.get("description") if isinstance(command, dict) else None
    valid_name = (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(ch.islower() or ch.isdigit() or ch == "_" for ch in name)
        and name.isascii()
    )
    if not valid_name:
        raise bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
        raise bad_request("command description must be non-empty")
