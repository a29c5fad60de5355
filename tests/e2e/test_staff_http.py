"""Staff end to end over real HTTP: the report's document and photo arrive; approval and reopen round trips."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

from sandbox import SandboxServer, SimUser
from scoring.campaign import Campaign
from storage.store import Store


@pytest.fixture(autouse=True)
async def campaign_loaded(store: Store, small: Campaign) -> None:
    await store.campaigns.load(small)


async def person(store: Store, sandbox: SandboxServer, campaign: Campaign, kind: str, key: str,
                 user_id: int) -> SimUser:
    stored = await store.campaigns.get(campaign.key)
    (invite,) = await store.people.issue_invites(stored.id, [(kind, key)], timedelta(days=1))
    user = sandbox.user(user_id)
    await user.send(f"/start {invite.token}")
    if kind == "rater":  # the welcome, then the home card with its buttons
        await user.wait_for(lambda u: any(label.startswith("继续") for m in u.chat() for label in m.labels))
    else:
        await user.wait_for(lambda u: len(u.chat()) >= 2)
    return user


async def tap(user: SimUser, label: str) -> None:
    count, before = len(user.answers), user.last().text
    await user.press(label)
    await user.wait_for(lambda u: len(u.answers) > count and u.last().text != before)


async def score_and_submit(user: SimUser, sheet_label: str, value: str = "90") -> None:
    await tap(user, sheet_label)
    while "检查" not in (user.last().text or "").splitlines()[0]:
        await tap(user, value)
    await tap(user, "提交")
    await tap(user, "确认提交")


async def test_report_document_and_photo_arrive_for_staff_not_for_raters(store, sandbox, running, small):
    admin = await person(store, sandbox, small, "staff", "admin", 8001)
    mayor = await person(store, sandbox, small, "rater", "ld_sz", 8002)
    await score_and_submit(mayor, next(x for x in mayor.last().labels if x.startswith("继续")))
    await admin.send("/report")
    await admin.wait_for(lambda u: any(m.document for m in u.chat()) and any(m.photo for m in u.chat()),
                         timeout=30)
    document = next(m for m in admin.chat() if m.document)
    book = openpyxl.load_workbook(io.BytesIO(document.document_bytes))
    assert "个人评分" in book.sheetnames  # the admin's file carries individual scores
    photo = next(m for m in admin.chat() if m.photo)
    assert photo.photo_bytes.startswith(b"\x89PNG")
    assert any("暂定" in (m.text or "") for m in admin.chat())  # mid-campaign: provisional
    before = len(mayor.chat())
    await mayor.send("/report")
    await mayor.wait_for(lambda u: len(u.chat()) >= before + 2)
    assert mayor.last().text == "抱歉，您无权使用此功能。"
    assert not any(m.document or m.photo for m in mayor.chat())


async def test_approval_round_trip_over_http(store, sandbox, running, small):
    approver = await person(store, sandbox, small, "staff", "approver_kw", 8011)
    lead = await person(store, sandbox, small, "rater", "kwl_econ", 8012)
    await score_and_submit(lead, next(x for x in lead.last().labels if x.startswith("继续")), "85")
    await approver.wait_for(lambda u: "待审定" in (u.last().text or ""))
    await tap(approver, "退回")
    await approver.send("第二项分数偏高，请复核")
    await lead.wait_for(lambda u: "第二项分数偏高，请复核" in (u.last().text or ""))
    await tap(lead, "继续评分")
    await tap(lead, "◀ 上一个")
    await tap(lead, "80")  # the last department: the review follows
    await tap(lead, "提交")
    await tap(lead, "确认提交")
    await approver.wait_for(lambda u: sum("待审定" in (m.text or "") for m in u.chat()) == 2)
    await tap(approver, "审定通过")
    stored = await store.campaigns.get(small.key)
    sheet = await store.sheets.find(stored.id, "kwl_econ", "key_work_leads")
    assert sheet.state == "submitted" and sheet.approval == "approved"


async def test_reopen_round_trip_over_http(store, sandbox, running, small):
    admin = await person(store, sandbox, small, "staff", "admin", 8021)
    mayor = await person(store, sandbox, small, "rater", "ld_sz", 8022)
    await score_and_submit(mayor, next(x for x in mayor.last().labels if x.startswith("继续")))
    await admin.send("/reopen")
    await admin.wait_for(lambda u: "选择要退回的表" in (u.last().text or ""))
    await admin.press("市长")
    await admin.wait_for(lambda u: "请输入退回理由" in (u.last().text or ""))
    await admin.send("请补充对市教育局的评语")
    await mayor.wait_for(lambda u: "请补充对市教育局的评语" in (u.last().text or ""))
    await tap(mayor, "继续评分")
    await tap(mayor, "备注")
    await mayor.send("办学条件改善明显")
    await mayor.wait_for(lambda u: "办学条件改善明显" in (u.last().text or ""))
    await tap(mayor, "检查并提交")
    await tap(mayor, "提交")
    await tap(mayor, "确认提交")
    stored = await store.campaigns.get(small.key)
    sheet = await store.sheets.find(stored.id, "ld_sz", "leaders")
    assert sheet.state == "submitted"
    _, items = await store.sheets.walk(sheet.id)
    assert any(i.comment == "办学条件改善明显" for i in items)
