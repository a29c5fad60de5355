"""The rater's walk: one message, edited in place, one tap per score.

Order of every tap: commit to the store, then answer the callback, then edit
the card. Nothing is kept in memory between taps; the next card is derived
from what is stored.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import NamedTuple

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import Act, Home, Walk
from handlers.cards import (
    COMMENT_MAX,
    Card,
    confirm_card,
    from_hundredths,
    group_names,
    home_card,
    list_card,
    next_open,
    prompt_card,
    receipt_text,
    review_card,
    role_names,
    score_card,
    score_card_at,
    second_look_card,
)
from handlers.clock import Clock, local_time
from handlers.events import sheet_submitted
from handlers.identity import Me, Member
from handlers.materials_card import card_extra, home_extra
from handlers.notices import Outbox
from handlers.proxy import tell_leaders
from handlers.replies import ack, card_of, edited, show_text
from scoring.campaign import format_value
from scoring.values import BadScore, parse_score
from storage.sheets import Item, ReviewNext, SheetInfo, Tap, Writer
from storage.store import Store
from texts import h, name_in, t

log = logging.getLogger(__name__)


class Prompt(StatesGroup):
    value = State()
    comment = State()
    reason = State()


# -- showing cards ------------------------------------------------------------------


async def show(
    target: CallbackQuery | Message, card: Card, bot: Bot | None = None, message_id: int | None = None
) -> None:
    """Edit the card in place; send it only when there is nothing to edit. `target`: the tap on the card, or
    the typed answer to the card `message_id` (edited through `bot`)."""
    if isinstance(target, CallbackQuery):
        await show_text(target, card.text, reply_markup=card.markup)
        return
    if bot is not None and message_id is not None and await edited(
        bot.edit_message_text(card.text, chat_id=target.chat.id, message_id=message_id, reply_markup=card.markup)
    ):
        return
    await target.answer(card.text, reply_markup=card.markup)


async def home(store: Store, me: Member, now: datetime) -> Card:
    """Every sheet of every role of this account; the title names each role it holds."""
    campaign = me.campaign
    proxies = {key: await store.sheets.for_rater(me.stored.id, key) for key in me.proxy_for}
    names = [name_in(me.lang, campaign.rater(key).name, campaign.rater(key).name_en) for key in me.raters]
    if me.staff is not None:  # a rater who is also staff (an admin who scores, a collector who is a leader)
        roles = role_names(me.lang, me.roles)
        staff = name_in(me.lang, me.staff.name, me.staff.name_en)
        names.append(f"{staff}（{roles}）" if me.lang == "zh" else f"{staff} ({roles})")
    who = " · ".join(names)
    extra = await home_extra(store, me)
    imported = await store.sheets.imported(me.stored.id, (*me.raters, *me.proxy_for))
    if len(me.raters) > 1:  # several rater roles: one heading each
        roles_sheets = {key: await store.sheets.for_rater(me.stored.id, key) for key in me.raters}
        return home_card(campaign, me.lang, who, [], now, proxies, roles_sheets, extra=extra, imported=imported)
    sheets = await store.sheets.for_rater(me.stored.id, me.rater) if me.rater else []
    return home_card(campaign, me.lang, who, sheets, now, proxies, extra=extra, imported=imported)


async def walk_card(
    store: Store, me: Member, sheet: SheetInfo, items: list[Item], item: Item | None, note: str | None = None,
) -> Card:
    if item is None:
        return review_card(me.campaign, me.lang, sheet, items, 0)
    return score_card(me.campaign, me.lang, sheet, items, item, note=note, proxy_name=_proxy_name(me, sheet),
                      extra=await card_extra(store, me, sheet, item))


def _proxy_name(me: Member, sheet: SheetInfo) -> str | None:
    """Whom a collector enters for, when the sheet is not the user's own."""
    if sheet.rater in me.raters:
        return None
    rater = me.campaign.rater(sheet.rater)
    return name_in(me.lang, rater.name, rater.name_en)


class Opened(NamedTuple):
    """A sheet this user may see, with `me` known to be a member of its campaign."""

    me: Member
    sheet: SheetInfo
    items: list[Item]


