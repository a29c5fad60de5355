"""Approvals, reopen, adjustments, uploads, proxy entry and refusals, through the production dispatcher."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from scoring.campaign import Campaign
from storage.reporting import score_rows
from storage.store import Store
from tests.conftest import seat
from tests.texts.shapes import shape, shows
from texts import t

ADMIN, APPROVER, COLLECTOR, LEAD, MAYOR = 601, 602, 603, 604, 605



async def sheet_of(store: Store, campaign: Campaign, rater: str, group: str):
    stored = await store.campaigns.get(campaign.key)
    sheet = await store.sheets.find(stored.id, rater, group)
    return await store.sheets.walk(sheet.id)


async def fill_and_submit(chatter, user_id: int, label: str | re.Pattern[str], count: int, value: str = "90") -> None:
    await chatter.fill(user_id, label, count, value)
    await chatter.press(user_id, chatter.button(t("zh", "btn.submit")))
    await chatter.press(user_id, chatter.button(t("zh", "btn.confirm_submit")))


def sent_to(chatter, user_id: int) -> list[str]:
    return [c.params["text"] for c in chatter.session.of("SendMessage") if c.params["chat_id"] == user_id]


@pytest.fixture
async def team(chatter, store, small):
    return await seat(chatter, store, small, ("staff", "admin", ADMIN), ("staff", "approver_kw", APPROVER),
                      ("staff", "col_zf", COLLECTOR), ("rater", "kwl_econ", LEAD), ("rater", "ld_sz", MAYOR))


async def test_approval_round_trip_approve(chatter, store, team):
    _, items = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    await chatter.send(LEAD, "/start")
    await fill_and_submit(chatter, LEAD, shape("zh", "btn.continue"), len(items))
    summary = sent_to(chatter, APPROVER)[-1]
    assert shows(summary, "zh", "approval.title", n=len(items)) and "经济口重点工作牵头领导" in summary
    await chatter.press(APPROVER, chatter.button(t("zh", "btn.approve")))
    sheet, _ = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    assert sheet.approval == "approved"


async def test_approval_round_trip_return_reopens_for_the_rater(chatter, store, team):
    _, items = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    await chatter.send(LEAD, "/start")
    await fill_and_submit(chatter, LEAD, shape("zh", "btn.continue"), len(items))
    await chatter.press(APPROVER, chatter.button(t("zh", "btn.return")))
    await chatter.send(APPROVER, "请补充评语后再提交")
    sheet, _ = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    assert sheet.state == "reopened" and sheet.approval == "returned"
    told = sent_to(chatter, LEAD)[-1]
    assert "请补充评语后再提交" in told
    # the rater continues from the notice, changes a score and submits again
    await chatter.press(LEAD, chatter.button(t("zh", "btn.resume")))
    assert shows(chatter.last_text(), "zh", "card.reopened", reason="请补充评语后再提交")
    await chatter.press(LEAD, chatter.button("80"))  # every department scored: the review follows
    await chatter.press(LEAD, chatter.button(t("zh", "btn.submit")))
    await chatter.press(LEAD, chatter.button(t("zh", "btn.confirm_submit")))
    sheet, _ = await sheet_of(store, team, "kwl_econ", "key_work_leads")
    assert sheet.state == "submitted" and sheet.approval is None  # waiting for a fresh approval


async def test_reopen_round_trip(chatter, store, team):
    _, items = await sheet_of(store, team, "ld_sz", "leaders")
    await chatter.send(MAYOR, "/start")
    await fill_and_submit(chatter, MAYOR, shape("zh", "btn.continue"), len(items))
    await chatter.send(ADMIN, "/reopen")
    await chatter.press(ADMIN, chatter.button("市长"))
    await chatter.send(ADMIN, "分数录入有误，请核对")
    sheet, _ = await sheet_of(store, team, "ld_sz", "leaders")
    assert sheet.state == "reopened" and sheet.reopen_reason == "分数录入有误，请核对"
    assert "分数录入有误，请核对" in sent_to(chatter, MAYOR)[-1]
    stored = await store.campaigns.get(team.key)
    actions = [a[2] for a in await store.results.audit_log(stored.id)]
    assert "reopen" in actions


async def test_adjust_needs_confirmation(chatter, store, team):
    stored = await store.campaigns.get(team.key)
    await chatter.send(ADMIN, "/adjust fgw +2 获国家级表彰")
    assert shows(chatter.last_text(), "zh", "adjust.confirm", reason="获国家级表彰")
    assert await store.adjustments.register(stored.id) == []
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.confirm")))
    (adj,) = await store.adjustments.register(stored.id)
    assert (adj.department, adj.points, adj.reason, adj.by) == ("fgw", 2.0, "获国家级表彰", "staff:admin")
    await chatter.send(ADMIN, "/adjust fgw -1 迟报材料")
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.cancel")))
    assert len(await store.adjustments.register(stored.id)) == 1
    await chatter.send(ADMIN, "/adjust nosuch 2 x")
    assert chatter.last_text() == t("zh", "adjust.unknown_dept", dept="nosuch")


async def test_upload_scores_all_or_nothing(chatter, store, team, monkeypatch):
    stored = await store.campaigns.get(team.key)
    bad = "rater,group,department,score\nc_fgw,sector_peers,czj,88\nc_fgw,sector_peers,fgw,90\nnobody,leaders,fgw,80\n"
    await upload(chatter, monkeypatch, ADMIN, "scores.csv", bad.encode())
    reply = chatter.last_text()
    assert shows(reply, "zh", "import.rejected", name="scores.csv", n=2)
    assert "scores.csv:3" in reply and "scores.csv:4" in reply
    assert await score_rows(store, stored) == []
    good = "rater,group,department,score,comment\nc_fgw,sector_peers,czj,88,很好\n"
    await upload(chatter, monkeypatch, ADMIN, "scores.csv", good.encode())
    assert await score_rows(store, stored) == []  # a preview first
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.import")))
    assert shows(chatter.last_text(), "zh", "import.scores_done", name="scores.csv", n=1)
    assert [r.value for r in await score_rows(store, stored)] == [88.0]


async def test_upload_external_results_xlsx(chatter, store, team, monkeypatch):
    external = [d.key for d in team.departments if team.is_external(d.profile)]
    book = openpyxl.Workbook()
    book.active.append(["department", "score"])
    for n, key in enumerate(external):
        book.active.append([key, 90 + n])
    data = io.BytesIO()
    book.save(data)
    await upload(chatter, monkeypatch, ADMIN, "external.xlsx", data.getvalue())
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.import")))
    stored = await store.campaigns.get(team.key)
    assert await store.results.external(stored.id) == {k: 90.0 + n for n, k in enumerate(external)}


async def test_collector_enters_for_a_leader_marked_proxy_and_the_leader_is_told(chatter, store, team):
    _, items = await sheet_of(store, team, "ld_sz", "leaders")
    await chatter.send(COLLECTOR, "/start")
    assert shows(chatter.last_text(), "zh", "home.proxy_title")
    await fill_and_submit(chatter, COLLECTOR, shape("zh", "btn.proxy", name="市长"), len(items), value="85")
    stored = await store.campaigns.get(team.key)
    rows = await store.db.fetchall(
        "SELECT s.source, s.entered_by FROM scores s JOIN assignments a ON a.id = s.assignment_id"
        " WHERE a.rater = 'ld_sz' AND a.campaign_id = ?", (stored.id,))
    assert set(rows) == {("proxy", "staff:col_zf")}
    assert any(shows(text, "zh", "proxy.submitted", n=len(items)) for text in sent_to(chatter, MAYOR))


async def test_collector_cannot_touch_other_leaders(chatter, store, team):
    from handlers.callbacks import Act, Walk

    other = next(r for r in team.raters if r.key not in ("ld_sz", "ld_cw"))
    group = other.memberships()[0].group
    sheet, items = await sheet_of(store, team, other.key, group)
    await chatter.press(COLLECTOR, Walk(act=Act.SCORE, sheet=sheet.id, item=items[0].assignment_id,
                                        arg=9000).pack())
    _, items = await sheet_of(store, team, other.key, group)
    assert items[0].value is None


@pytest.mark.parametrize("command", ["/adjust fgw 2 x", "/reopen", "/approve"])
async def test_a_rater_trying_staff_commands_learns_nothing(chatter, store, team, command):
    await chatter.send(MAYOR, command)
    assert chatter.last_text() == t("zh", "refused")


async def upload(chatter, monkeypatch, user_id: int, name: str, data: bytes) -> None:
    """Send a document; the recording bot 'downloads' these bytes."""
    from datetime import UTC, datetime

    from aiogram.types import Chat, Document, Message, Update

    async def download(file, destination=None, **kwargs):
        destination.write(data)
        return destination

    monkeypatch.setattr(chatter.bot, "download", download)
    message = Message(
        message_id=next(chatter.ids), date=datetime.now(UTC), chat=Chat(id=user_id, type="private"),
        from_user=chatter.user(user_id), document=Document(file_id="f1", file_unique_id="u1", file_name=name,
                                                           file_size=len(data)),
    )
    await chatter.dp.feed_update(chatter.bot, Update(update_id=next(chatter.ids), message=message))


async def test_remind_now_reaches_only_the_laggards_after_confirmation(chatter, store, team):
    _, items = await sheet_of(store, team, "ld_sz", "leaders")
    await chatter.send(MAYOR, "/start")
    await fill_and_submit(chatter, MAYOR, shape("zh", "btn.continue"), len(items))  # the mayor is done
    chatter.session.clear()
    await chatter.send(ADMIN, "/remind")
    await chatter.press(ADMIN, chatter.button("考评结果报送"))
    assert shows(chatter.last_text(), "zh", "remind_now.confirm")
    assert all(c.params["chat_id"] == ADMIN for c in chatter.session.of("SendMessage"))  # nothing sent yet
    await chatter.press(ADMIN, chatter.button(t("zh", "btn.confirm")))
    reminded = {c.params["chat_id"] for c in chatter.session.of("SendMessage")}
    assert LEAD in reminded and MAYOR not in reminded  # the key-work lead has not finished; the mayor has
    assert shows(chatter.last_text(), "zh", "remind_now.done", sent=1)
    stored = await store.campaigns.get(team.key)
    assert "remind" in [a[2] for a in await store.results.audit_log(stored.id)]
