"""Deadline reminders and the digest after a milestone, sent exactly once.

Design: one periodic "tick" (APScheduler interval job, every `interval`
seconds) instead of one `date` job per reminder. Each tick derives from the
campaign as stored *now* and from the reminders table what is due:

- a reminder (rater, milestone, offset) is due from `due - offset` until the
  milestone's `due`; days of an offset count in local calendar days (3d before
  18:00 is 18:00 three days earlier, also across a DST change), the rest in
  real hours/minutes/seconds. Times are the campaign's local times, resolved
  with zoneinfo.
- only the latest due offset of a (rater, milestone) is sent; older ones not
  yet recorded are recorded `skipped` (after downtime a rater gets one
  reminder, not three).
- inside quiet hours (local; may cross midnight) a reminder waits until they
  end. If they end at or after the milestone's due, it is recorded `dropped`.
- after the milestone passes, reminders never sent are recorded `dropped`, and
  one digest goes to every admin/staff member (laggards of every group of the
  milestone) and to every collector (its own leaders only); the digest also
  waits for the end of quiet hours. A milestone more than `grace` in the past
  is ignored altogether.

Why a tick: restarts, catch-up after downtime and `kaoping load` changes
need no rescheduling at all (nothing is held in memory but a version log
line), and two processes on one database compute the same answer. The store
arbitrates who sends: `ReminderRepo.claim` (unique per owner) before
anything else, `attempting` right before the Telegram call, `complete` with
the outcome after it.

Delivery promise: at most once per (rater, milestone, offset). After a crash:
- a claim whose send never started is sent again: at once by a restarted
  `kaoping run` (`sole`: it holds the instance lock, bot/instance_lock.py, so
  no other live process uses this database and every unfinished claim is a
  dead process's), or by any process once it is older than `claim_ttl`;
- a send that had started and was never recorded (killed during the call, or
  between the call and the record) may or may not have arrived: it is never
  sent again but recorded `unknown`, logged, and counted in staff's /status;
  the rater's next offset catches up as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Outcome, Sender
from handlers.callbacks import Act, Walk
from handlers.cards import group_names, time_left, where
from handlers.texts import BUTTON_MAX, h, name_in, pick_lang, shorten, t
from scoring.assignments import missing_materials
from scoring.campaign import Campaign, MaterialKind, Milestone, QuietHours, Role
from storage.campaigns import StoredCampaign
from storage.db import Clock
from storage.manual_reminds import ManualReminds
from storage.reminders import UNKNOWN
from storage.sheets import SheetInfo
from storage.store import Store

log = logging.getLogger(__name__)

DIGEST = -1  # offset_s of the digest after a milestone
SKIPPED = "skipped"
DROPPED = "dropped"
MESSAGE_BUDGET = 3500  # characters of HTML; Telegram's limit is 4096 after parsing
UNBOUND_NAMED = 40  # raters who never opened their invite, named in a digest; the rest counted


# -- when: pure functions of the campaign -------------------------------------


def milestone_due(campaign: Campaign, milestone: Milestone) -> datetime:
    """The milestone's local `due` as an aware UTC moment."""
    return milestone.due.replace(tzinfo=ZoneInfo(campaign.timezone)).astimezone(UTC)


def reminder_at(due_local: datetime, tz: ZoneInfo, offset: timedelta) -> datetime:
    """`offset` before a naive local due: whole days on the local calendar, the rest in real time."""
    local = due_local - timedelta(days=offset.days)
    rest = offset - timedelta(days=offset.days)
    return local.replace(tzinfo=tz).astimezone(UTC) - rest


@dataclass(frozen=True, slots=True)
class Slot:
    milestone: str
    offset_s: int
    at: datetime  # UTC


def schedule(campaign: Campaign) -> list[Slot]:
    """Every reminder moment of the campaign, earliest first."""
    tz = ZoneInfo(campaign.timezone)
    slots = [
        Slot(m.key, int(d.total_seconds()), reminder_at(m.due, tz, d))
        for m in campaign.milestones
        for d in campaign.reminders.deltas()
    ]
    return sorted(slots, key=lambda s: s.at)