async def load_sheet(store: Store, me: Me, sheet_id: int) -> Opened | None:
    """The sheet if this user may see it: their own, or one they collect for, in their campaign."""
    if not isinstance(me, Member):
        return None
    found = await store.sheets.walk(sheet_id)
    if found is None:
        return None
    sheet, items = found
    if sheet.campaign_id != me.stored.id or not me.writer().may_write(sheet.rater):
        return None
    return Opened(me, sheet, items)


async def sheet_or_refuse(query: CallbackQuery, store: Store, me: Me, sheet_id: int) -> Opened | None:
    """The sheet behind a tap, or a short refusal when the tap is not this user's to make."""
    found = await load_sheet(store, me, sheet_id)
    if found is None:
        await ack(query, t(me.lang, "ack.invalid"))
    return found


async def shown_sheet(query: CallbackQuery, store: Store, me: Me, sheet_id: int) -> Opened | None:
    """The sheet behind a tap that only shows it: the tap refused, or answered at once (the card follows)."""
    found = await sheet_or_refuse(query, store, me, sheet_id)
    if found is not None:
        await ack(query)
    return found


def find(items: list[Item], assignment_id: int) -> Item | None:
    return next((i for i in items if i.assignment_id == assignment_id), None)


# -- callbacks ---------------------------------------------------------------------------


async def on_home(query: CallbackQuery, store: Store, me: Me, clock: Clock, state: FSMContext,
                  outbox: Outbox | None = None) -> None:
    await state.clear()
    if not isinstance(me, Member):
        await ack(query, t(me.lang, "stale"))
        return
    await ack(query)
    await show(query, await home(store, me, clock()))
    if me.proxy_for:  # a collector leaves a leader's sheet: the leader hears of the batch once
        await tell_leaders(store, me, [s for key in me.proxy_for for s in await store.sheets.for_rater(
            me.stored.id, key)], outbox)


async def on_score(query: CallbackQuery, callback_data: Walk, store: Store, me: Me) -> None:
    """The hot path: the checked write and what the next card needs in one call to the store (one round
    trip), committed before the tap is answered; then the card."""
    if not isinstance(me, Member):
        await ack(query, t(me.lang, "ack.invalid"))
        return
    value = from_hundredths(callback_data.arg)
    # off the scale (a forged button): nobody may write it; the store refuses it like any other
    who = me.writer() if me.campaign.on_scale(value) else Writer(me.stored.id)
    tap = await store.sheets.score_tap(who, Tap(callback_data.sheet, callback_data.item, value, callback_data.base))
    _log_score(callback_data, value, me, tap.outcome == "stored")
    shows = tap.next
    if shows is None:  # refused
        await ack(query, t(me.lang, "ack.invalid"))
        return
    if tap.outcome == "locked":
        await ack(query, t(me.lang, "ack.locked"), show_alert=True)
    elif tap.outcome == "outdated":  # a card from before a campaign reload: say so, show the sheet as it is
        await ack(query, t(me.lang, "ack.outdated"), show_alert=True)
    elif tap.outcome == "stale":  # changed since this card was drawn: show what is stored, ask again
        await ack(query, t(me.lang, "ack.stale"), show_alert=True)
    else:
        await ack(query, t(me.lang, "ack.saved", value=format_value(value)))
    if isinstance(shows, ReviewNext):  # locked, or every department is scored
        await show(query, review_card(me.campaign, me.lang, shows.sheet, shows.items, 0))
        return
    sheet, item = shows.sheet, shows.item
    note = t(me.lang, "card.changed_since", value=_shown(me, item)) if tap.outcome == "stale" else None
    extra = await card_extra(store, me, sheet, item)
    await show(query, score_card_at(me.campaign, me.lang, sheet, item, shows.pos, note=note,
                                    proxy_name=_proxy_name(me, sheet), extra=extra))


def _shown(me: Me, item: Item) -> str:
    """A stored value as a person reads it: the number, or that it is a recusal."""
    if item.recused:
        return t(me.lang, "review.recused")
    return format_value(item.value) if item.value is not None else t(me.lang, "review.missing")


def _log_score(data: Walk, value: float, me: Me, stored: bool) -> None:
    if stored:
        log.info("score stored: sheet %s assignment %s value %s by tg:%s", data.sheet, data.item, value,
                 me.telegram_id)


