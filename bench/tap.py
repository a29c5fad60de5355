"""A score tap: the production dispatcher and store against aiogram's own floor, then over real HTTP.

In process: real `Update`s (built before the clock starts) go through
`Dispatcher.feed_update` with a session that records instead of sending.
Three dispatchers are built the same way (MemoryStorage, the private-chat
root router, the walk's callback-data filter) and differ in the handler:

- product: `bot.app.build_dispatcher` with the real SQLite store (a temp file);
- floor: a handler that makes the same Telegram calls (answers the callback
  with the same toast, edits the card with a precomputed card of the same
  size and keyboard) and touches no store;
- noop: a handler that does nothing.

Every rater has opened its card first (an update of its own through the
product: the bot knows who taps, as in real use). Every repetition runs all
three on fresh taps, in rotating order; a repetition's cost is its mean time
per tap, and a ratio is the median of the per-repetition ratios. p50/p99 are
over every timed product tap. Round trips to aiosqlite's thread (and queries,
the identity version's one-row read on the event loop's thread included) are
counted in a separate untimed pass.

Over HTTP: `RunningBot` polls a `SandboxServer` in this process; N simulated
raters tap a preset at once, each waiting for the answer and the edited card
before the next tap. Sandbox, bot and raters share one event loop (and so
one core): the figures are those of the whole system on this machine.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiogram import Bot, Dispatcher, F, Router
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from bench.common import Figure, build_campaign, collected, emit, median, note, percentile, quiet
from bot.app import build_dispatcher
from bot.recording import BOT_USER, RecordingSession, recording_bot
from handlers.callbacks import Act, Walk
from handlers.cards import Card, score_card, to_hundredths
from scoring.campaign import Campaign, format_value
from storage.store import Store
from texts import t

TOKEN = "123456:SANDBOX-kaoping-bench-token"
FIRST_USER = 500_000
VALUE = 80.0  # a preset: the button labelled "80"
SIZES = {
    "full": {"raters": 600, "departments": 60, "taps_per_rep": 600, "reps": 9,
             "http_users": 200, "http_taps": 5, "http_reps": 3},
    "quick": {"raters": 600, "departments": 60, "taps_per_rep": 300, "reps": 5,
              "http_users": 100, "http_taps": 3, "http_reps": 2},
    "tiny": {"raters": 12, "departments": 6, "taps_per_rep": 12, "reps": 2,
             "http_users": 4, "http_taps": 2, "http_reps": 1},
}


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


CLOCK = FixedClock(datetime(2025, 1, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, before the milestone


@dataclass(frozen=True, slots=True)
class Tap:
    user_id: int
    sheet_id: int
    assignment_id: int
    position: int


@dataclass
class Rig:
    """A store with the campaign loaded and every rater bound; the taps each rater can still make."""

    store: Store
    campaign: Campaign
    campaign_id: int
    users: dict[str, int]  # rater key -> telegram id
    taps: dict[str, list[Tap]]  # rater key -> its walk, in order
    cards: list[Card]  # a realistic card per position, for the floor


async def make_rig(path: Path, raters: int, departments: int) -> Rig:
    store = await Store.open(path, CLOCK)
    campaign = build_campaign(raters=raters, departments=departments, sectors=min(6, departments),
                              leaders_only=True)
    loaded = await store.campaigns.load(campaign)
    leaders = [r.key for r in campaign.raters if r.memberships()[0].group == "leaders"]
    invites = await store.people.issue_invites(loaded.campaign_id, [("rater", k) for k in leaders],
                                               timedelta(days=30))
    users: dict[str, int] = {}
    for n, invite in enumerate(invites):
        users[invite.key] = FIRST_USER + n
        await store.people.redeem(invite.token, FIRST_USER + n)
    taps: dict[str, list[Tap]] = {}
    cards: list[Card] = []
    for key in leaders:
        (sheet,) = [s for s in await store.sheets.for_rater(loaded.campaign_id, key) if s.group == "leaders"]
        found = await store.sheets.walk(sheet.id)
        assert found is not None
        info, items = found
        taps[key] = [Tap(users[key], sheet.id, i.assignment_id, i.position) for i in items]
        if not cards:
            cards = [score_card(campaign, "zh", info, items, item) for item in items]
    return Rig(store, campaign, loaded.campaign_id, users, taps, cards)


def tap_plan(rig: Rig, count: int, cursor: dict[str, int]) -> list[Tap]:
    """The next `count` taps, round-robin over the raters (each rater walks its sheet in order)."""
    plan: list[Tap] = []
    for key in itertools.cycle(list(rig.taps)):
        if len(plan) >= count:
            break
        n = cursor.get(key, 0)
        if n >= len(rig.taps[key]):
            if all(cursor.get(k, 0) >= len(v) for k, v in rig.taps.items()):
                raise RuntimeError("every sheet is full: fewer taps per repetition, please")
            continue
        cursor[key] = n + 1
        plan.append(rig.taps[key][n])
    return plan


_ids = itertools.count(1)


def update_for(tap: Tap, act: Act = Act.SCORE) -> Update:
    """The Update Telegram sends when a rater taps "80" on its scoring card (or, `Act.OPEN`, opens it)."""
    arg = to_hundredths(VALUE) if act == Act.SCORE else 0
    data = Walk(act=act, sheet=tap.sheet_id, item=tap.assignment_id, arg=arg).pack()
    user = User(id=tap.user_id, is_bot=False, first_name=f"u{tap.user_id}", language_code="zh-hans")
    message = Message(message_id=7, date=datetime.now(UTC), chat=Chat(id=tap.user_id, type="private"),
                      from_user=BOT_USER, text="card")
    query = CallbackQuery(id=str(next(_ids)), from_user=user, chat_instance="ci", message=message, data=data)
    return Update(update_id=next(_ids), callback_query=query)


# -- the three dispatchers --------------------------------------------------------------

Handler = Callable[..., Awaitable[Any]]


def same_construction(handler: Handler) -> Dispatcher:
    """`build_dispatcher`'s construction with one score handler instead of the product's routers."""
    dp = Dispatcher(storage=MemoryStorage(), clock=CLOCK)
    root = Router(name="private")
    root.message.filter(F.chat.type == "private")
    walk = Router(name="walk")
    walk.callback_query.register(handler, Walk.filter(F.act == Act.SCORE))
    root.include_router(walk)
    dp.include_router(root)
    return dp


def floor_dispatcher(cards: list[Card]) -> Dispatcher:
    toast = t("zh", "ack.saved", value=format_value(VALUE))
    count = len(cards)

    async def on_score(query: CallbackQuery, callback_data: Walk) -> None:
        card = cards[callback_data.item % count]
        await query.answer(toast)
        if isinstance(query.message, Message):  # as handlers.walk.show checks: an old message cannot be edited
            await query.message.edit_text(card.text, reply_markup=card.markup)

    return same_construction(on_score)


def noop_dispatcher() -> Dispatcher:
    async def on_score(query: CallbackQuery, callback_data: Walk) -> None:
        return None

    return same_construction(on_score)


async def feed(dp: Dispatcher, bot: Bot, updates: list[Update]) -> list[float]:
    """Seconds per update, each timed on its own."""
    clock = time.perf_counter
    spent = []
    for update in updates:
        start = clock()
        await dp.feed_update(bot, update)
        spent.append(clock() - start)
    return spent


def check_calls(session: RecordingSession, taps: int, what: str) -> None:
    answers = session.of("AnswerCallbackQuery")
    edits = session.of("EditMessageText")
    saved = t("zh", "ack.saved", value=format_value(VALUE))
    if len(answers) != taps or len(edits) != taps or any(a.params.get("text") != saved for a in answers):
        raise RuntimeError(f"{what}: expected {taps} saved answers and edits, got {len(answers)} answers "
                           f"({answers[:1]}) and {len(edits)} edits")


class HopCounter:
    """Counts calls of the store's query methods and hops to aiosqlite's thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queries = 0
        self.hops = 0
        self._patches = ExitStack()

    METHODS = ("fetchall", "execute", "run", "run_transaction", "run_grouped")  # each call: one query

    def __enter__(self) -> HopCounter:
        db, conn = self.store.db, self.store.db.conn
        hop = conn._execute

        def counted(method: Any) -> Any:
            async def call(*args: Any, **kwargs: Any) -> Any:
                self.queries += 1
                return await method(*args, **kwargs)

            return call

        async def counted_hop(*args: Any, **kwargs: Any) -> Any:
            self.hops += 1
            return await hop(*args, **kwargs)

        def counted_sync(method: Any) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                self.queries += 1
                return method(*args, **kwargs)

            return call

        patches = self._patches
        for name in self.METHODS:
            patches.enter_context(patch.object(db, name, counted(getattr(db, name))))
        # who taps: the identity version, one row read on a connection of its own in this thread (no hop)
        patches.enter_context(patch.object(db, "identity_version", counted_sync(db.identity_version)))
        patches.enter_context(patch.object(conn, "_execute", counted_hop))
        return self

    def __exit__(self, *exc: object) -> None:
        self._patches.close()


