"""What the score card of a rater whose group is linked to materials shows of the department:
the informing groups' values (its self-score) and a "📎 材料 (n)" button. Called by handlers/walk.py;
nothing for the other groups (no store access on their cards)."""

from __future__ import annotations

from typing import NamedTuple

from aiogram.types import InlineKeyboardButton

from handlers.callbacks import Mat, MatAct
from handlers.cards import CardExtra
from handlers.identity import Me, Member
from scoring.assignments import owed_by
from scoring.campaign import format_value
from storage.sheets import Item, SheetInfo
from storage.store import Store
from texts import h, name_in, t


class ActingContact(NamedTuple):
    """A department's contact: `me` a member of the campaign, speaking for `department` as rater `rater`."""

    me: Member
    rater: str
    department: str


def contact_of(me: Me) -> ActingContact | None:
    """The contact this account is when it speaks for a department that owes materials."""
    if not isinstance(me, Member) or not me.campaign.materials:
        return None
    for key in me.raters:
        dept = me.campaign.rater(key).department
        if dept and owed_by(me.campaign, dept):
            return ActingContact(me, key, dept)
    return None


async def home_extra(store: Store, me: Member) -> CardExtra | None:
    """A contact's home card: what its department has handed in, and a button to hand in more."""
    found = contact_of(me)
    if found is None:
        return None
    campaign = me.campaign
    files = await store.materials.of_department(me.stored.id, found.department)
    parts = []
    for kind in campaign.materials:
        if kind.key not in owed_by(campaign, found.department):
            continue
        n = sum(1 for f in files if f.kind == kind.key)
        parts.append(t(me.lang, "home.mat_kind", kind=h(name_in(me.lang, kind.name, kind.name_en)), n=n,
                       mark="✅" if n else "⬜"))
    line = t(me.lang, "home.mat", kinds=t(me.lang, "home.mat_sep").join(parts))
    button = InlineKeyboardButton(text=t(me.lang, "btn.mat_hand_in"), callback_data=Mat(act=MatAct.LIST).pack())
    return CardExtra((line,), (button,))


async def card_extra(store: Store, me: Member, sheet: SheetInfo, item: Item) -> CardExtra | None:
    campaign = me.campaign
    kinds = [m.key for m in campaign.materials_for(sheet.group)]
    informing = [g.key for g in campaign.informing(sheet.group)]
    if not kinds and not informing:
        return None
    count, values = await store.materials.card_info(me.stored.id, item.department, kinds, informing)
    lines = []
    for value in values:
        group = campaign.group(value.group)
        name = h(name_in(me.lang, group.name, group.name_en))
        if value.submitted:
            shown = format_value(value.value) if value.value is not None else t(me.lang, "review.recused")
            lines.append(t(me.lang, "card.informing", group=name, value=shown))
        else:
            lines.append(t(me.lang, "card.informing_open", group=name))
    buttons: tuple[InlineKeyboardButton, ...] = ()
    if kinds:
        lines.append(t(me.lang, "card.materials", n=count) if count else t(me.lang, "card.materials_none"))
        if count:
            data = Mat(act=MatAct.VIEW, a=sheet.id, b=item.assignment_id).pack()
            buttons = (InlineKeyboardButton(text=t(me.lang, "btn.mat_view", n=count), callback_data=data),)
    return CardExtra(tuple(lines), buttons)
