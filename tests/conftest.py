"""Shared fixtures: real campaigns from examples/, real SQLite files, the production dispatcher."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update, User

from bot.app import build_dispatcher
from bot.delivery import Pacer, Sender
from bot.outbox import OutboxDelivery
from bot.recording import BOT_USER, RecordingSession, recording_bot
from bot.scheduler import ReminderService
from scoring.campaign import Campaign
from scoring.validation import load_campaign
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example(name: str) -> Campaign:
    path = EXAMPLES / name
    return load_campaign(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture(scope="session")
def small() -> Campaign:
    return example("small.yaml")


@pytest.fixture(scope="session")
def municipal() -> Campaign:
    return example("municipal.yaml")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, before every milestone


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "kaoping.db", clock)
    yield s
    await s.close()


@dataclass
class Chatter:
    """Feeds real Updates through the production dispatcher, as a Telegram user would cause them."""

    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    outbox: InstantOutbox | None = None
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def _feed(self, update: Update) -> None:
        await self.dp.feed_update(self.bot, update)
        if self.outbox is not None and self.outbox.kicked:  # what production delivers a moment later
            self.outbox.kicked = False
            await self.outbox.deliver()

    def user(self, user_id: int, lang: str = "zh-hans") -> User:
        return User(id=user_id, is_bot=False, first_name=f"u{user_id}", language_code=lang)

    async def send(self, user_id: int, text: str, lang: str = "zh-hans") -> None:
        entities = None
        if text.startswith("/"):
            entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
        message = Message(
            message_id=next(self.ids), date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
            from_user=self.user(user_id, lang), text=text, entities=entities,
        )
        await self._feed(Update(update_id=next(self.ids), message=message))

    async def press(self, user_id: int, data: str, message_id: int = 1, lang: str = "zh-hans") -> None:
        message = Message(
            message_id=message_id, date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
            from_user=BOT_USER, text="card",
        )
        query = CallbackQuery(id=str(next(self.ids)), from_user=self.user(user_id, lang), chat_instance="ci",
                              message=message, data=data)
        await self._feed(Update(update_id=next(self.ids), callback_query=query))

    def last_text(self) -> str:
        texts = [c.params.get("text") for c in self.session.calls if c.method in ("SendMessage", "EditMessageText")]
        return texts[-1] if texts else ""

    def last_markup(self) -> list[list[dict]]:
        for call in reversed(self.session.calls):
            if call.method in ("SendMessage", "EditMessageText") and call.params.get("reply_markup"):
                return call.params["reply_markup"]["inline_keyboard"]
        return []

    def button(self, label: str | re.Pattern[str]) -> str:
        """callback_data of the newest card's button whose text contains `label` (or matches it, a pattern such
        as `shape("zh", "btn.continue")` for a catalog label with open values)."""
        for row in self.last_markup():
            for b in row:
                if label.search(b["text"]) if isinstance(label, re.Pattern) else label in b["text"]:
                    return b["callback_data"]
        raise AssertionError(f"no button {label!r} in {[[b['text'] for b in r] for r in self.last_markup()]}")

    async def fill(self, user_id: int, opener: str | re.Pattern[str], count: int, value: str = "90",
                   lang: str = "zh-hans") -> None:
        """Open a sheet by the home card's button `opener`, then tap `value` `count` times (one per department)."""
        await self.press(user_id, self.button(opener), lang=lang)
        for _ in range(count):
            await self.press(user_id, self.button(value), lang=lang)

    def answers(self) -> list[str]:
        return [c.params.get("text", "") for c in self.session.of("AnswerCallbackQuery")]


class InstantOutbox(OutboxDelivery):
    """The outbox of the production bot, delivered right after the update that queued it, unpaced."""

    def __init__(self, store: Store, bot: Bot) -> None:
        super().__init__(store, bot, Sender(bot, store.people, Pacer(rate=1e6, per_chat=0)))
        self.kicked = False

    def kick(self) -> None:
        self.kicked = True


@pytest.fixture
def chatter(store: Store, clock: FakeClock) -> Chatter:
    bot, session = recording_bot()
    reminders = ReminderService(store, Sender(bot, store.people), clock=clock)
    outbox = InstantOutbox(store, bot)
    return Chatter(build_dispatcher(store, clock, reminders=reminders, outbox=outbox, sender=outbox.sender), bot,
                   session, outbox)


async def bind(chatter: Chatter, store: Store, campaign: Campaign | str, kind: str, key: str, user_id: int,
               lang: str = "zh-hans") -> None:
    """`user_id` opens the bot with a fresh personal invite for (`kind`, `key`) of `campaign` (or its key)."""
    stored = await store.campaigns.get(campaign if isinstance(campaign, str) else campaign.key)
    (invite,) = await store.people.issue_invites(stored.id, [(kind, key)], timedelta(days=30))
    await chatter.send(user_id, f"/start {invite.token}", lang=lang)


async def seat(chatter: Chatter, store: Store, campaign: Campaign, *people: tuple) -> Campaign:
    """Load `campaign` and bind each of `people`, given as (kind, key, user_id) or (kind, key, user_id, lang)."""
    await store.campaigns.load(campaign)
    for person in people:
        await bind(chatter, store, campaign, *person)
    return campaign


Invite = Callable[[str, str], str]
