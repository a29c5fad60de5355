"""What happens around a submitted sheet: the approver is asked, a proxied leader is told."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup

from handlers.cards import approval_card, group_names
from handlers.identity import Me
from handlers.texts import h, name_in, pick_lang, t
from scoring.campaign import Role
from storage.sheets import SheetInfo
from storage.store import Store

log = logging.getLogger(__name__)


async def sheet_submitted(bot: Bot, store: Store, me: Me, sheet: SheetInfo, count: int) -> None:
    campaign = me.campaign
    contacts = await store.people.contacts(me.stored.id)
    if sheet.rater != me.rater:  # a collector submitted on a leader's behalf
        contact = contacts.get(("rater", sheet.rater))
        if contact:
            lang = pick_lang(contact[1], None, campaign.default_lang)
            _, group = group_names(campaign, sheet.group, lang)
            collector = name_in(lang, me.staff.name, me.staff.name_en) if me.staff else ""
            await notify(bot, store, contact[0], t(lang, "proxy.submitted", collector=h(collector),
                                                   group=h(group), n=count))
    if campaign.group(sheet.group).requires_approval:
        fresh = await store.sheets.walk(sheet.id)
        if fresh is None:
            return
        approvers = [s for s in campaign.staff if Role.APPROVER in s.roles and sheet.group in s.approves]
        for approver in approvers:
            contact = contacts.get(("staff", approver.key))
            if contact is None:
                continue
            lang = pick_lang(contact[1], None, campaign.default_lang)
            card = approval_card(campaign, lang, fresh[0], fresh[1])
            await notify(bot, store, contact[0], card.text, card.markup)


async def notify(bot: Bot, store: Store, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A notice must never undo the submit that caused it: failures are logged, not raised."""
    try:
        await bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramAPIError as exc:
        log.warning("notice to %s failed: %s", chat_id, exc)
        if "blocked" in str(exc):
            await store.people.mark_unreachable(chat_id)