async def bench_dispatch(raters: int, departments: int, taps_per_rep: int, reps: int, out: list[Figure],
                         workdir: Path) -> None:
    rig = await make_rig(workdir / "tap.db", raters, departments)
    try:
        bot, session = recording_bot()
        dispatchers = {
            "product": build_dispatcher(rig.store, CLOCK),
            "floor": floor_dispatcher(rig.cards),
            "noop": noop_dispatcher(),
        }
        cursor: dict[str, int] = {}
        # every rater has opened its card, as before any real tap: the bot knows who they are
        await feed(dispatchers["product"], bot, [update_for(walk[0], Act.OPEN) for walk in rig.taps.values()])
        # warm-up: first calls of every path (imports, caches, the parsed campaign)
        warm = tap_plan(rig, min(20, taps_per_rep), cursor)
        for dp in dispatchers.values():
            await feed(dp, bot, [update_for(tp) for tp in warm])
        session.clear()
        # round trips, untimed
        count_plan = tap_plan(rig, min(100, taps_per_rep), cursor)
        with HopCounter(rig.store) as counter:
            await feed(dispatchers["product"], bot, [update_for(tp) for tp in count_plan])
        check_calls(session, len(count_plan), "product (counted)")
        session.clear()

        per_tap: dict[str, list[float]] = {name: [] for name in dispatchers}
        product_taps: list[float] = []
        order = list(dispatchers)
        for rep in range(reps):
            plan = tap_plan(rig, taps_per_rep, cursor)
            for name in order[rep % 3:] + order[: rep % 3]:
                updates = [update_for(tp) for tp in plan]  # fresh query ids; built before the clock starts
                with collected():
                    spent = await feed(dispatchers[name], bot, updates)
                if name != "noop":
                    check_calls(session, len(plan), name)
                session.clear()
                per_tap[name].append(sum(spent) / len(spent))
                if name == "product":
                    product_taps.extend(spent)
        stored = await rig.store.db.fetchone(
            "SELECT COUNT(*) FROM scores s JOIN assignments a ON a.id = s.assignment_id WHERE a.campaign_id = ?",
            (rig.campaign_id,),
        )
        expected = len(warm) + len(count_plan) + reps * taps_per_rep
        if stored is None or stored[0] != expected:
            raise RuntimeError(f"expected {expected} stored scores after the product's taps, found {stored}")
        ratios = [p / f for p, f in zip(per_tap["product"], per_tap["floor"], strict=True)]
        noop_ratios = [p / n for p, n in zip(per_tap["product"], per_tap["noop"], strict=True)]
        emit(out, "tap.ratio_vs_floor", median(ratios), "x")
        emit(out, "tap.p50_us", percentile(product_taps, 50) * 1e6, "us")
        emit(out, "tap.p99_us", percentile(product_taps, 99) * 1e6, "us")
        emit(out, "tap.mean_us", median(per_tap["product"]) * 1e6, "us")
        emit(out, "tap.floor_us", median(per_tap["floor"]) * 1e6, "us")
        emit(out, "tap.noop_us", median(per_tap["noop"]) * 1e6, "us")
        emit(out, "tap.ratio_vs_noop", median(noop_ratios), "x")
        emit(out, "tap.roundtrips", counter.hops / len(count_plan), "hops/tap")
        emit(out, "tap.queries", counter.queries / len(count_plan), "queries/tap")
    finally:
        await rig.store.close()


