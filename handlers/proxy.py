"""A leader answers the scores their office entered for them: all correct, or a change is needed."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from handlers.callbacks import ProxyCheck
from handlers.identity import Me, Member
from handlers.notices import Outbox, kick
from handlers.replies import ack, show_text
from services import proxy
from storage.sheets import SheetInfo
from storage.store import Store
from texts import h, name_in, t


def collector_of(me: Member, sheet: SheetInfo) -> str | None:
    """The staff member who collects for this sheet's rater (the campaign names one per leader)."""
    return next((s.key for s in me.campaign.staff if sheet.rater in s.collects_for), None)


async def tell_leaders(store: Store, me: Member, sheets: list[SheetInfo], outbox: Outbox | None) -> None:
    """After a collector's batch (they go home, review or submit): one notice per leader's sheet."""
    if me.staff is None:
        return
    told = [await proxy.tell_leader(store, me.stored, s, me.staff.key) for s in sheets if s.rater in me.proxy_for]
    if any(told):
        kick(outbox)


async def on_proxy_check(query: CallbackQuery, callback_data: ProxyCheck, store: Store, me: Me,
                         outbox: Outbox | None = None) -> None:
    if not isinstance(me, Member):
        await ack(query, t(me.lang, "ack.invalid"))
        return
    sheet = await store.sheets.get(callback_data.sheet)
    if sheet is None or sheet.campaign_id != me.stored.id or sheet.rater not in me.raters:
        await ack(query, t(me.lang, "ack.invalid"))
        return
    collector = collector_of(me, sheet)
    staff = next((s for s in me.campaign.staff if s.key == collector), None)
    name = h(name_in(me.lang, staff.name, staff.name_en)) if staff else ""
    await proxy.answer(store, me.stored, sheet, callback_data.upto, callback_data.ok, collector or "",
                       actor=f"rater:{sheet.rater}")
    await ack(query)
    await show_text(query, t(me.lang, "proxy.confirmed" if callback_data.ok else "proxy.change_sent",
                             collector=name))
    kick(outbox)


def build_router() -> Router:
    router = Router(name="proxy")
    router.callback_query.register(on_proxy_check, ProxyCheck.filter())
    return router
