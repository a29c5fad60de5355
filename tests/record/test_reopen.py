"""Reopening submitted sheets: from the CLI (the rater told by the running bot) and from the chat, paged and
searchable however many sheets are submitted."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.cli import main
from storage.sheets import Writer
from tests.texts.shapes import shows
from texts import t

ADMIN, MAYOR = 901, 902


async def submit_all(store, cid, raters_groups) -> None:
    for rater, group in raters_groups:
        sheet = await store.sheets.find(cid, rater, group)
        for item in await store.sheets.items(sheet.id):
            assert await store.sheets.set_value(Writer(cid, own=(rater,)), sheet.id, item.assignment_id, 80)
        assert await store.sheets.submit(sheet.id, actor=f"rater:{rater}")


async def test_reopen_from_the_cli_tells_the_rater_through_the_bot(chatter, store, small, tmp_path, capsys):
    cid = (await store.campaigns.load(small)).campaign_id
    (inv,) = await store.people.issue_invites(cid, [("rater", "ld_sz")], timedelta(days=3))
    await chatter.send(MAYOR, f"/start {inv.token}")
    await submit_all(store, cid, [("ld_sz", "leaders")])
    db = store.db.path
    assert await asyncio.to_thread(main, ["--db", db, "reopen", "small2026", "--rater", "ld_sz", "--group", "leaders",
                 "--reason", "分数录入有误"]) == 0
    assert await asyncio.to_thread(main, ["--db", db, "reopen", "small2026", "--rater", "ld_sz", "--group", "leaders",
                 "--reason", "分数录入有误"]) == 0  # the same command again changes nothing
    assert await asyncio.to_thread(main, ["--db", db, "reopen", "small2026", "--rater", "nobody", "--group", "leaders",
                 "--reason", "x"]) == 1
    err = capsys.readouterr().err
    assert "nothing changed" in err and "kaoping: unknown rater 'nobody'" in err
    sheet = await store.sheets.find(cid, "ld_sz", "leaders")
    assert sheet.state == "reopened" and sheet.reopen_reason == "分数录入有误"
    assert await chatter.outbox.deliver() == 1  # what the running bot does within seconds
    told = [c for c in chatter.session.of("SendMessage") if c.params["chat_id"] == MAYOR][-1]
    assert told.params["text"] == t("zh", "reopen.told_rater", group="市领导评议", comment="分数录入有误")
    assert told.params["reply_markup"]["inline_keyboard"][0][0]["text"] == t("zh", "btn.resume")
    assert await chatter.outbox.deliver() == 0  # told once


async def test_reopen_in_the_chat_pages_and_searches(chatter, store, small):
    cid = (await store.campaigns.load(small)).campaign_id
    (inv,) = await store.people.issue_invites(cid, [("staff", "admin")], timedelta(days=3))
    await chatter.send(ADMIN, f"/start {inv.token}")
    sheets = [(r.key, m.group) for r in small.raters for m in r.memberships()]
    await submit_all(store, cid, sheets[:14])
    await chatter.send(ADMIN, "/reopen")
    first = chatter.last_markup()
    assert len(first) == 11 and shows(chatter.last_text(), "zh", "reopen.pick_page", n=14, page=1, pages=2)
    await chatter.press(ADMIN, first[-1][-1]["callback_data"])  # ▶ the next page
    assert len(chatter.last_markup()) == 5  # four sheets and the ◀ row
    await chatter.send(ADMIN, "/reopen 教育局")
    found = [row[0]["text"] for row in chatter.last_markup()]
    assert found and all("市教育局考评联络员" in label for label in found)
    await chatter.send(ADMIN, "/reopen 不存在的人")
    assert chatter.last_text() == t("zh", "reopen.no_match", q="不存在的人")
