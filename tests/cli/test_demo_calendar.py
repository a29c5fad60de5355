"""`kaoping demo` plays on the campaign's own calendar, whatever today's date is."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.demo import demo_day


def test_the_demo_day_sits_in_the_period_before_the_first_milestone(municipal, small):
    for campaign in (municipal, small):
        day = demo_day(campaign)
        tz = ZoneInfo(campaign.timezone)
        local = day.astimezone(tz)
        assert campaign.period.start <= local.date() <= campaign.period.end
        assert all(local.replace(tzinfo=None) < m.due for m in campaign.milestones)
    # the example: 3 January 2027, 09:30 in Shanghai
    assert demo_day(municipal) == datetime(2027, 1, 3, 1, 30, tzinfo=UTC)
