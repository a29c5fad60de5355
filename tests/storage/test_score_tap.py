"""`SheetRepo.score_tap` (the score tap's use case) reads less than `walk` but must land on the same next card:
checked on random sheets."""

from __future__ import annotations

import random
from datetime import timedelta

from handlers.cards import next_open
from storage.sheets import ItemNext, ReviewNext, Tap, Writer
from storage.store import Store

USER = 501


async def test_next_item_and_counts_match_the_full_walk(store: Store, small):
    loaded = await store.campaigns.load(small)
    rater = next(r.key for r in small.raters if any(m.group == "leaders" for m in r.memberships()))
    (invite,) = await store.people.issue_invites(loaded.campaign_id, [("rater", rater)], timedelta(days=1))
    await store.people.redeem(invite.token, USER)
    sheet = await store.sheets.find(loaded.campaign_id, rater, "leaders")
    _, items = await store.sheets.walk(sheet.id)
    who = Writer(loaded.campaign_id, own=(rater,))
    aids = [i.assignment_id for i in items]
    rng = random.Random(7)
    for trial in range(40):
        await store.db.execute(f"DELETE FROM scores WHERE assignment_id IN ({','.join(map(str, aids))})")
        for aid in rng.sample(aids, rng.randrange(len(aids))):
            if rng.random() < 0.2:
                assert await store.sheets.recuse(who, sheet.id, aid, "conflict")
            else:
                assert await store.sheets.set_value(who, sheet.id, aid, 60.0)
        tapped = rng.choice(aids)
        _, before = await store.sheets.walk(sheet.id)
        base = next(i.version for i in before if i.assignment_id == tapped)
        tap = await store.sheets.score_tap(who, Tap(sheet.id, tapped, 88.5, base))
        assert tap.stored
        full, items = await store.sheets.walk(sheet.id)
        assert tap.next.sheet == full, trial
        current = next(i for i in items if i.assignment_id == tapped)
        expected = next_open(items, current.position)
        if expected is None:
            assert tap.next == ReviewNext(full, items)
        else:
            assert isinstance(tap.next, ItemNext) and tap.next.item == expected, trial
            assert tap.next.pos == items.index(expected) + 1
    assert await store.db.fetchone(
        "SELECT COUNT(*) FROM audit WHERE action = 'score' AND new LIKE '%88.5%'") == (40,)
