"""Notices from the outbox, rendered in the recipient's language, and the hook that delivers them soon.

A notice is a text key with its values (keys of the campaign become names in the reader's language);
a few carry buttons: a returned or reopened sheet (`sheet`: one tap to continue), a proxy batch (the
leader's answer), and the approval request (`APPROVAL_REQUEST`, `approve`: the approver's card, drawn
from the sheet as it is when the notice goes out)."""

from __future__ import annotations

from typing import Any, Protocol

from aiogram.types import InlineKeyboardMarkup

from handlers.cards import approval_card, proxy_check_markup, reopened_markup
from scoring.campaign import Campaign
from storage.outbox import Notice
from storage.store import Store
from texts import h, name_in, t

APPROVAL_REQUEST = "approval.title"  # args: approve=sheet id; the whole approval card


class Outbox(Protocol):
    """What the composition root provides (bot.outbox.OutboxDelivery): deliver queued notices soon."""

    def kick(self) -> None: ...


def kick(outbox: Outbox | None) -> None:
    if outbox is not None:
        outbox.kick()


def _localised(campaign: Campaign, lang: str, name: str, value: Any) -> object:
    """Keys become names in the reader's language; numbers stay numbers (plurals); everything else is
    shown as text, escaped."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if name == "group" and isinstance(value, str) and value in {g.key for _, g in campaign.groups()}:
        group = campaign.group(value)
        return h(name_in(lang, group.name, group.name_en))
    if name == "dept" and isinstance(value, str) and value in {d.key for d in campaign.departments}:
        dept = campaign.department(value)
        return h(name_in(lang, dept.name, dept.name_en))
    if name == "rater" and isinstance(value, str) and value in {r.key for r in campaign.raters}:
        rater = campaign.rater(value)
        return h(name_in(lang, rater.name, rater.name_en))
    staff = next((s for s in campaign.staff if s.key == value), None) if name == "collector" else None
    if staff is not None:
        return h(name_in(lang, staff.name, staff.name_en))
    return h(value)


def render_notice(campaign: Campaign, lang: str, notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    values = {k: _localised(campaign, lang, k, v) for k, v in notice.args.items()
              if k not in ("sheet", "proxy_sheet", "upto")}
    markup = None
    if isinstance(notice.args.get("sheet"), int):  # a sheet came back to its rater: one tap to continue
        markup = reopened_markup(lang, notice.args["sheet"])
    if notice.text_key == "proxy.batch":
        markup = proxy_check_markup(lang, int(notice.args["proxy_sheet"]), int(notice.args["upto"]))
    return t(lang, notice.text_key, **values), markup


async def render(store: Store, campaign: Campaign, lang: str, notice: Notice
                 ) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The notice as it goes out; None when there is nothing left to say (the sheet of an approval
    request is gone)."""
    if notice.text_key == APPROVAL_REQUEST:
        found = await store.sheets.walk(int(notice.args["approve"]))
        if found is None or found.sheet.campaign_id != notice.campaign_id:
            return None
        card = approval_card(campaign, lang, found.sheet, found.items)
        return card.text, card.markup
    return render_notice(campaign, lang, notice)
