"""Staff end to end over real HTTP: the report's document and photo arrive; approval and reopen round trips."""

from __future__ import annotations

import io

import openpyxl
import pytest

from sandbox import SandboxServer, SimUser
from scoring.campaign import Campaign
from storage.store import Store
from tests.e2e.steps import greeted, invited, offers_a_sheet, tap
from tests.texts.labels import label
from tests.texts.shapes import plain, shows_plain


@pytest.fixture(autouse=True)
async def campaign_loaded(store: Store, small: Campaign) -> None:
    await store.campaigns.load(small)


async def person(store: Store, sandbox: SandboxServer, campaign: Campaign, kind: str, key: str,
                 user_id: int) -> SimUser:
    # a rater: the welcome, then the home card with its buttons
    return await invited(store, sandbox, campaign, kind, key, user_id, offers_a_sheet if kind == "rater" else greeted)


async def score_and_submit(user: SimUser, sheet_label: str, value: str = "90") -> None:
    await tap(user, sheet_label)
    while not shows_plain((user.last().text or "").splitlines()[0], "zh", "review.title"):
        await tap(user, value)
    await tap(user, plain("zh", "btn.submit"))
    await tap(user, plain("zh", "btn.confirm_submit"))


async def test_report_document_and_photo_arrive_for_staff_not_for_raters(store, sandbox, running, small):
    admin = await person(store, sandbox, small, "staff", "admin", 8001)
    mayor = await person(store, sandbox, small, "rater", "ld_sz", 8002)
    await score_and_submit(mayor, next(x for x in mayor.last().labels if shows_plain(x, "zh", "btn.continue")))
    await admin.send("/report")
    await admin.wait_for(lambda u: any(m.document for m in u.chat()) and any(m.photo for m in u.chat()),
                         timeout=30)
    document = next(m for m in admin.chat() if m.document)
    book = openpyxl.load_workbook(io.BytesIO(document.document_bytes))
    assert label("zh", "scores") in book.sheetnames  # the admin's file carries individual scores
    photo = next(m for m in admin.chat() if m.photo)
    assert photo.photo_bytes.startswith(b"\x89PNG")
    assert any(plain("zh", "rp.provisional") in (m.text or "") for m in admin.chat())  # mid-campaign: provisional
    before = len(mayor.chat())
    await mayor.send("/report")
    await mayor.wait_for(lambda u: len(u.chat()) >= before + 2)
    assert mayor.last().text == plain("zh", "refused")
    assert not any(m.document or m.photo for m in mayor.chat())


async def test_approval_round_trip_over_http(store, sandbox, running, small):
    approver = await person(store, sandbox, small, "staff", "approver_kw", 8011)
    lead = await person(store, sandbox, small, "rater", "kwl_econ", 8012)
    await score_and_submit(lead, next(x for x in lead.last().labels if shows_plain(x, "zh", "btn.continue")), "85")
    await approver.wait_for(lambda u: shows_plain(u.last().text, "zh", "approval.title"))
    await tap(approver, plain("zh", "btn.return"))
    await approver.send("第二项分数偏高，请复核")
    await lead.wait_for(lambda u: "第二项分数偏高，请复核" in (u.last().text or ""))
    await tap(lead, plain("zh", "btn.resume"))
    await tap(lead, plain("zh", "btn.back"))
    await tap(lead, "80")  # the last department: the review follows
    await tap(lead, plain("zh", "btn.submit"))
    await tap(lead, plain("zh", "btn.confirm_submit"))
    await approver.wait_for(lambda u: sum(shows_plain(m.text, "zh", "approval.title") for m in u.chat()) == 2)
    await tap(approver, plain("zh", "btn.approve"))
    stored = await store.campaigns.get(small.key)
    sheet = await store.sheets.find(stored.id, "kwl_econ", "key_work_leads")
    assert sheet.state == "submitted" and sheet.approval == "approved"


async def test_reopen_round_trip_over_http(store, sandbox, running, small):
    admin = await person(store, sandbox, small, "staff", "admin", 8021)
    mayor = await person(store, sandbox, small, "rater", "ld_sz", 8022)
    await score_and_submit(mayor, next(x for x in mayor.last().labels if shows_plain(x, "zh", "btn.continue")))
    await admin.send("/reopen")
    await admin.wait_for(lambda u: shows_plain(u.last().text, "zh", "reopen.pick_page", n=1))
    await admin.press("市长")
    await admin.wait_for(lambda u: u.last().text == plain("zh", "reopen.prompt"))
    await admin.send("请补充对市教育局的评语")
    await mayor.wait_for(lambda u: "请补充对市教育局的评语" in (u.last().text or ""))
    await tap(mayor, plain("zh", "btn.resume"))
    await tap(mayor, plain("zh", "btn.comment"))
    await mayor.send("办学条件改善明显")
    await mayor.wait_for(lambda u: "办学条件改善明显" in (u.last().text or ""))
    await tap(mayor, plain("zh", "btn.to_review"))
    await tap(mayor, plain("zh", "btn.submit"))
    await tap(mayor, plain("zh", "btn.confirm_submit"))
    stored = await store.campaigns.get(small.key)
    sheet = await store.sheets.find(stored.id, "ld_sz", "leaders")
    assert sheet.state == "submitted"
    _, items = await store.sheets.walk(sheet.id)
    assert any(i.comment == "办学条件改善明显" for i in items)
