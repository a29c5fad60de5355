"""/status and /report through the production dispatcher (feed_update): roles, drill-down, files, confidentiality."""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Router
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendPhoto
from openpyxl import load_workbook

from bot.cli import main as cli_main
from handlers import staff_report, staff_status
from handlers.callbacks import StatusView, View
from handlers.staff_status import fit
from reports.chart import NoCJKFont
from scoring.campaign import Campaign, Role, Staff, format_value
from scoring.disclosure import STAFF as STAFF_VIEW
from scoring.engine import format_points
from storage.reporting import build_report, build_view
from storage.sheets import Writer
from storage.store import Store
from tests.conftest import bind
from tests.texts.labels import heads, label
from tests.texts.shapes import shows
from texts import t

STAFF, ADMIN, COLLECTOR, RATER, STRANGER = 601, 602, 603, 604, 999
# odd values that no count, percentage or date in a status message can spell
VALUES = (61.3, 67.9, 73.1, 78.7, 83.9, 89.1, 94.7)
REFUSED = t("zh", "refused")


# -- wiring ------------------------------------------------------------------------------------


def router_names(router: Router) -> set[str]:
    return {router.name, *(name for sub in router.sub_routers for name in router_names(sub))}


@pytest.fixture
def chatter(chatter):
    """The conftest's chatter, with the staff routers in the tree until get_routers() includes them."""
    present = router_names(chatter.dp)
    missing = [build() for name, build in (("staff_status", staff_status.build_router),
                                            ("staff_report", staff_report.build_router)) if name not in present]
    if missing:
        root = next(r for r in chatter.dp.sub_routers if r.name == "private")
        root.include_routers(*missing)
        fallback = next(r for r in root.sub_routers if r.name == "fallback")
        root.sub_routers.remove(fallback)
        root.sub_routers.append(fallback)  # the catch-all stays last
    return chatter


@pytest.fixture
def campaign(small: Campaign) -> Campaign:
    """The small campaign plus a staff member who is not an admin."""
    clerk = Staff(key="clerk", name="督查室汇总专员", name_en="Results clerk", roles=[Role.STAFF])
    return small.model_copy(update={"staff": [*small.staff, clerk]})


@pytest.fixture
async def people(store: Store, chatter, campaign: Campaign) -> int:
    """Campaign loaded; staff, admin, collector and one leader bound. Returns the campaign id."""
    await store.campaigns.load(campaign)
    await bind(chatter, store, campaign, "staff", "clerk", STAFF)
    await bind(chatter, store, campaign, "staff", "admin", ADMIN)
    await bind(chatter, store, campaign, "staff", "col_zf", COLLECTOR)
    await bind(chatter, store, campaign, "rater", "ld_cw", RATER)
    chatter.session.clear()
    return (await store.campaigns.get(campaign.key)).id


async def score(store: Store, cid: int, raters: set[str] | None = None) -> list[float]:
    """Import a value for every assignment (of some raters); returns the values used."""
    keys = [k for k in await store.results.assignment_keys(cid) if raters is None or k[0] in raters]
    rows = [(r, g, d, VALUES[i % len(VALUES)], None) for i, (r, g, d) in enumerate(keys)]
    await store.results.import_scores(cid, rows, actor="cli")
    return [row[3] for row in rows]


async def submit(store: Store, cid: int, *raters: str) -> None:
    for rater in raters:
        for sheet in await store.sheets.for_rater(cid, rater):
            assert await store.sheets.submit(sheet.id, actor="cli")


def sent_texts(chatter) -> str:
    return "\n".join(c.params.get("text", "") for c in chatter.session.calls
                     if c.method in ("SendMessage", "EditMessageText"))


def document(chatter) -> tuple[str, bytes]:
    (call,) = chatter.session.of("SendDocument")
    return call.params["document"].filename, call.params["document"].data


def button(chatter, label: str) -> str:
    """callback_data of the newest card's button labelled exactly `label`."""
    return next(b["callback_data"] for row in chatter.last_markup() for b in row if b["text"] == label)


def assert_no_values(text: str, values: list[float]) -> None:
    leaked = {format_value(v) for v in values if format_value(v) in text}
    assert not leaked, f"score values in a status message: {leaked}"


# -- /status -----------------------------------------------------------------------------------