async def on_move(query: CallbackQuery, callback_data: Walk, store: Store, me: Me, state: FSMContext) -> None:
    await state.clear()
    found = await shown_sheet(query, store, me, callback_data.sheet)
    if found is None:
        return
    me, sheet, items = found
    if not sheet.is_open:
        await show(query, review_card(me.campaign, me.lang, sheet, items, 0))
        return
    current = find(items, callback_data.item)
    act = callback_data.act
    if act == Act.OPEN or current is None:
        target = next_open(items, None) or items[0]
    elif act in (Act.GOTO, Act.CANCEL):
        target = current
    else:
        index = items.index(current) + (-1 if act == Act.BACK else 1)
        target = items[index % len(items)]
    await show(query, await walk_card(store, me, sheet, items, target))


async def on_list(query: CallbackQuery, callback_data: Walk, store: Store, me: Me) -> None:
    found = await shown_sheet(query, store, me, callback_data.sheet)
    if found is None:
        return
    me, sheet, items = found
    await show(query, list_card(me.campaign, me.lang, sheet, items, callback_data.arg))


async def on_review(query: CallbackQuery, callback_data: Walk, store: Store, me: Me, state: FSMContext,
                    outbox: Outbox | None = None) -> None:
    await state.clear()
    found = await shown_sheet(query, store, me, callback_data.sheet)
    if found is None:
        return
    me, sheet, items = found
    await show(query, review_card(me.campaign, me.lang, sheet, items, callback_data.arg))
    await tell_leaders(store, me, [sheet], outbox)


async def on_undo(query: CallbackQuery, callback_data: Walk, store: Store, me: Me) -> None:
    """Undo names the change it reverts (`arg`): delivered twice, or tapped on an old card, it changes
    nothing more."""
    found = await load_sheet(store, me, callback_data.sheet)
    if found is None or not found.sheet.is_open:
        await ack(query, t(me.lang, "ack.locked" if found else "ack.invalid"))
        return
    me = found.me
    actor = me.writer().actor_for(found.sheet.rater)
    result = await store.sheets.undo(callback_data.sheet, callback_data.arg, actor=actor)
    key = {"undone": "ack.undone", "already": "ack.undone", "stale": "ack.stale"}.get(
        result.outcome, "ack.nothing_to_undo")
    await ack(query, t(me.lang, key))
    after = await load_sheet(store, me, callback_data.sheet)
    if after is None:  # gone since (a campaign reloaded meanwhile)
        return
    sheet, items = after.sheet, after.items
    current = find(items, result.assignment_id) if result.assignment_id else find(items, callback_data.item)
    await show(query, await walk_card(store, me, sheet, items, current or next_open(items, None)))


async def on_submit(query: CallbackQuery, callback_data: Walk, store: Store, me: Me) -> None:
    found = await sheet_or_refuse(query, store, me, callback_data.sheet)
    if found is None:
        return
    me, sheet, _items = found
    if not sheet.is_open:
        await ack(query, t(me.lang, "ack.locked"))
        return
    if sheet.missing:
        await ack(query, t(me.lang, "ack.incomplete", n=sheet.missing), show_alert=True)
        return
    await ack(query)
    await show(query, confirm_card(me.campaign, me.lang, sheet))


async def on_confirm(query: CallbackQuery, callback_data: Walk, store: Store, me: Me, bot: Bot,
                     outbox: Outbox | None = None) -> None:
    """Lock the sheet; the card becomes the locked review and the receipt is a message of its own, kept in
    the chat. Delivered twice, the second finds the sheet submitted and sends no second receipt."""
    found = await sheet_or_refuse(query, store, me, callback_data.sheet)
    if found is None:
        return
    me, sheet, _ = found
    actor = me.writer().actor_for(sheet.rater)
    receipt = await store.sheets.submit(sheet.id, actor=actor)
    again = await sheet_or_refuse(query, store, me, sheet.id)
    if again is None:  # gone since (a campaign reloaded meanwhile)
        return
    fresh, items = again.sheet, again.items
    if receipt is None:
        reason = "ack.locked" if not fresh.is_open else "ack.incomplete"
        await ack(query, t(me.lang, reason, n=fresh.missing), show_alert=True)
        if not fresh.is_open:
            await show(query, review_card(me.campaign, me.lang, fresh, items, 0))
        return
    await ack(query)
    await show(query, review_card(me.campaign, me.lang, fresh, items, 0))
    when = local_time(receipt.submitted_at, me.campaign.timezone)
    await bot.send_message(query.from_user.id, receipt_text(me.campaign, me.lang, sheet, receipt.count, when,
                                                            receipt.digest))
    log.info("sheet %s submitted by %s: %s entries, digest %s", sheet.id, actor, receipt.count, receipt.digest[:12])
    await sheet_submitted(store, me, sheet, receipt.count, outbox)
    await tell_leaders(store, me, [sheet], outbox)