# -- over HTTP ----------------------------------------------------------------------------


async def bench_http(raters: int, departments: int, users: int, taps: int, reps: int, out: list[Figure],
                     workdir: Path) -> None:
    from bot.runner import RunningBot
    from sandbox import SandboxServer

    rig = await make_rig(workdir / "http.db", max(raters, users), departments)
    sandbox = SandboxServer(token=TOKEN)
    await sandbox.start()
    running = RunningBot(rig.store, TOKEN, sandbox.base_url, clock=CLOCK)
    await running.start()
    try:
        keys = list(rig.taps)[:users]
        people = []
        for key in keys:
            first = rig.taps[key][0]
            sim = sandbox.user(first.user_id, f"u{first.user_id}")
            found = await rig.store.sheets.walk(first.sheet_id)
            assert found is not None
            info, items = found
            card = score_card(rig.campaign, "zh", info, items, items[0])
            await running.bot.send_message(first.user_id, card.text, reply_markup=card.markup)
            people.append(sim)
        label = format_value(VALUE)

        async def tap(sim: Any) -> float:
            before = sim.last().text
            start = time.perf_counter()
            query_id = await sim.press(label)
            record = sandbox.world.callbacks[query_id]
            await sim.wait_for(lambda u: record.answer is not None and u.last().text != before, timeout=30)
            return time.perf_counter() - start

        async def walk(sim: Any, n: int) -> list[float]:
            return [await tap(sim) for _ in range(n)]

        await asyncio.gather(*(walk(sim, 1) for sim in people))  # warm-up
        rates, p99s = [], []
        for _ in range(reps):
            with collected():
                start = time.perf_counter()
                latencies = [x for xs in await asyncio.gather(*(walk(sim, taps) for sim in people)) for x in xs]
                wall = time.perf_counter() - start
            rates.append(len(latencies) / wall)
            p99s.append(percentile(latencies, 99))
        emit(out, "tap.http_per_s", median(rates), "taps/s")
        emit(out, "tap.http_p99_ms", median(p99s) * 1e3, "ms")
        emit(out, "tap.http_users", len(people), "users")
    finally:
        await running.stop()
        await sandbox.stop()
        await rig.store.close()


async def bench_tap(raters: int = 600, departments: int = 60, taps_per_rep: int = 600, reps: int = 9,
                    http_users: int = 200, http_taps: int = 5, http_reps: int = 3) -> list[Figure]:
    out: list[Figure] = []
    with quiet(), tempfile.TemporaryDirectory(prefix="kaoping-bench-") as tmp:
        note(f"tap: {raters} raters x {departments} departments, {reps} x {taps_per_rep} taps per variant")
        await bench_dispatch(raters, departments, taps_per_rep, reps, out, Path(tmp))
        note(f"tap over HTTP: {http_users} raters at once, {http_reps} x {http_taps} taps each")
        await bench_http(raters, departments, http_users, http_taps, http_reps, out, Path(tmp))
    return out


def run(size: str = "full") -> list[Figure]:
    return asyncio.run(bench_tap(**SIZES[size]))