async def test_staff_status_shows_progress_laggards_and_deadlines_never_a_score(chatter, store, people):
    values = await score(store, people, {"ld_sz", "ld_cw", "cty_dc", "cty_ns"})
    await submit(store, people, "ld_sz")
    await store.people.mark_unreachable(RATER)
    await chatter.send(STAFF, "/status")
    text = chatter.last_text()
    assert shows(text, "zh", "st.group", group="市领导评议", bar="▓▓▓▓▓▓▓▓▓▓ 100%", submitted=1, sheets=2)
    assert shows(text, "zh", "st.group", group="县（市、区）政府评议", bar="▓▓▓▓▓▓░░░░ 66%")
    marks = f" {t('zh', 'mark.imported')} {t('zh', 'st.mark_unreachable')}"
    assert t("zh", "st.laggard", name="常务副市长", done=5, total=5, marks=marks) in text  # imported, unreachable
    assert t("zh", "st.laggard", name="青河县人民政府", done=0, total=5, marks=" " + t("zh", "st.mark_unbound")) in text
    assert t("zh", "st.milestone", name="自评材料报送", due="01-05 18:00", left=t("zh", "left.days", n=3)) in text
    assert len(text) <= 4096
    assert_no_values(text, values)
    labels = [b["text"] for row in chatter.last_markup() for b in row]
    assert t("zh", "st.btn_group", group="市领导评议", pct=100) in labels and t("zh", "st.btn_refresh") in labels


async def test_drill_down_by_group_then_rater_and_back(chatter, store, people):
    values = await score(store, people, {"ld_sz", "ld_cw"})
    await submit(store, people, "ld_sz")
    await chatter.send(STAFF, "/status")
    await chatter.press(STAFF, chatter.button("市领导评议"))
    group = chatter.last_text()
    assert "市领导评议" in group
    assert shows(group, "zh", "st.rater_line", name="常务副市长", done=5, total=5, state=t("zh", "st.state.open"))
    assert shows(group, "zh", "st.rater_line", name="市长", done=5, total=5, state=t("zh", "st.state.submitted"))
    await chatter.press(STAFF, button(chatter, "市长 5/5"))
    rater = chatter.last_text()
    assert rater.startswith(t("zh", "st.rater_title", name="市长", marks=""))
    assert t("zh", "st.submitted_at", time="2027-01-02 10:00") in rater
    await chatter.press(STAFF, chatter.button(t("zh", "st.btn_group_back", group="市领导评议")))
    assert chatter.last_text() == group
    await chatter.press(STAFF, chatter.button(t("zh", "st.btn_overview")))
    assert shows(chatter.last_text(), "zh", "st.title")
    assert_no_values(sent_texts(chatter), values)
    assert len(chatter.session.of("EditMessageText")) == 4  # one message, edited in place


async def test_collector_sees_only_their_leaders(chatter, store, people):
    await score(store, people)
    await chatter.send(COLLECTOR, "/status")
    text = chatter.last_text()
    assert t("zh", "st.scope_collector") in text and "市领导评议" in text
    assert "县（市、区）政府评议" not in text and "东城区人民政府" not in text
    groups = [b["text"] for row in chatter.last_markup() for b in row if b["text"] != t("zh", "st.btn_refresh")]
    assert groups == ["市领导评议 100%"]
    # forged taps: another group, or a sheet of a rater the collector does not collect for
    (county_sheet,) = await store.sheets.for_rater(people, "cty_dc")
    await chatter.press(COLLECTOR, StatusView(view=View.GROUP, group="counties").pack())
    await chatter.press(COLLECTOR, StatusView(view=View.RATER, group="leaders", sheet=county_sheet.id).pack())
    assert chatter.answers()[-2:] == [t("zh", "st.stale")] * 2
    assert "东城区人民政府" not in sent_texts(chatter)


async def test_rater_and_strangers_learn_nothing(chatter, store, people):
    await score(store, people)
    for command in ("/status", "/report"):
        await chatter.send(RATER, command)
        assert chatter.last_text() == REFUSED
        await chatter.send(STRANGER, command)
        assert chatter.last_text() == t("zh", "start.not_bound")
    await chatter.press(RATER, StatusView(view=View.OVERVIEW).pack())
    assert chatter.answers()[-1] == REFUSED
    assert not chatter.session.of("SendDocument") and not chatter.session.of("SendPhoto")
    assert not chatter.session.of("EditMessageText")


# -- /report -----------------------------------------------------------------------------------


