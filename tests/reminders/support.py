"""Helpers of the reminder tests: a small campaign with two milestones, bound people, fast senders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot

from bot.delivery import Pacer, Patience, Sender
from bot.recording import RecordingSession, recording_bot
from bot.reminders import SweepOptions
from bot.scheduler import ReminderService
from scoring.campaign import Campaign
from scoring.validation import load_campaign
from storage.sheets import Writer
from storage.store import Store

TEMPLATE = """
key: rem2027
title: 提醒 <测试> & 考核
title_en: Reminder <test> & assessment
timezone: {tz}
period: {{start: 2024-12-01, end: 2027-12-31}}
milestones:
  - {{key: materials, name: 自评材料, name_en: Materials, due: {materials}}}
  - {{key: scores, name: 评分结果, name_en: Scores, due: {scores}}}
reminders: {reminders}
parts:
  - key: sector
    name: 分口考核
    name_en: Sector
    groups:
      - {{key: peers, name: 口内互评, name_en: Peers, milestone: scores, assign: peers}}
  - key: key_work
    name: 重点工作
    name_en: Key work
    groups:
      - {{key: self_eval, name: 自评, name_en: Self, milestone: materials, assign: own}}
  - key: leaders
    name: 领导评议
    name_en: Leaders
    groups:
      - {{key: leaders, name: 市领导, name_en: City leaders, milestone: scores}}
profiles:
  standard: {{sector: 40, key_work: 30, leaders: 30}}
sectors: [{{key: econ, name: 经济口}}]
departments:
  - {{key: d1, name: 一局, sector: econ, profile: standard}}
  - {{key: d2, name: 二局, sector: econ, profile: standard}}
  - {{key: d3, name: 三局 <R&D>, sector: econ, profile: standard}}
raters:
  - {{key: c1, name: 一局联络员, name_en: D1 contact, department: d1, groups: [peers, self_eval]}}
  - {{key: c2, name: 二局联络员, name_en: D2 contact, department: d2, groups: [peers, self_eval]}}
  - {{key: c3, name: 三局联络员 <x&y>, department: d3, groups: [peers]}}
  - {{key: mayor, name: 市长, groups: [leaders]}}
  - {{key: vmayor, name: 副市长, groups: [leaders]}}
staff:
  - {{key: boss, name: 督查室主任, roles: [admin, staff]}}
  - {{key: office, name: 市政府办公室, roles: [collector], collects_for: [mayor, vmayor]}}
  - {{key: appr, name: 审定人, roles: [approver]}}
"""

# telegram ids of everyone bound in `world`
TG = {"c1": 101, "c2": 102, "c3": 103, "mayor": 104, "vmayor": 105, "boss": 201, "office": 202}
STAFF = {"boss", "office", "appr"}


def build(
    tz: str = "Asia/Shanghai", *, scores: str = "2027-01-10 18:00:00", materials: str = "2027-01-05 18:00:00",
    reminders: str = "{offsets: [3d, 1d, 2h]}",
) -> Campaign:
    text = TEMPLATE.format(tz=tz, scores=scores, materials=materials, reminders=reminders)
    return load_campaign(text, "rem.yaml")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class FakeMonotonic:
    """The pacer's and sender's time: sleeping moves it forward at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # concurrent sleepers that started together wake together: time moves to the latest wake-up
        self.sleeps.append(seconds)
        self.now = max(self.now, self.now + seconds)
        await asyncio.sleep(0)


def fast_sender(bot: Bot, store: Store, mono: FakeMonotonic | None = None, **patience: Any) -> Sender:
    """A Sender on a fake clock that never really sleeps; `patience` are Patience's fields."""
    mono = mono or FakeMonotonic()
    pacer = Pacer(clock=mono, sleep=mono.sleep)
    return Sender(bot, store.people, pacer, patience=Patience(**patience), clock=mono, sleep=mono.sleep)


async def bind(store: Store, cid: int, kind: str, key: str, telegram_id: int) -> None:
    (invite,) = await store.people.issue_invites(cid, [(kind, key)], timedelta(days=400))
    await store.people.redeem(invite.token, telegram_id)


async def score_all(store: Store, cid: int, rater: str, group: str, *, submit: bool = True, upto: int | None = None):
    (sheet,) = [s for s in await store.sheets.for_rater(cid, rater) if s.group == group]
    _, items = await store.sheets.walk(sheet.id)
    who = Writer(cid, own=(rater,))
    for item in items[:upto]:
        assert await store.sheets.set_value(who, sheet.id, item.assignment_id, 90.0)
    if submit:
        assert await store.sheets.submit(sheet.id, actor=f"rater:{rater}")
    return sheet.id


@dataclass
class World:
    store: Store
    cid: int
    campaign: Campaign
    bot: Bot
    session: RecordingSession
    clock: object
    path: Path
    services: list[ReminderService] = field(default_factory=list)

    def service(self, store: Store | None = None, bot: Bot | None = None, *, sender: Sender | None = None,
                interval: float = 30.0, **options: Any) -> ReminderService:
        """A reminder service on this world's clock; `options` are SweepOptions' fields."""
        store = store or self.store
        bot = bot or self.bot
        svc = ReminderService(store, sender or fast_sender(bot, store), clock=self.clock, interval=interval,
                              options=SweepOptions(**options))
        self.services.append(svc)
        return svc

    def sent(self) -> list[tuple[int, str]]:
        return [(c.params["chat_id"], c.params["text"]) for c in self.session.of("SendMessage")]

    def sent_to(self, key: str) -> list[str]:
        return [text for chat, text in self.sent() if chat == TG[key]]

    async def outcomes(self) -> dict[tuple[str, str, int], str | None]:
        return {(c.rater, c.milestone, c.offset_s): c.outcome for c in await self.store.reminders.sent(self.cid)}


async def make_world(store: Store, clock, path: Path, campaign: Campaign, bound=TG) -> World:
    result = await store.campaigns.load(campaign)
    for key, telegram_id in bound.items():
        await bind(store, result.campaign_id, "staff" if key in STAFF else "rater", key, telegram_id)
    bot, session = recording_bot()
    return World(store, result.campaign_id, campaign, bot, session, clock, path)
