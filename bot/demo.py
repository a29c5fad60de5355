"""`kaoping demo`: a whole campaign, offline, through the real bot over real HTTP.

The sandbox Bot API server plays Telegram; simulated raters bind by invite and
score by tapping the same buttons a person would (presets, a typed value, a
comment, a recusal, an undo), submit, the approver approves the key-work
sheets, staff upload the external results; then the ranked report is printed
and the XLSX written. Nothing here reaches into the store behind the bot's
back except what the supervision office does on the command line (load,
invites).
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.runner import RunningBot
from reports.chart import NoCJKFont, render_chart
from reports.exports import render_table, render_xlsx
from scoring.assignments import owed_by
from scoring.campaign import Campaign, Role
from scoring.validation import load_campaign
from storage.reporting import build_report, score_rows
from storage.store import Store

if TYPE_CHECKING:  # the sandbox is not part of the installed product: imported when the demo runs
    from sandbox import SandboxServer, SimUser
    from sandbox.client import ChatMessage

TOKEN = "123456:SANDBOX-kaoping-demo-token"
CHECKOUT = Path(__file__).resolve().parent.parent  # the source tree, when bot/ runs from one
DEFAULT_CAMPAIGN = CHECKOUT / "examples" / "municipal.yaml"
CONCURRENT_RATERS = 12
FIRST_USER_ID = 10_000


@dataclass
class DemoStats:
    taps: int = 0
    typed: int = 0
    sheets: int = 0
    files: int = 0  # materials handed in by the departments' contacts
    viewed: int = 0  # times a rater opened a department's materials from its card


class Rater:
    """One simulated person: knows only what is on the screen and their own opinion."""

    def __init__(self, user: SimUser, quality: dict[str, float], rng: random.Random, campaign: Campaign) -> None:
        self.user, self.quality, self.rng, self.campaign = user, quality, rng, campaign
        self.names = {d.name: d.key for d in campaign.departments}
        self.presets = [label for label, _ in campaign.button_values()]

    async def tap(self, label: str) -> None:
        """Tap, then wait until the bot has answered and redrawn the card (a person waits too)."""
        count, before = len(self.user.answers), self.card().text
        await self.user.press(label)
        await self.user.wait_for(lambda u: len(u.answers) > count and self.card().text != before, timeout=10)

    def department_on_card(self) -> str | None:
        text = self.card().text or ""
        return next((key for name, key in self.names.items() if f"\n{name}\n" in f"\n{text}\n"), None)

    def opinion(self, dept: str) -> str:
        """The preset nearest to what this rater thinks of the department."""
        wanted = self.quality[dept] + self.rng.gauss(0, 4)
        return min(self.presets, key=lambda p: abs(float(p) - wanted))

    def card(self) -> ChatMessage:
        """The newest message with buttons: the card (a receipt, kept in the chat below it, has none)."""
        card = next((m for m in reversed(self.user.chat()) if m.from_bot and m.labels), self.user.last())
        if card is None:
            raise RuntimeError(f"the bot has sent user {self.user.id} nothing")
        return card

    def open_sheets(self) -> list[str]:
        return [label for label in self.card().labels if label.startswith("继续")]

    async def view_materials(self, stats: DemoStats) -> None:
        """Tap "📎 材料 (n)": the files arrive, and the card moves below them."""
        label = next(label for label in self.card().labels if label.startswith("📎"))
        count, card = len(self.user.answers), self.card().message_id
        await self.user.press(label)
        await self.user.wait_for(lambda u: len(u.answers) > count and bool(_buttons(u.last(), other_than=card)),
                                 timeout=10)
        stats.viewed += 1

    async def score_sheet(self, stats: DemoStats, first: bool) -> None:
        await self.tap(self.open_sheets()[0])
        step, viewed = 0, False
        while (dept := self.department_on_card()) is not None:
            if not viewed and any(label.startswith("📎") for label in self.card().labels):
                await self.view_materials(stats)  # once a sheet: what a lead or panel reads first
                viewed = True
            step += 1
            if first and step == 1:
                await self._showcase(stats)
                continue
            await self.tap(self.opinion(dept))
            stats.taps += 1
        await self.tap("提交")
        await self.tap("确认提交")
        stats.sheets += 1

    async def _showcase(self, stats: DemoStats) -> None:
        """The first rater also types a value, comments, recuses, and undoes a tap."""
        await self.tap("备注")
        await self._type("工作扎实，亮点突出 <建议> 继续加强 & 保持")
        await self.tap("其他分数")
        await self._type("８７．５")
        stats.typed += 1
        await self.tap("回避")
        await self._type("曾在该部门任职")
        await self.tap(self.presets[0])
        await self.tap("撤销")
        stats.taps += 3

    async def _type(self, text: str) -> None:
        before = self.card().text
        await self.user.send(text)
        await self.user.wait_for(lambda u: self.card().text != before, timeout=10)


def _answered_after(user: SimUser, count: int) -> bool:
    return len(user.answers) > count


def _buttons(message: ChatMessage | None, other_than: int | None = None) -> list[str]:
    """The button labels of the bot's newest message (none if it is `other_than`)."""
    return message.labels if message and message.message_id != other_than else []