async def test_staff_report_text_workbook_and_chart(chatter, store, people, campaign):
    await score(store, people)  # imported: every sheet handed in, key-work leads not approved yet
    await chatter.send(STAFF, "/report")
    (message,) = chatter.session.of("SendMessage")
    text = message.params["text"]
    assert t("zh", "rp.provisional") in text and text.count("<pre>") == text.count("</pre>") == 3
    staff, _ = await build_view(store, await store.campaigns.get(campaign.key), STAFF_VIEW)
    fgw = staff.department("fgw")
    assert f"{format_points(fgw.total)}*" in text  # the staff view's total: the two leaders' values left out
    assert fgw.total != (await build_report(store, await store.campaigns.get(campaign.key))).department("fgw").total
    assert shows(text, "zh", "rp.note_staff") and shows(text, "zh", "rp.flag_line", flag=label("zh", "flag.withheld"))
    first_pending = t("zh", "rp.flag_item", name="重点工作牵头领导评议", n=4)
    assert t("zh", "rp.flags_title") in text and shows(text, "zh", "rp.flag_line",
                                                       flag=label("zh", "flag.pending_approval"), items=first_pending)
    assert len(text) <= 4096
    name, data = document(chatter)
    assert name.endswith(".xlsx") and not name.endswith("-full.xlsx")
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert label("zh", "scores") not in book.sheetnames
    assert shows(next(book[label("zh", "group_detail")].iter_rows(values_only=True))[0], "zh", "label.staff_view")
    rows = list(book[label("zh", "group_detail")].iter_rows(min_row=2, values_only=True))
    header, body = rows[0], rows[1:]
    counties = [dict(zip(header, r, strict=True)) for r in body if r[3] == "县（市、区）政府评议"]
    # three counties handed in: counted, but their minimum and maximum are single raters' values
    n, low, high = heads("zh", "n", "min", "max")
    assert counties and all(c[n] == 3 and c[low] == "—" and c[high] == "—" for c in counties)
    (photo,) = chatter.session.of("SendPhoto")
    assert photo.params["photo"].data.startswith(b"\x89PNG") and len(photo.params["caption"]) <= 1024


async def test_admin_workbook_alone_has_individual_scores(chatter, store, people):
    values = await score(store, people)
    await chatter.send(ADMIN, "/report")
    name, data = document(chatter)
    assert name.endswith("-full.xlsx")
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert len(list(book[label("zh", "scores")].iter_rows())) == len(values) + 2
    assert label("zh", "admin_only") in next(book[label("zh", "scores")].iter_rows(values_only=True))[0]
    assert len(list(book[label("zh", "group_detail")].iter_rows())) > 2
    assert chatter.session.of("SendPhoto")


async def test_one_leaders_scores_move_nothing_a_non_admin_sees(chatter, store, people, campaign):
    await chatter.send(STAFF, "/report")
    before = chatter.session.of("SendMessage")[0].params["text"]
    chatter.session.clear()
    await score(store, people, {"ld_sz"})  # the mayor's sheet, handed in by import
    await chatter.send(STAFF, "/report")
    after = chatter.session.of("SendMessage")[0].params["text"]
    # only the flag that some confidential values are not counted yet tells anything happened
    assert before.split(t("zh", "rp.flags_title"))[0] == after.split(t("zh", "rp.flags_title"))[0]
    report = await build_report(store, await store.campaigns.get(campaign.key))
    for dept in report.departments:
        if not dept.external:
            assert format_points(dept.total) not in after  # 15% of the mayor's score would give it away


async def test_final_once_deadlines_passed_and_every_sheet_is_in(chatter, store, people, campaign, clock):
    await score(store, people)
    await submit(store, people, *(r.key for r in campaign.raters))
    await chatter.send(STAFF, "/report")
    assert t("zh", "rp.provisional") in chatter.session.of("SendMessage")[0].params["text"]
    chatter.session.clear()
    clock.now = datetime(2027, 1, 16, tzinfo=UTC)
    await chatter.send(STAFF, "/report")
    # every deadline past and every sheet in, but results are still missing (external results, approvals)
    assert t("zh", "rp.provisional") in chatter.session.of("SendMessage")[0].params["text"]
    chatter.session.clear()
    stored = await store.campaigns.get(campaign.key)
    external = [(d.key, 88.0) for d in campaign.departments if campaign.is_external(d.profile)]
    await store.results.set_external(people, external, actor="t")
    for rater in campaign.raters:
        for sheet in await store.sheets.for_rater(people, rater.key):
            if any(g.requires_approval for _, g in campaign.groups() if g.key == sheet.group):
                await store.sheets.approve(sheet.id, actor="t")
    report = await build_report(store, stored)
    assert all(d.complete for d in report.departments), [(d.key, d.flags) for d in report.departments]
    await chatter.send(STAFF, "/report")
    text = chatter.session.of("SendMessage")[0].params["text"]
    assert t("zh", "rp.provisional") not in text and t("zh", "rp.final") in text, text