def in_quiet(moment: time, quiet: QuietHours | None) -> bool:
    if quiet is None or quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:
        return quiet.start <= moment < quiet.end
    return moment >= quiet.start or moment < quiet.end  # across midnight


def quiet_end(campaign: Campaign, now: datetime) -> datetime | None:
    """When the quiet hours that `now` falls in end (UTC); None outside quiet hours."""
    quiet = campaign.reminders.quiet_hours
    tz = ZoneInfo(campaign.timezone)
    local = now.astimezone(tz)
    if quiet is None or not in_quiet(local.time().replace(tzinfo=None), quiet):
        return None
    end = datetime.combine(local.date(), quiet.end)
    if end <= local.replace(tzinfo=None):
        end += timedelta(days=1)
    return end.replace(tzinfo=tz).astimezone(UTC)


# -- what: messages -----------------------------------------------------------


def _short(label: str) -> str:
    return shorten(label, BUTTON_MAX)


def reminder_message(
    campaign: Campaign, lang: str, milestone: Milestone, sheets: list[SheetInfo], now: datetime,
    materials: Sequence[MaterialKind] = (),
) -> tuple[str, InlineKeyboardMarkup]:
    """Progress of each unfinished sheet and one Continue button per sheet; then the materials the
    rater's department still owes (a contact hands them in by sending the files in the chat)."""
    lines = [
        t(
            lang, "remind.title", campaign=h(name_in(lang, campaign.title, campaign.title_en)),
            milestone=h(name_in(lang, milestone.name, milestone.name_en)), due=f"{milestone.due:%m-%d %H:%M}",
            left=time_left(lang, milestone.due, now, campaign.timezone),
        )
    ]
    buttons = []
    for sheet in sheets:
        _, group = group_names(campaign, sheet.group, lang)
        state = " " + t(lang, "state.reopened") if sheet.state == "reopened" else ""
        key = "remind.sheet_ready" if sheet.missing == 0 else "remind.sheet"
        lines.append(t(lang, key, where=where(campaign, sheet.group, lang), done=sheet.scored, total=sheet.total,
                       state=state))
        label = _short(t(lang, "remind.btn", group=group))
        buttons.append([InlineKeyboardButton(text=label, callback_data=Walk(act=Act.OPEN, sheet=sheet.id).pack())])
    lines += [t(lang, "remind.mat", kind=h(name_in(lang, k.name, k.name_en))) for k in materials]
    lines.append(t(lang, "remind.footer"))
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=buttons[:100])