async def on_receipts(message: Message, store: Store, me: Me) -> None:
    """/receipts: every submitted sheet of this account's roles, with its digest and local time."""
    if not isinstance(me, Member) or not (me.raters or me.proxy_for):
        await message.answer(t(me.lang, "receipts.none"))
        return
    lines = []
    for rater in (*me.raters, *me.proxy_for):
        for sheet in await store.sheets.for_rater(me.stored.id, rater):
            if sheet.state != "submitted" or not sheet.digest or not sheet.submitted_at:
                continue
            part, group = group_names(me.campaign, sheet.group, me.lang)
            who = "" if rater in me.raters else _proxy_name(me, sheet) or ""
            lines.append(t(me.lang, "receipts.line", part=h(part), group=h(group), who=h(who), n=sheet.total,
                           time=local_time(sheet.submitted_at, me.campaign.timezone), digest=sheet.digest))
    if not lines:
        await message.answer(t(me.lang, "receipts.none"))
        return
    await message.answer("\n\n".join([t(me.lang, "receipts.title"), *lines])[:4096])


# -- typed prompts ---------------------------------------------------------------------


async def on_prompt(query: CallbackQuery, callback_data: Walk, store: Store, me: Me, state: FSMContext) -> None:
    found = await load_sheet(store, me, callback_data.sheet)
    item = find(found.items, callback_data.item) if found else None
    if found is None or item is None or not found.sheet.is_open:
        await ack(query, t(me.lang, "ack.locked" if found else "ack.invalid"))
        return
    me, sheet, items = found
    scale = me.campaign.scale
    prompts = {
        Act.OTHER: (Prompt.value, t(me.lang, "card.prompt_value", min=f"{scale.min:g}", max=f"{scale.max:g}",
                                    decimals=scale.decimals)),
        Act.COMMENT: (Prompt.comment, t(me.lang, "card.prompt_comment", max=COMMENT_MAX)),
        Act.RECUSE: (Prompt.reason, t(me.lang, "card.prompt_reason")),
    }
    new_state, prompt = prompts[callback_data.act]
    await state.set_state(new_state)
    card_message = card_of(query)  # a typed answer edits this card; when it is gone, the next card is sent
    await state.update_data(sheet=sheet.id, item=item.assignment_id,
                            message=card_message.message_id if card_message else None, base=item.version)
    await ack(query)
    card = await walk_card(store, me, sheet, items, item)
    await show(query, prompt_card(card, prompt, me.lang, sheet.id, item.assignment_id))


