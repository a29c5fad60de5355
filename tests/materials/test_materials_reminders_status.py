"""Issue 14: materials are chased like a sheet (reminders before the materials milestone, staff's /status)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.recording import recording_bot
from bot.scheduler import ReminderService
from scoring.campaign import Campaign
from storage.store import Store
from tests.reminders.support import bind, fast_sender
from tests.texts.shapes import shows
from texts import t

TG = {"c_fgw": 301, "c_tax": 302, "admin": 303}


async def _hand_in(store: Store, cid: int, dept: str, kind: str, rater: str) -> None:
    await store.materials.add(cid, dept, kind, file_type="document", file_id=f"F-{dept}-{kind}",
                              file_unique_id=f"U-{dept}-{kind}", name="自查报告.pdf", size=10, sha256="0" * 64,
                              rater=rater, telegram_id=TG.get(rater, 0), actor=f"rater:{rater}")


async def test_contacts_owing_materials_are_reminded_until_they_hand_them_in(store: Store, small: Campaign, clock):
    cid = (await store.campaigns.load(small)).campaign_id
    for key in ("c_fgw", "c_tax"):
        await bind(store, cid, "rater", key, TG[key])
    await bind(store, cid, "staff", "admin", TG["admin"])
    bot, session = recording_bot()
    svc = ReminderService(store, fast_sender(bot, store), clock=clock)

    def sent_to(key: str) -> list[str]:
        return [c.params["text"] for c in session.of("SendMessage") if c.params["chat_id"] == TG[key]]

    # materials due 2027-01-05 18:00 Shanghai; 3d before = 01-02 10:00Z
    clock.now = datetime(2027, 1, 2, 10, tzinfo=UTC)
    await svc.tick()
    # the vertical department's contact has no sheet due then, only its self-check to hand in
    (tax,) = sent_to("c_tax")
    assert t("zh", "remind.mat", kind="口内目标自查报告") in tax and "重点工作总结" not in tax
    (fgw,) = sent_to("c_fgw")
    assert "部门总结自评" in fgw and t("zh", "remind.mat", kind="重点工作总结") in fgw
    assert t("zh", "remind.mat", kind="口内目标自查报告") in fgw

    # the tax office hands in its self-check; fgw scores itself but hands nothing in
    await _hand_in(store, cid, "tax", "self_check", "c_tax")
    clock.now = datetime(2027, 1, 4, 10, tzinfo=UTC)  # 1d before
    await svc.tick()
    assert len(sent_to("c_tax")) == 1  # nothing owed any more: no second reminder
    assert len(sent_to("c_fgw")) == 2

    # the milestone passes: the office's digest names who has not handed in
    clock.now = datetime(2027, 1, 5, 10, 0, 1, tzinfo=UTC)
    await svc.tick()
    (digest,) = sent_to("admin")
    summary = digest.index(t("zh", "digest.mat", kind="重点工作总结", n=4))
    self_check = digest.index(t("zh", "digest.mat", kind="口内目标自查报告", n=4))
    assert "市发展和改革委员会" in digest[summary:self_check] and "税务局" not in digest[self_check:]


async def test_status_names_the_departments_without_materials(store: Store, small: Campaign, chatter, clock):
    cid = (await store.campaigns.load(small)).campaign_id
    await bind(store, cid, "staff", "admin", TG["admin"])
    await _hand_in(store, cid, "fgw", "summary", "c_fgw")
    await chatter.send(TG["admin"], "/status")
    text = chatter.last_text()
    assert t("zh", "status.mat_title") in text
    summary_line = next(i for i, line in enumerate(text.splitlines()) if line.startswith("重点工作总结"))
    lines = text.splitlines()
    assert shows(lines[summary_line], "zh", "status.mat_kind", kind="重点工作总结", n=3)
    assert "市发展和改革委员会" not in lines[summary_line + 1]
    assert "市财政局" in lines[summary_line + 1] and "市教育局" in lines[summary_line + 1]
    self_check = next(i for i, line in enumerate(lines) if line.startswith("口内目标自查报告"))
    assert shows(lines[self_check], "zh", "status.mat_kind", kind="口内目标自查报告", n=5)
    assert "国家税务总局示例市税务局" in lines[self_check + 1]