def digest_message(
    campaign: Campaign, lang: str, milestone: Milestone, sheets: list[SheetInfo],
    contacts: dict[tuple[str, str], tuple[int, str | None, bool]], *, collector: bool,
    missing_materials: dict[str, list[str]] | None = None,
) -> str:
    """Laggards per group of the milestone (names, progress, whether they can be reached); then the
    departments that have not handed in the milestone's materials (department -> kinds)."""
    title = t(
        lang, "digest.title_collector" if collector else "digest.title",
        campaign=h(name_in(lang, campaign.title, campaign.title_en)),
        milestone=h(name_in(lang, milestone.name, milestone.name_en)), due=f"{milestone.due:%m-%d %H:%M}",
    )
    names = {r.key: name_in(lang, r.name, r.name_en) for r in campaign.raters}
    body: list[tuple[str, bool]] = []  # (line, is a rater line)
    for _, group in campaign.groups():
        if group.milestone != milestone.key:
            continue
        in_group = [s for s in sheets if s.group == group.key]
        late = sorted((s for s in in_group if s.is_open), key=lambda s: (s.scored / max(s.total, 1), s.rater))
        if not late:
            continue
        body.append((t(lang, "digest.group", where=where(campaign, group.key, lang), late=len(late),
                       sheets=len(in_group)), False))
        for s in late:
            contact = contacts.get(("rater", s.rater))
            flag = t(lang, "digest.unbound") if contact is None else t(lang, "digest.unreachable") if contact[2] else ""
            body.append((t(lang, "digest.rater", name=h(names.get(s.rater, s.rater)), done=s.scored, total=s.total,
                           flag=flag), True))
    for kind in campaign.materials:
        depts = [d for d, kinds in (missing_materials or {}).items() if kind.key in kinds]
        if depts:
            body.append((t(lang, "digest.mat", kind=h(name_in(lang, kind.name, kind.name_en)), n=len(depts)), False))
            body += [(t(lang, "digest.mat_dept", name=h(name_in(lang, campaign.department(d).name,
                                                                   campaign.department(d).name_en))), True)
                     for d in depts]
    if not body:
        return "\n".join([title, t(lang, "digest.all_done")])
    footer = t(lang, "digest.footer")
    # who never opened their invite, by name, first: the bot cannot reach them, a person must
    late_keys = {s.rater for s in sheets if s.is_open and campaign.group(s.group).milestone == milestone.key}
    unbound = [names.get(r.key, r.key) for r in campaign.raters
               if r.key in late_keys and ("rater", r.key) not in contacts]
    if unbound:
        shown = [h(n) for n in unbound[:UNBOUND_NAMED]]
        more = t(lang, "st.more", n=len(unbound) - UNBOUND_NAMED) if len(unbound) > UNBOUND_NAMED else ""
        title += t(lang, "digest.unbound_names", names=t(lang, "st.sep").join(shown) + more)
    lines, size = [title], len(title) + len(footer)
    for i, (line, _) in enumerate(body):
        if size + len(line) + 1 > MESSAGE_BUDGET:
            hidden = sum(is_rater for _, is_rater in body[i:])
            lines.append(t(lang, "digest.more", n=hidden))
            break
        lines.append(line)
        size += len(line) + 1
    lines.append(footer)
    return "\n".join(lines)


# -- the service --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    """One reminder or digest a tick recorded: what the reminders table now says."""

    campaign_id: int
    rater: str  # rater key, or 'staff:KEY' for a digest
    milestone: str
    offset_s: int
    outcome: str