def demo_day(campaign: Campaign) -> datetime:
    """09:30 local, two days before the campaign's first milestone (kept inside its period), in UTC.

    For the example campaign: 3 January, with the materials still open and a
    week before the scores are due.
    """
    tz = ZoneInfo(campaign.timezone)
    first = min(m.due for m in campaign.milestones)
    day = max(first.date() - timedelta(days=2), campaign.period.start)
    local = datetime.combine(day, dt_time(9, 30), tzinfo=tz)
    if local.replace(tzinfo=None) >= first:  # a first milestone in the small hours of the period's first day
        local = first.replace(tzinfo=tz) - timedelta(hours=1)
    return local.astimezone(UTC)


def _sandbox_server() -> type[SandboxServer]:
    """The sandbox Bot API sits beside the product in the source tree; an installed wheel has none."""
    try:
        from sandbox import SandboxServer
    except ImportError:
        checkout = CHECKOUT / "sandbox" / "__init__.py"  # `kaoping demo` from an editable install of a checkout
        if not checkout.is_file():
            from bot.cli import UserError

            raise UserError("demo needs the source checkout (the sandbox Bot API is not installed): "
                            "run `make demo` there") from None
        sys.path.insert(0, str(CHECKOUT))
        from sandbox import SandboxServer
    return SandboxServer


async def run_demo(settings: Settings, out_dir: Path, campaign_file: str | None = None) -> None:
    server = _sandbox_server()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    path = Path(campaign_file) if campaign_file else DEFAULT_CAMPAIGN
    campaign = load_campaign(path.read_text(encoding="utf-8"), str(path))
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kaoping-demo-") as tmp:
        # the demo plays out on the campaign's own calendar: before its first milestone
        t0, day = time.monotonic(), demo_day(campaign)

        def clock() -> datetime:
            return day + timedelta(seconds=time.monotonic() - t0)

        store = await Store.open(Path(tmp) / "demo.db", clock)
        sandbox = server(token=TOKEN)
        await sandbox.start()
        bot = RunningBot(store, TOKEN, sandbox.base_url, clock=clock)
        await bot.start()
        try:
            stats = await _play(campaign, store, sandbox)
            stored = await store.campaigns.get(campaign.key)
            report, rows = await build_report(store, stored), await score_rows(store, stored)
        finally:
            await bot.stop()
            await sandbox.stop()
            await store.close()
    print(render_table(report, campaign, lang="zh"))
    xlsx = out_dir / f"report-{campaign.key}.xlsx"
    xlsx.write_bytes(render_xlsx(report, campaign, lang="zh", scores=rows))
    chart = out_dir / f"chart-{campaign.key}.png"
    try:
        chart.write_bytes(render_chart(report, campaign, lang="zh"))
    except NoCJKFont as exc:
        print(f"demo: no chart: {exc.__doc__}", file=sys.stderr)
    print(
        f"\ndemo: {len(campaign.raters)} raters scored through the bot over HTTP: {stats.taps} taps, "
        f"{stats.typed} typed value(s), {stats.sheets} sheets submitted; {stats.files} material file(s) "
        f"handed in, opened {stats.viewed} time(s) from score cards; "
        f"{time.perf_counter() - started:.1f} s. Report written to {xlsx} and {chart}",
        file=sys.stderr,
    )


