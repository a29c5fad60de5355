"""The audit trail as people read it, and `verify`: does the stored record match its own log?"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from storage.audit import AuditEntry
from storage.audit_chain import chain_hash
from storage.campaigns import StoredCampaign
from storage.db import parse_stamp
from storage.sheets import sheet_digest
from storage.store import Store


async def department_history(store: Store, stored: StoredCampaign, department: str) -> list[AuditEntry]:
    return await store.audit.about(stored.id, department=department)


async def trail(store: Store, stored: StoredCampaign, *, department: str | None = None,
                rater: str | None = None) -> list[AuditEntry]:
    if department is None and rater is None:
        return await store.audit.entries(stored.id)
    return await store.audit.about(stored.id, department=department, rater=rater)


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    entries: int = 0
    scores: int = 0
    receipts: int = 0
    adjustments: int = 0
    results: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _state(text: str | None) -> tuple | None:
    if text is None:
        return None
    data = json.loads(text)
    return (data.get("value"), int(data.get("recused") or 0), data.get("reason"), data.get("comment"))


async def verify(store: Store, stored: StoredCampaign) -> Verification:
    """Recompute the chain, replay every score, adjustment and external result from the log, recompute
    every submitted sheet's receipt; one problem per mismatch (changed or deleted outside the product)."""
    out = Verification()
    entries = await store.audit.entries()
    _check_chain(entries, await store.audit.sequence(), out)
    mine = [e for e in entries if e.campaign_id == stored.id]
    out.entries = len(mine)
    await _check_scores(store, stored, mine, out)
    await _check_receipts(store, stored, mine, out)
    await _check_adjustments(store, stored, mine, out)
    await _check_results(store, stored, mine, out)
    return out


def _check_chain(entries: list[AuditEntry], sequence: int, out: Verification) -> None:
    prev: str | None = None
    expected_id = 1
    for e in entries:
        if e.id != expected_id:
            out.problems.append(f"audit: entries #{expected_id}–#{e.id - 1} are missing (deleted)")
        expected_id = e.id + 1
        fields = (e.id, e.at, e.campaign_id, e.actor, e.action, e.subject, e.assignment_id, e.old, e.new, e.source,
                  e.undoes)
        if e.prev_hash != prev:
            out.problems.append(f"audit: entry #{e.id} does not follow the entry before it (chain broken)")
        if e.hash != chain_hash(prev if e.prev_hash == prev else e.prev_hash, *fields):
            out.problems.append(f"audit: entry #{e.id} ({e.action} {e.subject}) was changed after it was written")
        prev = e.hash
    if sequence >= expected_id:
        out.problems.append(f"audit: the last {sequence - expected_id + 1} entr(y/ies) up to #{sequence} were deleted")


async def _check_scores(store: Store, stored: StoredCampaign, entries: list[AuditEntry], out: Verification) -> None:
    logged: dict[int, tuple | None] = {}
    subjects: dict[int, str] = {}
    for e in entries:
        if e.assignment_id is None or e.action not in ("score", "undo", "delete"):
            continue
        logged[e.assignment_id] = None if e.action == "delete" else _state(e.new)
        subjects[e.assignment_id] = e.subject
    scores = {aid: score for aid, score in (await store.audit.scores()).items()
              if score.campaign_id in (stored.id, None)}
    out.scores = len(scores)
    for aid, score in scores.items():
        where = f"{score.rater}/{score.group}/{score.department}" if score.rater else f"assignment {aid}"
        actual = (score.value, int(score.recused), score.reason, score.comment)
        if aid not in logged:
            out.problems.append(f"score {where}: {_show(actual)} is not in the audit log (written outside the product)")
        elif logged[aid] is None:
            out.problems.append(f"score {where}: the audit log says it was deleted, but it holds {_show(actual)}")
        elif not _same(logged[aid], actual):
            out.problems.append(f"score {where}: stored {_show(actual)}, the audit log says {_show(logged[aid])}")
    for aid, state in logged.items():
        if aid not in scores and state is not None and state[0] is not None:
            out.problems.append(f"score {subjects[aid]}: the audit log says {_show(state)}, but it was deleted")


def _same(a: tuple | None, b: tuple | None) -> bool:
    if a is None or b is None:
        return a is b
    va, vb = a[0], b[0]
    if (va is None) != (vb is None) or (va is not None and abs(float(va) - float(vb)) > 1e-9):
        return False
    return a[1:] == b[1:]


