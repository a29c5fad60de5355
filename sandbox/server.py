"""A local Telegram Bot API server on aiohttp, for end-to-end tests and the offline demo.

The real bot talks to it over HTTP exactly as to ``api.telegram.org``::

    server = SandboxServer()
    await server.start()
    bot = Bot(server.token, session=AiohttpSession(api=server.api_server()))
    alice = server.user(1001, "Alice")
    await alice.send("/start")

It enforces Telegram's rules (see DESIGN.md, "Telegram's rules the sandbox
enforces") so that a bot passing against it also works on real phones.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from sandbox.client import SimUser
from sandbox.errors import ApiError, bad_request
from sandbox.files import MAX_UPLOAD_BYTES, Upload
from sandbox.limits import FaultInjector, RateLimiter
from sandbox.methods import BotApi, Params, decoded_for_record
from sandbox.world import World

_UNAUTHORIZED = ApiError(401, "Unauthorized")
_NOT_FOUND = ApiError(404, "Not Found")
_TOO_LARGE = ApiError(413, "Request Entity Too Large")


class SandboxServer:
    """Bot API server plus the simulated users talking to the bot through it."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        strict_rates: bool = False,
        callback_timeout: float = 15.0,
        strict_html: bool = True,
    ) -> None:
        self.token = token
        self.world = World(token, callback_timeout=callback_timeout, strict_html=strict_html)
        self._faults = FaultInjector()
        self.inject = self._faults.add
        """Tests queue failures of the next calls here (`FaultInjector.add`)."""
        rates = RateLimiter(time.monotonic) if strict_rates else None
        self._api = BotApi(self.world, self._faults, rates)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        """Every authorised call received, in order: (method, decoded params). Clear at will."""
        self._users: dict[int, SimUser] = {}
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle -------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in the running event loop; returns the base URL (port 0 picks a free one)."""
        if self._runner is not None:
            raise RuntimeError("sandbox server already started")
        self.world.updates.reopen()
        # handler_cancellation: a long poll whose client went away stops waiting.
        runner = web.AppRunner(self._build_app(), access_log=None, handler_cancellation=True, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._base_url = f"http://{bound_host}:{bound_port}"
        return self._base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.world.updates.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("sandbox server not started")
        return self._base_url

    def api_server(self) -> TelegramAPIServer:
        """What to give ``AiohttpSession(api=...)`` so a Bot talks to this sandbox."""
        return TelegramAPIServer.from_base(self.base_url)

    # -- people and chats ------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str = "Test User",
        language_code: str = "zh-hans",
        username: str | None = None,
    ) -> SimUser:
        """The simulated user ``user_id`` (created on first use) and its private chat."""
        if user_id not in self._users:
            chat = self.world.add_user(user_id, first_name, language_code, username)
            self._users[user_id] = SimUser(self.world, chat)
        return self._users[user_id]

    def block(self, user_id: int) -> None:
        self.world.set_blocked(user_id, True)

    def unblock(self, user_id: int) -> None:
        self.world.set_blocked(user_id, False)

    def sent_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to the chat, as returned at send time (edits not applied)."""
        return list(self.world.sent.get(chat_id, []))

    # -- HTTP --------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        return app

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(_UNAUTHORIZED)
        method = request.match_info["method"]
        try:
            raw = await _read_params(request)
        except ApiError as error:
            return _error_response(error)
        self.calls.append((method, decoded_for_record(raw)))
        if not self._api.knows(method):
            return _error_response(_NOT_FOUND)
        try:
            result = await self._api.call(method, Params(raw))
        except ApiError as error:
            return _error_response(error)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(_UNAUTHORIZED)
        stored = self.world.files.by_path(request.match_info["path"])
        if stored is None:
            return _error_response(_NOT_FOUND)
        return web.Response(body=stored.content, content_type=stored.mime_type)

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return _error_response(_NOT_FOUND)


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.error_code)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus a JSON, url-encoded or multipart body, as the Bot API accepts."""
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    try:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            params.update(body)
            return params
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise _TOO_LARGE from None
    except ValueError:
        raise bad_request("can't parse JSON encoded request") from None
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = Upload(value.filename, value.file.read(), value.content_type)
        else:
            params[key] = value
    return params
