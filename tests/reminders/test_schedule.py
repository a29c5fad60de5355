"""When reminders are due: local times of the campaign's zone, DST included, quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from scoring.campaign import QuietHours
from scoring.reminder_timing import in_quiet, quiet_end, reminder_at, schedule
from tests.reminders.support import World, build, make_world, utc


def moments(campaign, milestone: str) -> dict[int, object]:
    return {s.offset_s: s.at for s in schedule(campaign) if s.milestone == milestone}


def test_shanghai_offsets_are_local_times():
    c = build("Asia/Shanghai", scores="2027-01-10 18:00:00")
    assert moments(c, "scores") == {
        3 * 86400: utc(2027, 1, 7, 10),  # 18:00 local
        86400: utc(2027, 1, 9, 10),
        7200: utc(2027, 1, 10, 8),  # 16:00 local
    }


def test_days_keep_the_wall_clock_across_spring_forward():
    # Berlin moves from CET (+1) to CEST (+2) on 2025-03-30 at 02:00
    c = build("Europe/Berlin", scores="2025-03-31 18:00:00", materials="2025-03-20 18:00:00")
    assert moments(c, "scores") == {
        3 * 86400: utc(2025, 3, 28, 17),  # 18:00 CET
        86400: utc(2025, 3, 30, 16),  # 18:00 CEST, 23 real hours later than 3d would be by the stopwatch
        7200: utc(2025, 3, 31, 14),  # 16:00 CEST
    }


def test_days_keep_the_wall_clock_across_fall_back():
    # New York leaves EDT (-4) for EST (-5) on 2025-11-02 at 02:00
    c = build("America/New_York", scores="2025-11-03 09:00:00", materials="2025-10-20 09:00:00")
    assert moments(c, "scores") == {
        3 * 86400: utc(2025, 10, 31, 13),  # 09:00 EDT
        86400: utc(2025, 11, 2, 14),  # 09:00 EST
        7200: utc(2025, 11, 3, 12),  # 07:00 EST
    }


def test_hours_are_real_time_across_the_change():
    # 03:30 CEST on the night the clocks jump: 3h before is 23:30 CET the evening before
    due = reminder_at(datetime(2025, 3, 30, 3, 30), ZoneInfo("Europe/Berlin"), timedelta(hours=3))
    assert due == utc(2025, 3, 29, 22, 30)


def test_quiet_hours_cross_midnight():
    q = QuietHours(start=time(22), end=time(8))
    assert in_quiet(time(23, 30), q) and in_quiet(time(0), q) and in_quiet(time(7, 59), q)
    assert not in_quiet(time(8), q) and not in_quiet(time(21, 59), q)
    day = QuietHours(start=time(12), end=time(14))
    assert in_quiet(time(13), day) and not in_quiet(time(14), day)
    assert not in_quiet(time(3), None)
    c = build()  # Shanghai, default 22:00–08:00
    assert quiet_end(c, utc(2027, 1, 8, 15)) == utc(2027, 1, 9, 0)  # 23:00 local → 08:00 next day
    assert quiet_end(c, utc(2027, 1, 8, 22)) == utc(2027, 1, 9, 0)  # 06:00 local → 08:00 same day
    assert quiet_end(c, utc(2027, 1, 9, 0)) is None  # 08:00 local


async def tick_at(svc, world: World, moment) -> list:
    world.clock.now = moment
    return await svc.tick()


async def test_reminders_fire_at_shanghai_local_time(world: World):
    svc = world.service()
    # materials (self-evaluation: c1, c2) due 01-05 18:00 local; 3d → 01-02 18:00 = 10:00Z
    assert await tick_at(svc, world, utc(2027, 1, 2, 9, 59, 59)) == []
    sent = await tick_at(svc, world, utc(2027, 1, 2, 10))
    assert sorted((d.rater, d.milestone, d.offset_s, d.outcome) for d in sent) == [
        ("c1", "materials", 259200, "sent"), ("c2", "materials", 259200, "sent"),
    ]
    assert "01-05 18:00" in world.sent_to("c1")[0] and "剩 3 天" in world.sent_to("c1")[0]
    # 2h → 16:00 local = 08:00Z; the 1d one went out on 01-04
    assert [d.offset_s for d in await tick_at(svc, world, utc(2027, 1, 4, 10))] == [86400, 86400]
    assert await tick_at(svc, world, utc(2027, 1, 5, 7, 59)) == []
    sent = await tick_at(svc, world, utc(2027, 1, 5, 8))
    assert {(d.rater, d.offset_s) for d in sent} == {("c1", 7200), ("c2", 7200)}
    assert "剩 2 小时" in world.sent_to("c2")[-1]
    assert len(world.sent_to("c1")) == 3


async def test_reminders_fire_at_local_time_across_dst(store, clock, tmp_path):
    campaign = build("Europe/Berlin", scores="2025-03-31 18:00:00", materials="2025-03-20 18:00:00")
    world = await make_world(store, clock, tmp_path / "kaoping.db", campaign)
    svc = world.service()
    assert [d for d in await tick_at(svc, world, utc(2025, 3, 28, 16, 59)) if d.milestone == "scores"] == []
    sent = await tick_at(svc, world, utc(2025, 3, 28, 17))  # 18:00 CET
    assert {d.rater for d in sent if d.offset_s == 259200} == {"c1", "c2", "c3", "mayor", "vmayor"}
    # a stopwatch would fire the 1d reminder at 17:00Z (19:00 CEST); the wall clock says 16:00Z
    assert await tick_at(svc, world, utc(2025, 3, 30, 15, 59)) == []
    sent = await tick_at(svc, world, utc(2025, 3, 30, 16))
    assert {(d.rater, d.offset_s) for d in sent} == {(r, 86400) for r in ("c1", "c2", "c3", "mayor", "vmayor")}
    assert "03-31 18:00" in world.sent_to("mayor")[-1]
    assert "剩 1 天" in world.sent_to("mayor")[-1]