async def test_without_a_cjk_font_text_and_workbook_still_arrive(chatter, store, people, monkeypatch):
    await score(store, people)

    def no_font(*args: object, **kwargs: object) -> bytes:
        raise NoCJKFont("none")

    import reports.chart  # /report imports it when the first chart is drawn

    monkeypatch.setattr(reports.chart, "render_chart", no_font)
    await chatter.send(STAFF, "/report")
    assert chatter.session.of("SendDocument") and not chatter.session.of("SendPhoto")
    assert chatter.last_text() == t("zh", "rp.no_font")


async def test_a_file_held_back_by_flood_control_is_sent_after_the_wait(chatter, store, people, monkeypatch):
    await score(store, people)
    send_photo, calls = chatter.bot.send_photo, []

    async def flooded_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise TelegramRetryAfter(SendPhoto(chat_id=STAFF, photo="x"), "Too Many Requests", retry_after=0)
        return await send_photo(*args, **kwargs)

    monkeypatch.setattr(chatter.bot, "send_photo", flooded_once)
    await chatter.send(STAFF, "/report")
    assert len(calls) == 2 and len(chatter.session.of("SendPhoto")) == 1


async def test_status_and_report_fit_a_phone_for_the_municipal_campaign(chatter, store, municipal):
    await store.campaigns.load(municipal)
    await bind(chatter, store, municipal, "staff", "dc_deputy", STAFF)
    cid = (await store.campaigns.get(municipal.key)).id
    await score(store, cid, {r.key for r in municipal.raters[::2]})
    chatter.session.clear()
    await chatter.send(STAFF, "/status")
    assert len(chatter.last_text()) <= 4096 and shows(chatter.last_text(), "zh", "st.more")
    assert all(len(b["callback_data"].encode()) <= 64 for row in chatter.last_markup() for b in row)
    await chatter.press(STAFF, chatter.button("口内部门互评"))  # 43 department contacts: pages
    assert t("zh", "st.page", page=1, pages=3) in chatter.last_text() and len(chatter.last_text()) <= 4096
    await chatter.press(STAFF, chatter.button(t("zh", "st.btn_next")))
    assert t("zh", "st.page", page=2, pages=3) in chatter.last_text()
    await chatter.send(STAFF, "/report")
    text = chatter.session.of("SendMessage")[-1].params["text"]
    standard = sum(d.profile == "standard" for d in municipal.departments)
    assert len(text) <= 4096 and t("zh", "rp.more", n=standard - 15) in text
    assert label("zh", "flag.missing_external") in text
    assert "  —       —*  中国工商银行某市分行" in text  # no result yet: "—" (reports.exports.UNKNOWN), not 0
    assert chatter.session.of("SendDocument") and chatter.session.of("SendPhoto")


def test_a_long_message_is_cut_between_blocks_with_a_note():
    blocks = [f"<pre>{n}" + "x" * 990 + "</pre>" for n in range(6)]
    text = fit(blocks, t("zh", "rp.truncated"))
    assert len(text) <= 4096 and text.endswith(t("zh", "rp.truncated"))
    assert text.count("<pre>") == text.count("</pre>") == 4




# -- one view per audience: the staff view in the chat and the CLI (issue 12) ---------------------------------


def rankings(text: str) -> list[str]:
    """The ranking blocks of a /report message: every figure a non-admin reads there."""
    return re.findall(r"<pre>.*?</pre>", text, re.S)


async def staff_rankings(chatter) -> list[str]:
    chatter.session.clear()
    await chatter.send(STAFF, "/report")
    return rankings(chatter.session.of("SendMessage")[0].params["text"])


