"""Invites: random, single-use, stored only as a hash, with an expiry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scoring.campaign import Campaign
from storage.people import Binding, InviteRejected, token_hash
from storage.store import Store


async def issue(store: Store, small: Campaign, people: list[tuple[str, str]], days: int = 30):
    cid = (await store.campaigns.load(small)).campaign_id
    return cid, await store.people.issue_invites(cid, people, timedelta(days=days))


async def test_single_use(store: Store, small: Campaign) -> None:
    cid, invites = await issue(store, small, [("rater", "c_fgw"), ("staff", "admin")])
    rater, admin = invites
    assert rater.token != admin.token and len(rater.token) >= 16
    assert await store.people.redeem(rater.token, 1001) == Binding(cid, "rater", "c_fgw")
    # the same /start delivered twice to the same user is harmless
    assert await store.people.redeem(rater.token, 1001) == Binding(cid, "rater", "c_fgw")
    with pytest.raises(InviteRejected) as info:
        await store.people.redeem(rater.token, 2002)
    assert info.value.reason == "used"
    assert await store.people.telegram_id(cid, "rater", "c_fgw") == 1001
    assert await store.people.redeem(admin.token, 2002) == Binding(cid, "staff", "admin")
    with pytest.raises(InviteRejected) as info:
        await store.people.redeem("not-a-token", 3003)
    assert info.value.reason == "unknown"


async def test_expiry(store: Store, small: Campaign, clock) -> None:
    _, (early, late) = await issue(store, small, [("rater", "c_fgw"), ("rater", "c_czj")], days=2)
    clock.now += timedelta(days=2) - timedelta(seconds=1)
    await store.people.redeem(early.token, 1001)
    clock.now += timedelta(seconds=2)
    with pytest.raises(InviteRejected) as info:
        await store.people.redeem(late.token, 1002)
    assert info.value.reason == "expired"
    assert (await store.people.user(1002)).bindings == ()


async def test_tokens_are_stored_hashed(tmp_path: Path, small: Campaign, clock) -> None:
    path = tmp_path / "kaoping.db"
    store = await Store.open(path, clock)
    try:
        _, invites = await issue(store, small, [("rater", r.key) for r in small.raters])
        await store.people.redeem(invites[0].token, 1001)
        hashes = {h for (h,) in await store.db.fetchall("SELECT token_hash FROM invites")}
    finally:
        await store.close()
    assert hashes == {token_hash(i.token) for i in invites}
    # neither the database nor its WAL holds a token in any form a reader could use
    files = b"".join(f.read_bytes() for f in tmp_path.glob("kaoping.db*"))
    assert files  # the file is really there
    for invite in invites:
        assert invite.token.encode() not in files
        assert invite.token.encode("utf-16-le") not in files
    assert token_hash(invites[0].token).encode() in files
