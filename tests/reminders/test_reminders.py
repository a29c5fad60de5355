"""Who is reminded, exactly once: laggards only, across restarts, downtime, quiet hours and two processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.recording import recording_bot
from bot.reminders import SweepOptions
from bot.scheduler import ReminderService
from handlers.callbacks import Act, Walk
from storage.store import Store
from tests.reminders.support import TG, World, build, fast_sender, score_all, utc
from tests.texts.shapes import shows
from texts import t

# scores due 2027-01-10 18:00 Shanghai = 10:00Z; 3d → 01-07 10:00Z, 1d → 01-09 10:00Z, 2h → 01-10 08:00Z
SCORES_3D = utc(2027, 1, 7, 10)
SCORES_1D = utc(2027, 1, 9, 10)
SCORES_2H = utc(2027, 1, 10, 8)
SCORES_DUE = utc(2027, 1, 10, 10)
SCORE_RATERS = {"c1", "c2", "c3", "mayor", "vmayor"}


async def at(world: World, svc: ReminderService, moment) -> list:
    world.clock.now = moment
    return await svc.tick()


def scores_reminders(deliveries) -> set[tuple[str, int, str]]:
    return {(d.rater, d.offset_s, d.outcome) for d in deliveries if d.milestone == "scores"}


async def test_only_laggards_get_progress_and_a_continue_button_per_sheet(world: World):
    store, cid = world.store, world.cid
    await score_all(store, cid, "c1", "peers")  # submitted: done for 'scores'
    c2_peers = await score_all(store, cid, "c2", "peers", submit=False, upto=1)  # 1 of 2 scored
    await score_all(store, cid, "mayor", "leaders", submit=False)  # all scored, not submitted
    await store.people.mark_unreachable(TG["vmayor"])  # blocked the bot earlier
    await store.people.set_lang(TG["mayor"], "en")
    svc = world.service()
    await at(world, svc, SCORES_3D - timedelta(days=2))  # materials reminders: not what this test is about
    world.session.clear()
    sent = await at(world, svc, SCORES_3D)
    assert scores_reminders(sent) == {("c2", 259200, "sent"), ("c3", 259200, "sent"), ("mayor", 259200, "sent")}
    assert world.sent_to("c1") == [] and world.sent_to("vmayor") == []
    (c2_text,) = world.sent_to("c2")
    assert shows(c2_text, "zh", "remind.sheet", done=1, total=2)
    assert shows(c2_text, "zh", "remind.title", due="01-10 18:00", left=t("zh", "left.days", n=3))
    assert "提醒 &lt;测试&gt; &amp; 考核" in c2_text  # campaign text is escaped for HTML
    (mayor_text,) = world.sent_to("mayor")
    assert shows(mayor_text, "en", "remind.sheet_ready", total=3)
    assert shows(mayor_text, "en", "remind.title", left=t("en", "left.days", n=3))
    c2_call = next(c for c in world.session.of("SendMessage") if c.params["chat_id"] == TG["c2"])
    (row,) = c2_call.params["reply_markup"]["inline_keyboard"]
    assert row[0]["callback_data"] == Walk(act=Act.OPEN, sheet=c2_peers).pack()
    assert row[0]["text"] == t("zh", "remind.btn", group="口内互评")


async def test_a_sheet_submitted_after_the_tick_read_it_is_not_reminded(world: World):
    svc = world.service()
    world.clock.now = SCORES_3D
    sender_send = svc.sender.send
    submitted = False

    async def submit_first(chat_id, text, markup=None, before=None):  # c1 submits between the read and the claim
        nonlocal submitted
        if not submitted:
            submitted = True
            await score_all(world.store, world.cid, "c1", "peers")
        return await sender_send(chat_id, text, markup, before=before)

    svc.sender.send = submit_first
    svc.concurrency = 1
    await svc.tick()
    outcomes = await world.outcomes()
    assert outcomes[("c1", "scores", 259200)] == "skipped"
    assert all("口内互评" not in text for text in world.sent_to("c1"))


async def test_restart_between_two_reminders_neither_repeats_nor_loses_one(world: World):
    first = world.service()
    await at(world, first, SCORES_3D)
    assert len(world.sent_to("c3")) == 1
    await first.stop()
    await world.store.close()
    # a new process on the same database file, a few minutes later and then at the next offset
    store = await Store.open(world.path, world.clock)
    try:
        bot, session = recording_bot()
        second = ReminderService(store, fast_sender(bot, store), clock=world.clock)
        world.clock.now = SCORES_3D + timedelta(minutes=3)
        assert await second.tick() == []
        world.clock.now = SCORES_1D
        assert scores_reminders(await second.tick()) == {(r, 86400, "sent") for r in SCORE_RATERS}
        assert await second.tick() == []
        assert len([c for c in session.of("SendMessage") if c.params["chat_id"] == TG["c3"]]) == 1
    finally:
        await store.close()
        world.store = await Store.open(world.path, world.clock)  # for the fixture's teardown


async def test_catch_up_after_downtime_sends_only_the_latest_offset(world: World):
    svc = world.service()
    # down from before the 3d reminder until after the 1d one
    sent = await at(world, svc, SCORES_1D + timedelta(hours=3))  # 21:00 local
    assert scores_reminders(sent) == {(r, 259200, "skipped") for r in SCORE_RATERS} | {
        (r, 86400, "sent") for r in SCORE_RATERS
    }
    assert len(world.sent_to("c3")) == 1 and t("zh", "left.hours", n=21) in world.sent_to("c3")[0]
    # materials closed four days ago (beyond `grace`): history, nothing sent or recorded for it
    assert not [k for k in await world.outcomes() if k[1] == "materials"]
    assert all("自评材料" not in text for text in world.sent_to("c1"))


async def test_a_milestone_passed_during_downtime_drops_reminders_and_sends_the_digest(world: World):
    svc = world.service()
    sent = await at(world, svc, SCORES_DUE + timedelta(hours=1))
    assert scores_reminders(sent) == {(r, o, "dropped") for r in SCORE_RATERS for o in (259200, 86400, 7200)} | {
        ("staff:boss", -1, "sent"), ("staff:office", -1, "sent"),
    }
    assert not any(shows(text, "zh", "remind.title") for _, text in world.sent())  # digests only
    digests = {d.rater: d.outcome for d in sent if d.milestone == "scores" and d.offset_s == -1}
    assert digests == {"staff:boss": "sent", "staff:office": "sent"}


async def test_quiet_hours_hold_a_reminder_until_they_end(store, clock, tmp_path):
    from tests.reminders.support import make_world

    # due 09:00 local; 2h → 07:00, inside 22:00–08:00: sent at 08:00, still before the milestone
    world = await make_world(store, clock, tmp_path / "kaoping.db",
                             build(scores="2027-01-10 09:00:00", reminders="{offsets: [2h]}"))
    svc = world.service()
    assert await at(world, svc, utc(2027, 1, 9, 23)) == []  # 07:00 local
    assert await at(world, svc, utc(2027, 1, 9, 23, 59, 59)) == []
    sent = await at(world, svc, utc(2027, 1, 10, 0))  # 08:00 local
    assert scores_reminders(sent) == {(r, 7200, "sent") for r in SCORE_RATERS}
    assert shows(world.sent_to("c1")[0], "zh", "remind.title", left=t("zh", "left.hours", n=1))


async def test_quiet_hours_outlasting_the_milestone_drop_the_reminder(store, clock, tmp_path):
    from tests.reminders.support import make_world

    # due 07:30 local; 2h → 05:30, quiet until 08:00 ≥ due: dropped, never sent
    world = await make_world(store, clock, tmp_path / "kaoping.db",
                             build(scores="2027-01-10 07:30:00", reminders="{offsets: [2h], quiet_hours: "
                                   "{start: '22:00', end: '08:00'}}"))
    svc = world.service()
    sent = await at(world, svc, utc(2027, 1, 9, 21, 30))  # 05:30 local
    assert scores_reminders(sent) == {(r, 7200, "dropped") for r in SCORE_RATERS}
    assert await at(world, svc, utc(2027, 1, 9, 23, 45)) == []  # 07:45: milestone passed, the digest waits...
    assert world.sent() == []
    sent = await at(world, svc, utc(2027, 1, 10, 0))  # ...for 08:00
    assert {d.rater for d in sent} == {"staff:boss", "staff:office"}
    assert not any(shows(text, "zh", "remind.title") for _, text in world.sent())  # digests only


async def test_no_quiet_hours_when_the_campaign_turns_them_off(store, clock, tmp_path):
    from tests.reminders.support import make_world

    world = await make_world(store, clock, tmp_path / "kaoping.db",
                             build(scores="2027-01-10 07:30:00", reminders="{offsets: [2h], quiet_hours: null}"))
    sent = await at(world, world.service(), utc(2027, 1, 9, 21, 30))  # 05:30 local
    assert scores_reminders(sent) == {(r, 7200, "sent") for r in SCORE_RATERS}


async def test_two_processes_on_one_database_send_each_reminder_once(world: World):
    other_store = await Store.open(world.path, world.clock)
    try:
        bot_b, session_b = recording_bot()
        a = world.service(owner="proc-a")
        b = ReminderService(other_store, fast_sender(bot_b, other_store), clock=world.clock,
                            options=SweepOptions(owner="proc-b"))
        for moment in (SCORES_3D, SCORES_1D + timedelta(minutes=1), SCORES_2H, SCORES_DUE):
            world.clock.now = moment
            await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
        calls = world.session.of("SendMessage") + session_b.of("SendMessage")
        per_chat: dict[int, int] = {}
        for call in calls:
            per_chat[call.params["chat_id"]] = per_chat.get(call.params["chat_id"], 0) + 1
        # three scores reminders each (materials had closed before the first tick: dropped, not sent)
        assert {per_chat[TG[r]] for r in SCORE_RATERS} == {3}
        assert per_chat[TG["boss"]] == 2  # two digests: materials and scores
        # which process wins each claim is up to the scheduler (one may win them all); what
        # matters is the counts above: every reminder once, whichever process sent it
        rows = await world.store.reminders.sent(world.cid)
        assert len(rows) == len({(c.rater, c.milestone, c.offset_s) for c in rows})
        assert all(c.outcome is not None for c in rows)
    finally:
        await other_store.close()


async def test_a_claim_never_completed_is_retried_once_stale(world: World):
    world.clock.now = SCORES_3D
    # a process claimed c3's reminder and died before sending
    assert await world.store.reminders.claim(world.cid, "c3", "scores", 259200, owner="dead")
    svc = world.service(claim_ttl=timedelta(minutes=5))
    await svc.tick()
    assert world.sent_to("c3") == []
    world.clock.now = SCORES_3D + timedelta(minutes=4)
    await svc.tick()
    assert world.sent_to("c3") == []
    world.clock.now = SCORES_3D + timedelta(minutes=6)
    sent = await svc.tick()
    assert [(d.rater, d.outcome) for d in sent] == [("c3", "sent")]
    assert len(world.sent_to("c3")) == 1


async def test_the_digest_goes_once_to_staff_and_collectors_about_their_own(world: World):
    store, cid = world.store, world.cid
    await score_all(store, cid, "c1", "peers")
    await score_all(store, cid, "vmayor", "leaders")
    await score_all(store, cid, "mayor", "leaders", submit=False, upto=2)
    svc = world.service()
    sent = await at(world, svc, SCORES_DUE)
    assert {d.rater for d in sent if d.offset_s == -1 and d.milestone == "scores"} == {"staff:boss", "staff:office"}
    (boss,) = [t for t in world.sent_to("boss") if "评分结果" in t]
    assert shows(boss, "zh", "digest.group", where="分口考核 · 口内互评", late=2, sheets=3)
    assert shows(boss, "zh", "digest.group", where="领导评议 · 市领导", late=1, sheets=2)
    assert shows(boss, "zh", "digest.rater", name="二局联络员", done=0, total=2)
    assert "三局联络员 &lt;x&amp;y&gt;" in boss
    assert shows(boss, "zh", "digest.rater", name="市长", done=2, total=3)
    assert "一局联络员" not in boss.split("评分结果")[1] and "副市长" not in boss
    (office,) = world.sent_to("office")
    assert shows(office, "zh", "digest.rater", name="市长", done=2, total=3)
    assert "联络员" not in office and "副市长" not in office
    # appr (approver only) gets none; nothing twice, not even from a fresh process
    assert await at(world, svc, SCORES_DUE + timedelta(hours=1)) == []
    again = world.service()
    assert await again.tick() == []
    assert len(world.sent_to("boss")) == 1  # materials closed 5 days ago: beyond `grace`, no digest


async def test_a_changed_campaign_is_followed_by_the_running_service(world: World):
    svc = world.service()
    await at(world, svc, SCORES_3D)
    # the office moves the deadline two days later and adds a 12h reminder: `kaoping load` while running
    moved = build(scores="2027-01-12 18:00:00", reminders="{offsets: [3d, 1d, 12h]}")
    await world.store.campaigns.load(moved)
    world.session.clear()
    assert await at(world, svc, SCORES_1D) == []  # the old 1d moment means nothing now
    sent = await at(world, svc, utc(2027, 1, 11, 10))  # 1d before 01-12 18:00
    assert scores_reminders(sent) == {(r, 86400, "sent") for r in SCORE_RATERS}
    sent = await at(world, svc, utc(2027, 1, 11, 22))  # 12h before: 06:00 local is quiet → waits
    assert scores_reminders(sent) == set()
    sent = await at(world, svc, utc(2027, 1, 12, 0))  # 08:00 local
    assert scores_reminders(sent) == {(r, 43200, "sent") for r in SCORE_RATERS}
    assert "01-12 18:00" in world.sent_to("c3")[-1]


async def test_a_failing_send_never_breaks_the_tick(world: World):
    svc = world.service()

    async def broken(chat_id, text, markup=None, before=None):
        if chat_id == TG["c2"]:
            raise RuntimeError("boom")
        assert await before()
        return "sent"

    svc.sender.send = broken
    sent = await at(world, svc, SCORES_3D)
    outcomes = {d.rater: d.outcome for d in sent if d.milestone == "scores"}
    assert outcomes["c2"] == "failed" and outcomes["c3"] == "sent"
    assert await at(world, svc, SCORES_3D + timedelta(minutes=10)) == []  # failed is final, not a loop


async def test_the_scheduler_job_really_runs_tick(world: World):
    world.clock.now = SCORES_3D
    svc = world.service(interval=0.05)
    await svc.start()
    for _ in range(200):
        if len(world.sent_to("c3")) == 1:
            break
        await asyncio.sleep(0.01)
    assert len(world.sent_to("c3")) == 1
    await asyncio.sleep(0.15)  # more ticks run, nothing is repeated
    await svc.stop()
    assert len(world.sent_to("c3")) == 1
    assert svc._scheduler is None


async def test_stop_lets_the_send_in_flight_finish_and_leaves_the_rest_unclaimed(world: World):
    world.clock.now = SCORES_3D
    svc = world.service(interval=3600, concurrency=1)
    release = asyncio.Event()
    started = asyncio.Event()
    real_send = svc.sender.send

    async def slow(chat_id, text, markup=None, before=None):
        started.set()
        await release.wait()
        return await real_send(chat_id, text, markup, before=before)

    svc.sender.send = slow
    await svc.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(svc.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waits for the send in flight
    release.set()
    await asyncio.wait_for(stopping, 5)
    rows = await world.store.reminders.sent(world.cid)
    assert all(c.outcome is not None for c in rows)  # the claim in flight was completed: nothing dangling
    (in_flight,) = [(c.rater, c.milestone) for c in rows if c.outcome == "sent"]  # and no other send was started
    # the next process picks up the others at once
    again = world.service()
    done = {(d.rater, d.milestone) for d in await again.tick() if d.outcome == "sent"}
    assert in_flight not in done and {(r, "scores") for r in SCORE_RATERS} <= done | {in_flight}