@dataclass(slots=True)
class _Job:
    rater: str
    milestone: str
    offset_s: int
    outcome: str | None = None  # fixed outcome ('skipped', 'dropped'); None: send
    # send(before): `before` goes to Sender.send; it records that the Telegram call is starting
    send: Callable[[Callable[[], Awaitable[bool]]], Awaitable[str]] | None = None


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class ReminderService:
    """Owns the APScheduler; `tick()` does one pass and may be called directly (tests, `/remind`)."""

    def __init__(
        self,
        store: Store,
        bot: Bot,
        *,
        clock: Clock | None = None,
        owner: str | None = None,
        interval: float = 30.0,
        sender: Sender | None = None,
        claim_ttl: timedelta = timedelta(minutes=5),
        grace: timedelta = timedelta(days=3),
        concurrency: int = 8,
        stop_timeout: float = 10.0,
        sole: bool = False,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock: Clock = clock or store.db.clock
        self.owner = owner or default_owner()
        self.interval = interval
        self.sender = sender or Sender(bot, store.people)
        self.claim_ttl = claim_ttl
        self.grace = grace
        self.concurrency = concurrency
        self.stop_timeout = stop_timeout
        self._lock = asyncio.Lock()
        self._scheduler: AsyncIOScheduler | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._versions: dict[int, int] = {}
        # sole: the only process on this database (it holds the instance lock): its first tick takes back
        # every unfinished claim at once instead of waiting for claim_ttl
        self.sole = sole
        self._recovered = False

    # -- lifecycle (registered on the dispatcher's startup and shutdown) ---------

    async def start(self) -> None:
        if self._scheduler is not None:
            return
        self._stopping = False
        apscheduler_log = logging.getLogger("apscheduler.executors")
        if apscheduler_log.level == logging.NOTSET:
            apscheduler_log.setLevel(logging.WARNING)  # not two INFO lines every tick
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._fire, IntervalTrigger(seconds=self.interval, timezone=UTC), id="kaoping-reminders",
            name="reminders tick", next_run_time=datetime.now(UTC),  # the first tick catches up at start-up
            max_instances=1, coalesce=True, misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("reminders: ticking every %gs as %s", self.interval, self.owner)

    async def stop(self) -> None:
        """Stop ticking; a tick in progress finishes the sends it started (claims get completed)."""
        self._stopping = True
        if self._scheduler is not None:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            self._scheduler = None
        task, self._task = self._task, None
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.stop_timeout)
        except TimeoutError:
            log.warning("reminders: tick still busy after %gs; cancelled", self.stop_timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _fire(self) -> None:
        # APScheduler cancels its running jobs at shutdown; the tick runs in a task of its own so
        # that stop() can let it finish instead.
        if self._stopping or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.create_task(self.tick(), name="reminders-tick")

    # -- one pass -------------------------------------------------------------

    async def tick(self) -> list[Delivery]:
        """Record (and send) everything due now. Never raises: problems are logged."""
        done: list[Delivery] = []
        async with self._lock:
            now = self.clock()
            try:
                await self._dead_claims()
            except Exception:
                log.exception("reminders: cannot take back unfinished claims")
                return done
            try:
                campaigns = await self.store.campaigns.all()
            except Exception:
                log.exception("reminders: cannot read campaigns")
                return done
            for stored in campaigns:
                if self._stopping:
                    break
                self._note_version(stored, now)
                try:
                    await self._campaign(stored, now, done)
                except Exception:
                    log.exception("reminders: campaign %s failed", stored.key)
        if done:
            counts = Counter(d.outcome for d in done)
            log.info("reminders: %s", ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
        return done

    async def _dead_claims(self) -> None:
        """Unfinished claims of processes that died: given back, or recorded 'unknown' if their send had started."""
        reminders = self.store.reminders
        if self.sole and not self._recovered:
            given_back, unknown = await reminders.recover()
            self._recovered = True
            if given_back:
                log.info("reminders: %d claim(s) of a stopped process taken back, to be sent now", len(given_back))
        else:
            unknown = await reminders.expire_attempts(stale_after=self.claim_ttl)
        for campaign_id, rater, milestone, offset_s in unknown:
            log.warning("reminders: outcome unknown for campaign %s, %s, %s, offset %ss: the process stopped "
                        "during the send; not sent again (the next offset catches up)",
                        campaign_id, rater, milestone, offset_s)

    def _note_version(self, stored: StoredCampaign, now: datetime) -> None:
        seen = self._versions.get(stored.id)
        if seen == stored.version:
            return
        self._versions[stored.id] = stored.version
        upcoming = next((s for s in schedule(stored.campaign) if s.at > now), None)
        following = f"{upcoming.milestone} at {upcoming.at:%Y-%m-%d %H:%M}Z" if upcoming else "none"
        what = "loaded" if seen is None else "changed"
        log.info("reminders: campaign %s v%d %s; next reminder %s", stored.key, stored.version, what, following)

    async def _campaign(self, stored: StoredCampaign, now: datetime, done: list[Delivery]) -> None:
        c = stored.campaign
        tz = ZoneInfo(c.timezone)
        deltas = c.reminders.deltas()
        active: list[tuple[Milestone, datetime]] = []
        for m in c.milestones:
            due = milestone_due(c, m)
            first = min((reminder_at(m.due, tz, d) for d in deltas), default=due)
            if first <= now < due + self.grace:
                active.append((m, due))
        if not active:
            return  # nothing to do: no queries
        sheets = await self.store.sheets.for_campaign(stored.id)
        contacts = await self.store.people.contacts(stored.id)
        recorded = {(r, m, o) for r, m, o, _, sent_at in await self.store.reminders.sent(stored.id) if sent_at}
        milestone_of = {g.key: g.milestone for _, g in c.groups()}
        quiet_until = quiet_end(c, now)
        jobs: list[_Job] = []
        for m, due in active:
            # the same for every rater of the milestone: worked out once, not per laggard
            due_offsets = [d for d in deltas if reminder_at(m.due, tz, d) <= now]
            if not due_offsets:
                continue
            latest = min(due_offsets)
            in_milestone = [s for s in sheets if milestone_of.get(s.group) == m.key]
            late: dict[str, list[SheetInfo]] = defaultdict(list)
            for s in in_milestone:
                if s.is_open:
                    late[s.rater].append(s)
            for rater in await self._owing_materials(stored, m.key):  # chased like an open sheet
                late.setdefault(rater, [])
            for rater in sorted(late):
                contact = contacts.get(("rater", rater))
                if contact is None or contact[2]:
                    continue  # not bound yet, or blocked the bot
                for d in due_offsets:
                    offset_s = int(d.total_seconds())
                    if (rater, m.key, offset_s) in recorded:
                        continue
                    if now >= due:
                        jobs.append(_Job(rater, m.key, offset_s, DROPPED))
                    elif d != latest:
                        jobs.append(_Job(rater, m.key, offset_s, SKIPPED))
                    elif quiet_until is None:
                        send = self._reminder(stored, m, rater, contact, milestone_of)
                        jobs.append(_Job(rater, m.key, offset_s, send=send))
                    elif quiet_until >= due:
                        jobs.append(_Job(rater, m.key, offset_s, DROPPED))  # quiet hours outlast the milestone
                    # else: wait for the end of quiet hours
            if now >= due and quiet_until is None:
                jobs.extend(self._digests(stored, m, in_milestone, contacts, recorded,
                                          await self._missing_materials(stored, m.key)))
        fixed = [j for j in jobs if j.send is None]
        for job in fixed:
            await self._run(stored, job, done)
        sends = [j for j in jobs if j.send is not None]
        gate = asyncio.Semaphore(self.concurrency)

        async def run(job: _Job) -> None:
            async with gate:
                if not self._stopping:
                    await self._run(stored, job, done)

        await asyncio.gather(*(run(j) for j in sends))

    def _digests(
        self, stored: StoredCampaign, m: Milestone, sheets: list[SheetInfo],
        contacts: dict[tuple[str, str], tuple[int, str | None, bool]], recorded: set[tuple[str, str, int]],
        missing: dict[str, list[str]] | None = None,
    ) -> list[_Job]:
        jobs = []
        for person in stored.campaign.staff:
            full = Role.ADMIN in person.roles or Role.STAFF in person.roles
            collector = Role.COLLECTOR in person.roles
            if not (full or collector):
                continue
            contact = contacts.get(("staff", person.key))
            key = f"staff:{person.key}"
            if contact is None or contact[2] or (key, m.key, DIGEST) in recorded:
                continue
            scope = sheets if full else [s for s in sheets if s.rater in set(person.collects_for)]
            if not scope:
                jobs.append(_Job(key, m.key, DIGEST, SKIPPED))  # none of its leaders has this milestone
                continue
            lang = pick_lang(contact[1], None, stored.campaign.default_lang)
            text = digest_message(stored.campaign, lang, m, scope, contacts, collector=not full,
                                  missing_materials=missing if full else None)

            async def send(before: Callable[[], Awaitable[bool]], chat_id: int = contact[0], text: str = text) -> str:
                return await self.sender.send(chat_id, text, before=before)

            jobs.append(_Job(key, m.key, DIGEST, send=send))
        return jobs

    def _reminder(
        self, stored: StoredCampaign, m: Milestone, rater: str, contact: tuple[int, str | None, bool],
        milestone_of: dict[str, str],
    ) -> Callable[[Callable[[], Awaitable[bool]]], Awaitable[str]]:
        async def send(before: Callable[[], Awaitable[bool]]) -> str:
            # re-read after the claim: the rater may have submitted meanwhile, and progress is fresh
            c = stored.campaign
            sheets = [
                s for s in await self.store.sheets.for_rater(stored.id, rater)
                if s.is_open and milestone_of.get(s.group) == m.key
            ]
            owed = (await self._owing_materials(stored, m.key)).get(rater, [])
            if not sheets and not owed:
                return SKIPPED
            lang = pick_lang(contact[1], None, c.default_lang)
            text, markup = reminder_message(c, lang, m, sheets, self.clock(), owed)
            return await self.sender.send(contact[0], text, markup, before=before)

        return send

    async def _missing_materials(self, stored: StoredCampaign, milestone: str) -> dict[str, list[str]]:
        """Departments that have not handed in materials due at `milestone`, with the kinds."""
        c = stored.campaign
        if not any(k.milestone == milestone for k in c.materials):
            return {}
        return missing_materials(c, await self.store.materials.handed_in(stored.id), milestone)

    async def _owing_materials(self, stored: StoredCampaign, milestone: str) -> dict[str, list[MaterialKind]]:
        """Contacts (rater key) whose department has not handed in materials due at `milestone`, with the kinds."""
        c = stored.campaign
        missing = await self._missing_materials(stored, milestone)
        kinds = {k.key: k for k in c.materials}
        return {r.key: [kinds[k] for k in missing[r.department]]
                for r in c.raters if r.department in missing}

    async def _run(self, stored: StoredCampaign, job: _Job, done: list[Delivery]) -> None:
        """Claim, act, complete. A claim another process holds (or completed) means: not ours."""
        reminders = self.store.reminders
        key = (stored.id, job.rater, job.milestone, job.offset_s)
        try:
            if not await reminders.claim(*key, owner=self.owner, stale_after=self.claim_ttl):
                return
        except Exception:
            log.exception("reminders: claim %s failed", key)
            return
        outcome = job.outcome
        if job.send is not None:
            started = False

            async def before() -> bool:
                nonlocal started
                try:
                    started = await reminders.attempting(*key, owner=self.owner)
                except Exception:
                    log.exception("reminders: cannot record that %s is being sent; not sending it", key)
                return started

            try:
                outcome = await job.send(before)
            except Exception:
                log.exception("reminders: sending %s failed", key)
                outcome = UNKNOWN if started else Outcome.FAILED  # once the call started, it may have arrived
        try:
            if outcome == Outcome.DEFERRED:
                await reminders.release(*key, owner=self.owner)  # nothing delivered: decide again next tick
                return
            await reminders.complete(*key, str(outcome))
            if outcome == UNKNOWN:
                log.warning("reminders: outcome unknown for %s: no answer from Telegram; not sent again", key)
        except Exception:
            log.exception("reminders: recording %s as %s failed", key, outcome)
            return
        done.append(Delivery(*key, str(outcome)))


    async def remind_now(self, stored: StoredCampaign, milestone_key: str, actor: str) -> dict[str, int]:
        """Staff's `/remind`: every laggard of a milestone, now, paced like the scheduled ones.

        Claimed first (storage.manual_reminds): within the campaign's `reminders.manual_quiet` of the
        last one it raises RemindedRecently and sends nothing, so a double tap, a second process or a
        redelivered update sends one burst. Not recorded in the reminders table (the scheduled ones
        still go out as planned); the audit log keeps who asked and how many were reached.
        """
        c = stored.campaign
        m = c.milestone(milestone_key)
        manual = ManualReminds(self.store.db)
        await manual.claim(stored.id, m.key, actor, c.reminders.manual_quiet_delta(), self.clock())
        milestone_of = {g.key: g.milestone for _, g in c.groups()}
        contacts = await self.store.people.contacts(stored.id)
        late: dict[str, list[SheetInfo]] = defaultdict(list)
        for s in await self.store.sheets.for_campaign(stored.id):
            if s.is_open and milestone_of.get(s.group) == m.key:
                late[s.rater].append(s)
        owing = await self._owing_materials(stored, m.key)
        for rater in owing:
            late.setdefault(rater, [])
        counts: Counter[str] = Counter()

        async def one(rater: str, sheets: list[SheetInfo]) -> None:
            contact = contacts.get(("rater", rater))
            if contact is None or contact[2]:
                counts["unbound" if contact is None else str(Outcome.UNREACHABLE)] += 1
                return
            lang = pick_lang(contact[1], None, c.default_lang)
            text, markup = reminder_message(c, lang, m, sheets, self.clock(), owing.get(rater, []))
            counts[str(await self.sender.send(contact[0], text, markup))] += 1

        await asyncio.gather(*(one(r, s) for r, s in sorted(late.items())))
        await manual.done(stored.id, m.key, dict(counts))
        await self.store.db.audit(stored.id, actor, "remind", m.key, new=json.dumps(dict(counts)))
        return dict(counts)
