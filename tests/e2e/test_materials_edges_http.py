"""Issue 14, the contact's side over real HTTP: what may be handed in, until when, and by whom."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.callbacks import Mat, MatAct
from sandbox import SandboxServer, SimUser
from scoring.campaign import Campaign
from storage.store import Store
from tests.e2e.steps import greeted_with_buttons, invited, tap
from tests.texts.shapes import plain, shows, shows_plain
from texts import t

PDF = b"%PDF-1.4\n% self-check\n%%EOF\n"


async def person(store: Store, sandbox: SandboxServer, campaign: Campaign, key: str, user_id: int) -> SimUser:
    return await invited(store, sandbox, campaign, "rater", key, user_id, greeted_with_buttons)


async def answered(user: SimUser, send) -> str:
    before = len(user.chat())
    await send()
    await user.wait_for(lambda u: len(u.chat()) > before + 1)
    return user.last().text or ""


async def test_what_a_contact_may_hand_in_and_until_when(store, sandbox, running, small, clock):
    await store.campaigns.load(small)
    cid = (await store.campaigns.get(small.key)).id
    tax = await person(store, sandbox, small, "c_tax", 8201)  # vertical: owes only its self-check
    czj = await person(store, sandbox, small, "c_czj", 8202)
    leader = await person(store, sandbox, small, "ld_sz", 8203)  # no department: not a contact

    # the home card says what the department owes, with a button to it
    owed = plain("zh", "home.mat_kind", mark="⬜", kind="口内目标自查报告", n=0)
    assert plain("zh", "home.mat", kinds=owed) in tax.last().text
    assert "重点工作总结" not in tax.last().text  # a vertical department has no key work
    assert not shows_plain(leader.last().text, "zh", "home.mat") and not any("📎" in b for b in leader.last().labels)
    await tap(tax, t("zh", "btn.mat_hand_in"))
    assert plain("zh", "mat.title", dept="国家税务总局示例市税务局") in tax.last().text

    # a CSV is not a summary; nothing is stored
    text = await answered(tax, lambda: tax.send_document(b"a,b\n1,2\n", "scores.csv", "text/csv"))
    assert plain("zh", "mat.type", name="scores.csv") in text
    # the only kind it owes: filed at once, no question
    text = await answered(tax, lambda: tax.send_document(PDF, "自查报告.pdf", "application/pdf"))
    assert shows_plain(text, "zh", "mat.received", name="自查报告.pdf") and not shows_plain(text, "zh", "mat.which")
    assert "口内目标自查报告" in text
    (material,) = await store.materials.of_department(cid, "tax")
    assert material.kind == "self_check" and material.rater == "c_tax"

    # another department's contact cannot withdraw it, even with forged callback data
    overview = await answered(czj, lambda: czj.send("/materials"))
    assert "市财政局" in overview and plain("zh", "mat.kind_none") in overview
    card = czj.last().message_id
    count = len(czj.answers)
    await czj.press_data(Mat(act=MatAct.WITHDRAW, a=material.id).pack(), card)
    await czj.wait_for(lambda u: len(u.answers) > count)
    assert await store.materials.of_department(cid, "tax") == [material]

    # a rater who speaks for no department hands nothing in
    text = await answered(leader, lambda: leader.send("/materials"))
    assert text == plain("zh", "mat.none_owed")
    before = len(leader.chat())
    await leader.send_document(PDF, "x.pdf", "application/pdf")
    await leader.wait_for(lambda u: len(u.chat()) > before + 1)
    assert await store.materials.of_department(cid, "tax") == [material]

    # its own contact withdraws it and hands in a replacement
    await tap(tax, t("zh", "btn.home"))
    assert plain("zh", "home.mat_kind", mark="✅", kind="口内目标自查报告", n=1) in tax.last().text
    await tap(tax, t("zh", "btn.mat_hand_in"))
    await tap(tax, t("zh", "btn.mat_withdraw", name="自查报告.pdf"))
    assert await store.materials.of_department(cid, "tax") == []
    await answered(tax, lambda: tax.send_document(PDF, "自查报告（修订）.pdf", "application/pdf"))
    (replacement,) = await store.materials.of_department(cid, "tax")
    audit = await store.db.fetchall("SELECT old IS NOT NULL, new IS NOT NULL FROM audit WHERE action = 'material'"
                                    " AND subject LIKE 'tax/%' ORDER BY id")
    assert audit == [(0, 1), (1, 0), (0, 1)]  # handed in, withdrawn, handed in

    # after the materials milestone (2027-01-05 18:00 Shanghai): nothing more, nothing back
    clock.now = datetime(2027, 1, 5, 10, 0, 1, tzinfo=UTC)
    text = await answered(tax, lambda: tax.send_document(PDF, "补充.pdf", "application/pdf"))
    assert shows_plain(text, "zh", "mat.closed")
    await tax.send("/materials")
    await tax.wait_for(lambda u: shows_plain(u.last().text, "zh", "mat.title")
                       and not any(shows(b, "zh", "btn.mat_withdraw") for b in u.last().labels))
    assert await store.materials.of_department(cid, "tax") == [replacement]


async def test_the_same_file_twice_is_one_file(store, small):
    cid = (await store.campaigns.load(small)).campaign_id

    async def add():
        return await store.materials.add(cid, "fgw", "summary", file_type="document", file_id="F1",
                                         file_unique_id="U1", name="总结.pdf", size=3, sha256="a" * 64,
                                         rater="c_fgw", telegram_id=1, actor="rater:c_fgw")

    first, created = await add()
    again, created_again = await add()
    assert created and not created_again and again == first
    assert len(await store.materials.of_department(cid, "fgw")) == 1
    assert len(await store.db.fetchall("SELECT 1 FROM audit WHERE action = 'material'")) == 1


async def test_the_sector_panel_sees_the_self_check_not_the_summary(store, sandbox, running, small):
    await store.campaigns.load(small)
    cid = (await store.campaigns.get(small.key)).id
    for kind, name in (("summary", "总结.pdf"), ("self_check", "自查.pdf")):
        await store.materials.add(cid, "fgw", kind, file_type="document", file_id="x", file_unique_id=kind,
                                  name=name, size=3, sha256="b" * 64, rater="c_fgw", telegram_id=1, actor="t")
    panel = await person(store, sandbox, small, "panel_econ", 8301)
    await tap(panel, t("zh", "btn.continue", group="口内考评小组考核"))
    assert plain("zh", "card.materials", n=1) in panel.last().text and "自评" not in panel.last().text
    peers = await person(store, sandbox, small, "c_czj", 8302)  # sector peers: not linked to materials
    await tap(peers, t("zh", "btn.continue", group="口内部门互评"))
    assert "📎" not in peers.last().text and not any("📎" in b for b in peers.last().labels)


async def test_a_department_keeps_at_most_twenty_files_and_its_card_fits(store, sandbox, running, small):
    await store.campaigns.load(small)
    cid = (await store.campaigns.get(small.key)).id
    tax = await person(store, sandbox, small, "c_tax", 8401)
    long_name = "口内目标自查报告附件" * 20  # 200 characters
    for n in range(20):
        await answered(tax, lambda n=n: tax.send_document(PDF + bytes([n]), f"{long_name}{n:02}.pdf"))
    assert len(await store.materials.of_department(cid, "tax")) == 20
    assert len(tax.last().text) < 4096  # the sandbox would have refused a longer card anyway
    text = await answered(tax, lambda: tax.send_document(PDF, "第21个.pdf"))
    assert text == plain("zh", "mat.too_many", n=20)
    assert len(await store.materials.of_department(cid, "tax")) == 20
