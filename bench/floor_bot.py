"""The start-up floor: a bare aiogram bot with an empty dispatcher polling the same API server.

Run as `python -m bench.floor_bot` with the same KAOPING_BOT_TOKEN and
KAOPING_API_BASE as `kaoping run`; it imports aiogram, makes one getMe and
then long-polls, and nothing else.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["KAOPING_API_BASE"]))
    bot = Bot(os.environ["KAOPING_BOT_TOKEN"], session=session)
    dp = Dispatcher()
    await dp.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
