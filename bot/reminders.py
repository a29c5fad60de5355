"""The reminder sweep: what is due now (scoring.reminder_timing), claimed, sent once, recorded.

One pass (`ReminderSweep.tick`, run by bot/scheduler.py every 30 s) derives from the campaign as stored
*now* and from the reminders table what is due, so restarts, catch-up after downtime and `kaoping load`
changes need no rescheduling, and two processes on one database compute the same answer. The store
arbitrates who sends: `ReminderRepo.claim` (unique per owner) before anything else, `attempting` right
before the Telegram call, `complete` with the outcome after it.

After a milestone passes, one digest goes to every admin/staff member (laggards of every group of the
milestone) and to every collector (its own leaders only).

Delivery promise: at most once per (rater, milestone, offset). After a crash:
- a claim whose send never started is sent again: at once by a restarted `kaoping run` (`sole`: it holds
  the instance lock, bot/instance_lock.py, so no other live process uses this database and every
  unfinished claim is a dead process's), or by any process once it is older than `claim_ttl`;
- a send that had started and was never recorded (killed during the call, or between the call and the
  record) may or may not have arrived: it is never sent again but recorded `unknown`, logged, and counted
  in staff's /status; the rater's next offset catches up as usual.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery import Outcome, Sender
from handlers.reminder_cards import digest_message, reminder_message
from scoring.assignments import missing_materials
from scoring.campaign import MaterialKind, Milestone, Role
from scoring.reminder_timing import (
    SKIPPED,
    Step,
    active_milestones,
    digest_due,
    due_offsets,
    quiet_end,
    schedule,
    step,
)
from storage.campaigns import StoredCampaign
from storage.db import Clock
from storage.people import Contact
from storage.reminders import UNKNOWN
from storage.sheets import SheetInfo
from storage.store import Store
from texts import pick_lang

log = logging.getLogger(__name__)

DIGEST = -1  # offset_s of the digest after a milestone

Contacts = dict[tuple[str, str], Contact]


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


def open_sheets_by_rater(sheets: list[SheetInfo], milestone_of: dict[str, str], milestone: str
                         ) -> defaultdict[str, list[SheetInfo]]:
    """Rater -> their open sheets in the groups of `milestone`."""
    late: defaultdict[str, list[SheetInfo]] = defaultdict(list)
    for s in sheets:
        if s.is_open and milestone_of.get(s.group) == milestone:
            late[s.rater].append(s)
    return late


async def missing_at(store: Store, stored: StoredCampaign, milestone: str) -> dict[str, list[str]]:
    """Departments that have not handed in materials due at `milestone`, with the kinds."""
    c = stored.campaign
    if not any(k.milestone == milestone for k in c.materials):
        return {}
    return missing_materials(c, await store.materials.handed_in(stored.id), milestone)


async def owing_at(store: Store, stored: StoredCampaign, milestone: str) -> dict[str, list[MaterialKind]]:
    """Contacts (rater key) whose department has not handed in materials due at `milestone`, with the kinds."""
    c = stored.campaign
    missing = await missing_at(store, stored, milestone)
    kinds = {k.key: k for k in c.materials}
    return {r.key: [kinds[k] for k in missing[r.department]]
            for r in c.raters if r.department in missing}


@dataclass(frozen=True, slots=True)
class SweepOptions:
    """How a sweep shares the work with other processes, and how late it still reminds."""

    owner: str | None = None  # the name on this process's claims (default: host and pid)
    claim_ttl: timedelta = timedelta(minutes=5)  # a claim this old and never started is taken back
    grace: timedelta = timedelta(days=3)  # a milestone's reminders are still sent this long after it
    concurrency: int = 8  # sends of one campaign in flight at once
    # the only process on this database (it holds the instance lock): its first tick takes back every
    # unfinished claim at once instead of waiting for claim_ttl
    sole: bool = False


DEFAULT_SWEEP = SweepOptions()


class ReminderSweep:
    """`tick()` does one pass over every campaign: never raises, problems are logged."""

    def __init__(self, store: Store, sender: Sender, *, clock: Clock, options: SweepOptions = DEFAULT_SWEEP) -> None:
        self.store = store
        self.sender = sender
        self.clock = clock
        self.owner = options.owner or default_owner()
        self.claim_ttl = options.claim_ttl
        self.grace = options.grace
        self.concurrency = options.concurrency
        self.stopping = False  # set by the scheduler's stop(): sends not yet started are left for later
        self._lock = asyncio.Lock()
        self._versions: dict[int, int] = {}
        self.sole = options.sole
        self._recovered = False

    async def tick(self) -> list[Delivery]:
        """Record (and send) everything due now."""
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
                if self.stopping:
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
        active = active_milestones(c, now, self.grace)
        if not active:
            return  # nothing to do: no queries
        sheets = await self.store.sheets.for_campaign(stored.id)
        contacts = await self.store.people.contacts(stored.id)
        recorded = {(c.rater, c.milestone, c.offset_s) for c in await self.store.reminders.sent(stored.id) if c.sent_at}
        milestone_of = {g.key: g.milestone for _, g in c.groups()}
        quiet_until = quiet_end(c, now)
        jobs: list[_Job] = []
        for m, due in active:
            # the same for every rater of the milestone: worked out once, not per laggard
            offsets = due_offsets(c, m, now)
            if not offsets:
                continue
            latest = min(offsets)
            late = open_sheets_by_rater(sheets, milestone_of, m.key)
            for rater in await owing_at(self.store, stored, m.key):  # chased like an open sheet
                late.setdefault(rater, [])
            for rater in sorted(late):
                contact = contacts.get(("rater", rater))
                if contact is None or contact.unreachable:
                    continue  # not bound yet, or blocked the bot
                for d in offsets:
                    offset_s = int(d.total_seconds())
                    if (rater, m.key, offset_s) in recorded:
                        continue
                    what = step(d, latest, now, due, quiet_until)
                    if what is Step.SEND:
                        send = self._reminder(stored, m, rater, contact, milestone_of)
                        jobs.append(_Job(rater, m.key, offset_s, send=send))
                    elif what is not Step.WAIT:  # wait for the end of quiet hours
                        jobs.append(_Job(rater, m.key, offset_s, str(what)))
            if digest_due(now, due, quiet_until):
                in_milestone = [s for s in sheets if milestone_of.get(s.group) == m.key]
                jobs.extend(self._digests(stored, m, in_milestone, contacts, recorded,
                                          await missing_at(self.store, stored, m.key)))
        fixed = [j for j in jobs if j.send is None]
        for job in fixed:
            await self._run(stored, job, done)
        sends = [j for j in jobs if j.send is not None]
        gate = asyncio.Semaphore(self.concurrency)

        async def run(job: _Job) -> None:
            async with gate:
                if not self.stopping:
                    await self._run(stored, job, done)

        await asyncio.gather(*(run(j) for j in sends))

    def _digests(
        self, stored: StoredCampaign, m: Milestone, sheets: list[SheetInfo], contacts: Contacts,
        recorded: set[tuple[str, str, int]], missing: dict[str, list[str]] | None = None,
    ) -> list[_Job]:
        jobs = []
        for person in stored.campaign.staff:
            full = Role.ADMIN in person.roles or Role.STAFF in person.roles
            collector = Role.COLLECTOR in person.roles
            if not (full or collector):
                continue
            contact = contacts.get(("staff", person.key))
            key = f"staff:{person.key}"
            if contact is None or contact.unreachable or (key, m.key, DIGEST) in recorded:
                continue
            scope = sheets if full else [s for s in sheets if s.rater in set(person.collects_for)]
            if not scope:
                jobs.append(_Job(key, m.key, DIGEST, SKIPPED))  # none of its leaders has this milestone
                continue
            lang = pick_lang(contact.lang, None, stored.campaign.default_lang)
            text = digest_message(stored.campaign, lang, m, scope, contacts, collector=not full,
                                  missing_materials=missing if full else None)

            async def send(before: Callable[[], Awaitable[bool]], chat_id: int = contact.chat_id,
                           text: str = text) -> str:
                return await self.sender.send(chat_id, text, before=before)

            jobs.append(_Job(key, m.key, DIGEST, send=send))
        return jobs

    def _reminder(
        self, stored: StoredCampaign, m: Milestone, rater: str, contact: Contact,
        milestone_of: dict[str, str],
    ) -> Callable[[Callable[[], Awaitable[bool]]], Awaitable[str]]:
        async def send(before: Callable[[], Awaitable[bool]]) -> str:
            # re-read after the claim: the rater may have submitted meanwhile, and progress is fresh
            c = stored.campaign
            sheets = [
                s for s in await self.store.sheets.for_rater(stored.id, rater)
                if s.is_open and milestone_of.get(s.group) == m.key
            ]
            owed = (await owing_at(self.store, stored, m.key)).get(rater, [])
            if not sheets and not owed:
                return SKIPPED
            lang = pick_lang(contact.lang, None, c.default_lang)
            text, markup = reminder_message(c, lang, m, sheets, self.clock(), owed)
            return await self.sender.send(contact.chat_id, text, markup, before=before)

        return send

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
