"""What a sandbox user does in the end-to-end tests: open the bot with a personal invite, tap a button and
wait for the bot's answer. One copy for every test file here (they differ only in what "ready" means)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sandbox import SandboxServer, SimUser
from scoring.campaign import Campaign
from storage.store import Store
from tests.texts.shapes import shows_plain


async def invitation(store: Store, sandbox: SandboxServer, campaign: Campaign, kind: str, key: str,
                     user_id: int) -> tuple[SimUser, str]:
    """A user and the /start text of a fresh invite for (kind, key): nothing sent yet (a bot may not run)."""
    stored = await store.campaigns.get(campaign.key)
    (invite,) = await store.people.issue_invites(stored.id, [(kind, key)], timedelta(days=1))
    return sandbox.user(user_id), f"/start {invite.token}"


async def invited(store: Store, sandbox: SandboxServer, campaign: Campaign, kind: str, key: str, user_id: int,
                  ready: Callable[[SimUser], bool]) -> SimUser:
    """A user who opened the running bot with their invite, once `ready` holds for their chat."""
    user, start = await invitation(store, sandbox, campaign, kind, key, user_id)
    await user.send(start)
    await user.wait_for(ready)
    return user


def offers_a_sheet(user: SimUser) -> bool:
    """Some message in the chat has a button that opens a sheet ("继续 …")."""
    return any(shows_plain(label, "zh", "btn.continue") for m in user.chat() for label in m.labels)


def greeted_with_buttons(user: SimUser) -> bool:
    """The welcome came, then a card with buttons."""
    return len(user.chat()) >= 2 and bool(user.last().labels)


def greeted(user: SimUser) -> bool:
    """The welcome came, and one more message."""
    return len(user.chat()) >= 2


async def tap(user: SimUser, label: str, timeout: float = 5.0) -> None:
    """Press the button `label` and wait until the bot has answered the tap and changed the card."""
    count, before = len(user.answers), user.last().text
    await user.press(label)
    await user.wait_for(lambda u: len(u.answers) > count and u.last().text != before, timeout=timeout)