async def test_the_issues_differencing_recovers_nothing(chatter, store, people, campaign):
    """Staff /report, the mayor taps 73.7, staff /report again: (T2 - T1) / 0.15 must not give 73.7."""
    empty = await staff_rankings(chatter)
    # counties: the first two hand in, nothing moves; the third makes a block of three, and they move together
    await score(store, people, {"cty_dc"})
    await submit(store, people, "cty_dc")
    await score(store, people, {"cty_ns"})
    assert await staff_rankings(chatter) == empty
    await score(store, people, {"cty_qh"})
    first = await staff_rankings(chatter)
    assert first != empty
    mayor = (await store.sheets.for_rater(people, "ld_sz"))[0]
    items = await store.sheets.items(mayor.id)
    fgw = next(i for i in items if i.department == "fgw")
    assert await store.sheets.set_value(Writer(people, own=("ld_sz",)), mayor.id, fgw.assignment_id, 73.7)
    assert await staff_rankings(chatter) == first  # T2 - T1 = 0 for every department
    # the mayor hands the sheet in: one leader of two, still fewer than k = 3 behind the group
    for item in items[1:]:
        await store.sheets.set_value(Writer(people, own=("ld_sz",)), mayor.id, item.assignment_id, 81.3)
    assert await store.sheets.submit(mayor.id, actor="rater:ld_sz")
    assert await staff_rankings(chatter) == first
    # a key-work lead hands in and is approved (the issue's 96.3): one rater per department, never counted
    await score(store, people, {"kwl_econ"})
    lead = (await store.sheets.for_rater(people, "kwl_econ"))[0]
    assert await store.sheets.approve(lead.id, actor="staff:approver_kw")
    assert await staff_rankings(chatter) == first
    # while the admin's result moves with every one of them
    admin = (await build_report(store, await store.campaigns.get(campaign.key))).department("fgw")
    assert admin.parts["leaders"].groups["leaders"].n == 1 and admin.parts["key_work"].score is not None


async def test_chat_and_cli_show_a_non_admin_the_same(chatter, store, people, campaign):
    await score(store, people)
    await submit(store, people, "ld_sz", "cty_dc")
    await chatter.send(STAFF, "/report")
    text = chatter.session.of("SendMessage")[0].params["text"]
    _, chat_file = document(chatter)
    out = Path(store.db.path).parent / "staff.xlsx"
    db = str(store.db.path)
    assert await asyncio.to_thread(cli_main, ["--db", db, "report", campaign.key, "--view", "staff", "--format",
                                              "xlsx", "--out", str(out)]) == 0
    chat_book, cli_book = load_workbook(io.BytesIO(chat_file)), load_workbook(out)
    assert chat_book.sheetnames == cli_book.sheetnames
    for name in chat_book.sheetnames:  # row 1 says when each was made; everything else is the same
        chat_rows = list(chat_book[name].iter_rows(min_row=2, values_only=True))
        assert chat_rows == list(cli_book[name].iter_rows(min_row=2, values_only=True)), name
    json_out = Path(store.db.path).parent / "staff.json"
    assert await asyncio.to_thread(cli_main, ["--db", db, "report", campaign.key, "--view", "staff", "--format",
                                              "json", "--out", str(json_out)]) == 0
    data = json.loads(json_out.read_text(encoding="utf-8"))
    assert data["view"] == "staff"
    for dept in data["departments"]:
        if dept["total"] is not None:
            assert f"{format_points(dept['total']):>6}" in text, dept["key"]
        for part in dept["parts"].values():
            for key, group in part["groups"].items():
                if next(g for _, g in campaign.groups() if g.key == key).confidential:
                    assert (group["min"], group["max"], group["stdev"]) == (None, None, None)
    # the admin's view is the full result, and its files say they hold individual scores
    full = Path(store.db.path).parent / "full.json"
    assert await asyncio.to_thread(cli_main, ["--db", db, "report", campaign.key, "--format", "json",
                                              "--out", str(full)]) == 0
    admin = json.loads(full.read_text(encoding="utf-8"))
    assert admin["view"] == "admin"
    fgw = next(d for d in admin["departments"] if d["key"] == "fgw")
    assert fgw["parts"]["leaders"]["groups"]["leaders"]["n"] == 2
    staff_fgw = next(d for d in data["departments"] if d["key"] == "fgw")
    assert staff_fgw["parts"]["leaders"]["groups"]["leaders"] | {"score": None, "n": 0} == \
        staff_fgw["parts"]["leaders"]["groups"]["leaders"]


async def test_collectors_and_approvers_get_the_staff_view(chatter, store, people, campaign):
    await score(store, people)
    await chatter.send(STAFF, "/report")
    staff_text = rankings(chatter.session.of("SendMessage")[0].params["text"])
    chatter.session.clear()
    await chatter.send(COLLECTOR, "/report")
    assert rankings(chatter.session.of("SendMessage")[0].params["text"]) == staff_text
    name, _ = document(chatter)
    assert not name.endswith("-full.xlsx")