async def on_typed(message: Message, text: str, store: Store, me: Me, state: FSMContext, bot: Bot) -> None:
    """`text`: the message's text (the filter lets only text through)."""
    data = await state.get_data()
    current = await state.get_state()
    sheet_id, aid, card_id = data["sheet"], data["item"], data["message"]
    found = await load_sheet(store, me, sheet_id)
    if found is None or find(found.items, aid) is None:
        await state.clear()
        return
    me = found.me
    text = text.strip()
    who = me.writer()
    note = None
    if current == Prompt.value.state:
        try:
            value = parse_score(text, me.campaign.scale)
        except BadScore as exc:
            note = t(me.lang, f"value.{exc.reason}", text=h(exc.text[:40]))
        else:
            sheet, items = found.sheet, found.items
            item = find(items, aid)
            unusual = second_look(items, aid, value)
            if unusual is not None and item is not None:  # ask once before storing: one tap to confirm
                await state.clear()
                await _tidy(message)
                note = t(me.lang, f"second_look.{unusual[0]}", value=format_value(value), mean=unusual[1])
                drawn = await walk_card(store, me, sheet, items, item)
                card = second_look_card(drawn, note, me.lang, sheet_id, item, value)
                await show(message, card, bot, card_id)
                return
            ok = await store.sheets.set_value(who, sheet_id, aid, value, base=data.get("base"))
            if not ok and sheet.is_open and item is not None:  # changed on another device since the prompt
                await state.clear()
                await _tidy(message)
                fresh = await load_sheet(store, me, sheet_id)
                if fresh is None:  # gone since (a campaign reloaded meanwhile)
                    return
                now = find(fresh.items, aid) or item
                note = t(me.lang, "card.changed_since", value=_shown(me, now))
                await show(message, await walk_card(store, me, fresh.sheet, fresh.items, now, note=note), bot,
                           card_id)
                return
    elif current == Prompt.comment.state:
        if len(text) > COMMENT_MAX:
            note = t(me.lang, "card.comment_too_long", n=len(text), max=COMMENT_MAX)
        else:
            ok = await store.sheets.comment(who, sheet_id, aid, text)
    else:
        ok = await store.sheets.recuse(who, sheet_id, aid, text[:COMMENT_MAX])
    await _tidy(message)
    after = await load_sheet(store, me, sheet_id)
    if after is None:  # gone since (a campaign reloaded meanwhile)
        await state.clear()
        return
    sheet, items = after.sheet, after.items
    item = find(items, aid)
    if note is not None:  # stay in the prompt: the card says what was wrong
        scale = me.campaign.scale
        prompt = t(me.lang, "card.prompt_value", min=f"{scale.min:g}", max=f"{scale.max:g}", decimals=scale.decimals)
        if current == Prompt.comment.state:
            prompt = t(me.lang, "card.prompt_comment", max=COMMENT_MAX)
        drawn = await walk_card(store, me, sheet, items, item)
        card = prompt_card(drawn, f"{note}\n{prompt}", me.lang, sheet_id, aid)
        await show(message, card, bot, card_id)
        return
    await state.clear()
    if not ok:
        await show(message, review_card(me.campaign, me.lang, sheet, items, 0), bot, card_id)
        return
    advance = current != Prompt.comment.state
    target = next_open(items, item.position) if advance and item is not None else item
    await show(message, await walk_card(store, me, sheet, items, target), bot, card_id)


# A typed value this far from the rater's own mean on the sheet, or 0, is asked about once (a typo such as
# 9 for 90 is the usual cause); the rater's mean needs a few values to mean anything.
SECOND_LOOK_POINTS = 30
SECOND_LOOK_MIN_VALUES = 3


def second_look(items: list[Item], aid: int, value: float) -> tuple[str, str] | None:
    """('zero' | 'far', the rater's mean as shown) when a typed value deserves a second look."""
    others = [i.value for i in items if i.assignment_id != aid and i.value is not None]
    mean = sum(others) / len(others) if others else None
    shown = format_value(round(mean, 1)) if mean is not None else ""
    if value == 0:
        return "zero", shown
    if mean is not None and len(others) >= SECOND_LOOK_MIN_VALUES and abs(value - mean) > SECOND_LOOK_POINTS:
        return "far", shown
    return None


async def _tidy(message: Message) -> None:
    """Remove the typed answer so the chat keeps one scoring message."""
    with contextlib.suppress(TelegramBadRequest):
        await message.delete()


def build_router() -> Router:
    """A fresh router per dispatcher: no module-level state shared between tests."""
    router = Router(name="walk")
    router.callback_query.register(on_home, Home.filter())
    router.callback_query.register(on_score, Walk.filter(F.act == Act.SCORE))
    moves = {Act.OPEN, Act.BACK, Act.SKIP, Act.GOTO, Act.CANCEL}
    router.callback_query.register(on_move, Walk.filter(F.act.in_(moves)))
    router.callback_query.register(on_list, Walk.filter(F.act == Act.LIST))
    router.callback_query.register(on_review, Walk.filter(F.act == Act.REVIEW))
    router.callback_query.register(on_undo, Walk.filter(F.act == Act.UNDO))
    router.callback_query.register(on_submit, Walk.filter(F.act == Act.SUBMIT))
    router.callback_query.register(on_confirm, Walk.filter(F.act == Act.CONFIRM))
    router.message.register(on_receipts, Command("receipts"))
    prompts = {Act.OTHER, Act.COMMENT, Act.RECUSE}
    router.callback_query.register(on_prompt, Walk.filter(F.act.in_(prompts)))
    router.message.register(on_typed, StateFilter(Prompt.value, Prompt.comment, Prompt.reason), F.text.as_("text"))
    return router