async def _play(campaign: Campaign, store: Store, sandbox: SandboxServer) -> DemoStats:
    stored = (await store.campaigns.load(campaign, actor="demo"))
    people = [("rater", r.key) for r in campaign.raters] + [("staff", s.key) for s in campaign.staff]
    invites = await store.people.issue_invites(stored.campaign_id, people, timedelta(days=30))
    users = {(i.kind, i.key): sandbox.user(FIRST_USER_ID + n, first_name=i.key) for n, i in enumerate(invites)}
    for invite in invites:
        user = users[(invite.kind, invite.key)]
        await user.send(f"/start {invite.token}")
    rng = random.Random(2024)
    # each department has a "true" standing the raters roughly agree on
    quality = {d.key: rng.uniform(72, 96) for d in campaign.departments}
    stats = DemoStats()
    await _hand_in_materials(campaign, users, stats)
    gate = asyncio.Semaphore(CONCURRENT_RATERS)

    async def rater_work(n: int, key: str) -> None:
        async with gate:
            user = users[("rater", key)]
            await user.wait_for(lambda u: any("继续" in label for m in u.chat() for label in m.labels), timeout=20)
            person = Rater(user, quality, random.Random(n), campaign)
            first = n == 0
            while person.open_sheets():
                await person.score_sheet(stats, first=first)
                await person.tap("首页")
                first = False

    await asyncio.gather(*(rater_work(n, r.key) for n, r in enumerate(campaign.raters)))
    await _approve_key_work(campaign, users)
    await _upload_external_results(campaign, users, quality)
    return stats


PHOTO = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000100000000c0806000000") + bytes(48)


async def _hand_in_materials(campaign: Campaign, users: dict[tuple[str, str], SimUser], stats: DemoStats) -> None:
    """Each department's contact sends its materials in the chat (a PDF per kind; the first one also a photo
    of its summary), filing each where asked, before the materials milestone. Every 15th department is
    late: /status names it and the reminders chase it."""
    contacts: dict[str, str] = {}
    for rater in campaign.raters:
        if rater.department and owed_by(campaign, rater.department):
            contacts.setdefault(rater.department, rater.key)
    gate = asyncio.Semaphore(CONCURRENT_RATERS)

    async def send(user: SimUser, upload, kind_name: str, asked: bool) -> None:
        before = len(user.chat())
        await upload()
        await user.wait_for(lambda u: len(u.chat()) > before + 1, timeout=10)
        if asked:  # the department owes several kinds: say which one this file is
            count = len(user.answers)
            await user.press(f"归入：{kind_name}")
            await user.wait_for(lambda u: len(u.answers) > count, timeout=10)
        stats.files += 1

    async def one(n: int, dept: str, key: str) -> None:
        if n % 15 == 14:
            return
        async with gate:
            user = users[("rater", key)]
            await user.wait_for(lambda u: any("继续" in label for m in u.chat() for label in m.labels), timeout=20)
            name = campaign.department(dept).name
            kinds = [k for k in campaign.materials if k.key in owed_by(campaign, dept)]
            for kind in kinds:
                content = f"%PDF-1.4\n% {dept} {kind.key}\n%%EOF\n".encode()
                await send(user, lambda c=content, k=kind: user.send_document(c, f"{name}{k.name}.pdf",
                                                                             "application/pdf"),
                           kind.name, len(kinds) > 1)
            if n == 0:
                await send(user, lambda: user.send_photo(PHOTO), kinds[0].name, len(kinds) > 1)
            count = len(user.answers)
            await user.press("首页")
            await user.wait_for(lambda u: len(u.answers) > count and any(
                label.startswith("继续") for label in _buttons(u.last())), timeout=10)

    await asyncio.gather(*(one(n, d, k) for n, (d, k) in enumerate(contacts.items())))


async def _approve_key_work(campaign: Campaign, users: dict[tuple[str, str], SimUser]) -> None:
    for staff in campaign.staff:
        if Role.APPROVER not in staff.roles:
            continue
        approver = users[("staff", staff.key)]
        while any("审定通过" in label for m in approver.chat() for label in m.labels):
            count = len(approver.answers)
            await approver.press("审定通过")
            await approver.wait_for(partial(_answered_after, count=count), timeout=10)


async def _upload_external_results(
    campaign: Campaign, users: dict[tuple[str, str], SimUser], quality: dict[str, float]
) -> None:
    external = [d for d in campaign.departments if campaign.is_external(d.profile)]
    admin = next((s for s in campaign.staff if Role.ADMIN in s.roles), None)
    if not external or admin is None:
        return
    lines = ["department,score"] + [f"{d.key},{quality[d.key]:.1f}" for d in external]
    user = users[("staff", admin.key)]
    before = len(user.chat())
    await user.send_document("\n".join(lines).encode(), "external-results.csv", mime_type="text/csv")
    await user.wait_for(lambda u: len(u.chat()) > before + 1, timeout=10)
    # the upload shows a preview first; the import happens on the confirming tap
    await user.wait_answer(await user.press("确认导入"), timeout=10)