def _show(state: tuple | None) -> str:
    if state is None:
        return "nothing"
    value, recused, _reason, comment = state
    text = "recused" if recused else ("no value" if value is None else f"{value:g}")
    return text + (f" (comment {comment!r})" if comment else "")


async def _check_receipts(store: Store, stored: StoredCampaign, entries: list[AuditEntry], out: Verification) -> None:
    receipts: dict[str, str] = {}
    for e in entries:
        if e.action == "submit" and e.new:
            receipts[e.subject] = json.loads(e.new).get("digest", "")
    for sheet in await store.sheets.for_campaign(stored.id):
        if sheet.state != "submitted":
            continue
        out.receipts += 1
        rater, group, digest = sheet.rater, sheet.group, sheet.digest
        found = await store.sheets.walk(sheet.id)
        if found is None:
            continue
        now = sheet_digest(found.sheet, found.items)
        subject = f"{rater}/{group}"
        if digest != now:
            out.problems.append(f"receipt {subject}: the submitted sheet no longer matches its receipt "
                                f"(receipt {str(digest)[:12]}…, scores now give {now[:12]}…)")
        if receipts.get(subject) not in (None, digest):
            out.problems.append(f"receipt {subject}: the stored digest differs from the one in the audit log")
        if subject not in receipts:
            out.problems.append(f"receipt {subject}: submitted, but the audit log has no submit entry")


async def _check_adjustments(store: Store, stored: StoredCampaign, entries: list[AuditEntry],
                             out: Verification) -> None:
    logged: dict[int, tuple] = {}
    revoked: set[int] = set()
    legacy: Counter[tuple] = Counter()
    for e in entries:
        if e.action == "adjust" and e.new:
            data = json.loads(e.new)
            if "id" in data:
                logged[data["id"]] = (e.subject, float(data["points"]), data["reason"])
            else:  # written before adjustments had ids in the log
                legacy[(e.subject, float(data["points"]), data["reason"])] += 1
        elif e.action == "revoke" and e.old:
            revoked.add(json.loads(e.old)["id"])
    rows = await store.adjustments.register(stored.id)
    out.adjustments = len(rows)
    for row in rows:
        adj_id, dept, points, reason, is_revoked = row.id, row.department, row.points, row.reason, row.revoked
        fact = (dept, float(points), reason)
        if adj_id in logged:
            if logged[adj_id] != fact:
                was = logged[adj_id]
                out.problems.append(f"adjustment #{adj_id}: stored {dept} {points:+g} ({reason}), the audit log says "
                                    f"{was[0]} {was[1]:+g} ({was[2]})")
        elif legacy[fact] > 0:
            legacy[fact] -= 1
        else:
            out.problems.append(f"adjustment #{adj_id}: {dept} {points:+g} is not in the audit log")
        if bool(is_revoked) != (adj_id in revoked):
            state = "revoked" if is_revoked else "in force"
            out.problems.append(f"adjustment #{adj_id}: stored as {state}, the audit log says otherwise")
    for adj_id, (dept, points, _) in logged.items():
        if adj_id not in {r.id for r in rows}:
            out.problems.append(f"adjustment #{adj_id}: {dept} {points:+g} is in the audit log but was deleted")


async def _check_results(store: Store, stored: StoredCampaign, entries: list[AuditEntry], out: Verification) -> None:
    logged: dict[str, float] = {}
    for e in entries:
        if e.action == "external" and e.new is not None:
            logged[e.subject] = float(json.loads(e.new))
    rows = await store.results.external(stored.id)
    out.results = len(rows)
    for dept, score in rows.items():
        if dept not in logged:
            out.problems.append(f"external result {dept}: {score:g} is not in the audit log")
        elif abs(logged[dept] - score) > 1e-9:
            out.problems.append(f"external result {dept}: stored {score:g}, the audit log says {logged[dept]:g}")
    for dept in logged.keys() - rows.keys():
        out.problems.append(f"external result {dept}: in the audit log but deleted")


async def audit_rows(store: Store, stored: StoredCampaign) -> list[tuple]:
    """The campaign's audit log as workbook rows: id, local time, actor, action, subject, old, new, source,
    chain hash (the admin's XLSX; anyone can recompute the chain from these columns)."""
    tz = ZoneInfo(stored.campaign.timezone)
    return [(e.id, f"{parse_stamp(e.at).astimezone(tz):%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.subject, e.old,
             e.new, e.source, e.hash) for e in await store.audit.entries(stored.id)]
