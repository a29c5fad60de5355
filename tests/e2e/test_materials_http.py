"""Issue 14 end to end over real HTTP, on the example campaign: a department hands in its key-work summary
(two files), the key-work lead sees them and the self-score on the department's card, scores, the overall
responsible official approves, and the report counts the lead's approved score, not the self-score."""

from __future__ import annotations

import hashlib
import json

from sandbox import SandboxServer, SimUser
from scoring.campaign import Campaign
from storage.reporting import build_report
from storage.store import Store
from tests.e2e.steps import greeted, greeted_with_buttons, invited, tap
from tests.texts.shapes import plain, shape, shows_plain

PDF = b"%PDF-1.4\n% 2026 key-work summary of the Development and Reform Commission\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030806000000") + b"\x00" * 64


async def person(store: Store, sandbox: SandboxServer, campaign: Campaign, kind: str, key: str,
                 user_id: int) -> SimUser:
    return await invited(store, sandbox, campaign, kind, key, user_id,
                         greeted_with_buttons if kind == "rater" else greeted)


async def hand_in(user: SimUser, send, kind_label: str) -> None:
    before = len(user.chat())
    await send()
    await user.wait_for(lambda u: len(u.chat()) > before + 1)  # the file, then the bot's answer
    text = user.last().text  # fgw owes two kinds: which one?
    assert shows_plain(text, "zh", "mat.received") and shows_plain(text, "zh", "mat.which")
    await tap(user, kind_label)


async def test_materials_self_score_lead_approval_and_the_report(store, sandbox, running, municipal, clock):
    await store.campaigns.load(municipal)
    stored = await store.campaigns.get(municipal.key)
    contact = await person(store, sandbox, municipal, "rater", "c_fgw", 8101)
    lead = await person(store, sandbox, municipal, "rater", "kwl_econ", 8102)
    approver = await person(store, sandbox, municipal, "staff", "approver_kw", 8103)

    # the contact hands in its summary: a PDF and a photo, each filed as the key-work summary
    await hand_in(contact, lambda: contact.send_document(PDF, "2026年度重点工作总结.pdf", "application/pdf"),
                  plain("zh", "btn.mat_file", kind="重点工作总结"))
    await hand_in(contact, lambda: contact.send_photo(PNG), plain("zh", "btn.mat_file", kind="重点工作总结"))
    overview = contact.last().text
    assert "2026年度重点工作总结.pdf" in overview and "photo-" in overview
    assert "口内目标自查报告" in overview and plain("zh", "mat.kind_none") in overview  # the self-check is still owed
    files = await store.materials.of_department(stored.id, "fgw")
    assert [(f.kind, f.file_type, f.sha256, f.size, f.rater) for f in files] == [
        ("summary", "document", hashlib.sha256(PDF).hexdigest(), len(PDF), "c_fgw"),
        ("summary", "photo", hashlib.sha256(PNG).hexdigest(), len(PNG), "c_fgw"),
    ]
    audit = await store.db.fetchall("SELECT actor, subject, new FROM audit WHERE action = 'material' ORDER BY id")
    # each file: handed in (not yet filed), then filed as the summary
    assert [(a, s) for a, s, _ in audit] == [("rater:c_fgw", "fgw/-"), ("rater:c_fgw", "fgw/summary")] * 2
    assert json.loads(audit[0][2])["sha256"] == hashlib.sha256(PDF).hexdigest()

    # ... and scores itself 100 on its self-evaluation, submitted
    await tap(contact, plain("zh", "btn.home"))
    await tap(contact, plain("zh", "btn.continue", group="部门总结自评"))
    await tap(contact, "100")
    await tap(contact, plain("zh", "btn.submit"))
    await tap(contact, plain("zh", "btn.confirm_submit"))

    # the lead's card of fgw shows the self-score and the materials; a tap sends both files
    await tap(lead, plain("zh", "btn.continue", group="各口重点工作"))
    card = lead.last().text
    assert "市发展和改革委员会" in card and plain("zh", "card.informing", group="部门总结自评", value=100) in card
    assert plain("zh", "card.materials", n=2) in card
    before = len(lead.chat())
    await lead.press(plain("zh", "btn.mat_view", n=2))
    await lead.wait_for(lambda u: len(u.chat()) == before + 2 and u.last().text and "市发展" in u.last().text)
    sent = lead.chat()[before - 1:]
    caption = shape("zh", "mat.caption", shown=True, dept="市发展和改革委员会", kind="重点工作总结")
    assert sent[0].document_bytes == PDF and caption.match(sent[0].caption)
    assert sent[1].photo and sent[1].photo_bytes == PNG
    assert sent[2].text == card  # the card moved below the files: still one card to tap on
    # a department without materials says so, with no button
    await tap(lead, "85")
    assert plain("zh", "card.materials_none") in lead.last().text and not any("📎" in b for b in lead.last().labels)
    assert plain("zh", "card.informing_open", group="部门总结自评") in lead.last().text

    # a self-score alone earns nothing: key work is missing until the lead's score is approved
    fgw = (await build_report(store, stored)).department("fgw")
    assert fgw.parts["key_work"].score is None and fgw.parts["key_work"].points == 0

    # the lead scores the rest (85 each) and submits; the overall responsible official approves
    while not shows_plain((lead.last().text or "").splitlines()[0], "zh", "review.title"):
        await tap(lead, "85")
    await tap(lead, plain("zh", "btn.submit"))
    await tap(lead, plain("zh", "btn.confirm_submit"))
    fgw = (await build_report(store, stored)).department("fgw")
    assert fgw.parts["key_work"].score is None  # submitted, not yet approved (审定)
    await approver.wait_for(lambda u: any(plain("zh", "btn.approve") == label for m in u.chat() for label in m.labels))
    count = len(approver.answers)
    await approver.press(plain("zh", "btn.approve"))
    await approver.wait_for(lambda u: len(u.answers) > count)

    fgw = (await build_report(store, stored)).department("fgw")
    key_work = fgw.parts["key_work"]
    # the report shows each of the four blocks (and the self-evaluation beside them)
    assert list(key_work.groups) == ["self_eval", "key_work_leads", "nine_tasks", "conduct", "safe_city"]
    # only the lead's approved 85 counts (the other three blocks have no result yet); the 100 is shown only
    assert key_work.groups["self_eval"].score == 100.0 and key_work.groups["key_work_leads"].score == 85.0
    assert key_work.score == 85.0 and key_work.points == 85.0 * 25 / 100
