"""A local Telegram Bot API server and simulated users, for end-to-end tests and the demo.

The bot under test talks to :class:`SandboxServer` over real HTTP; the server
enforces Telegram's limits and error replies, and :class:`SimUser` plays the
people on the other side.
"""

from sandbox.client import ChatMessage, SimUser
from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from sandbox.world import CallbackAnswer

__all__ = ["ApiError", "CallbackAnswer", "ChatMessage", "SandboxServer", "SimUser"]
