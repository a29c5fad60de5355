"""The record on the command line: adjustments and their register, reopening, the audit trail, verify."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.config import Settings
from handlers.clock import local_time
from reports.exports import csv_text
from scoring.adjustments import AdjustmentRefused
from services import adjustments
from services import sheets as sheet_service
from services.audit import trail, verify
from storage.audit import AuditEntry


class RecordError(Exception):
    """A problem the user can fix: one line, exit 1 (bot.cli prints it)."""


@contextmanager
def _refusals(*kinds: type[Exception]) -> Iterator[None]:
    """What the domain or a use case refuses is the command's one-line error."""
    try:
        yield
    except kinds as exc:
        raise RecordError(str(exc)) from None


def _unchanged(what: str) -> int:
    """A command asked for what is already so: say so on stderr and succeed."""
    print(f"{what}; nothing changed", file=sys.stderr)
    return 0


def _local(stamp: str | None, tz: str) -> str:
    return local_time(stamp, tz) if stamp else ""


async def cmd_adjust(args: argparse.Namespace, settings: Settings, campaign_of: Callable) -> int:
    async with campaign_of(settings, args.campaign) as (store, stored):
        with _refusals(AdjustmentRefused):
            wanted = adjustments.request(stored, args.department, args.points, args.reason)
        entry = await adjustments.adjust(store, stored, wanted, actor="cli")
    print(f"#{entry.id} {entry.department}: {entry.points:+g} ({entry.reason})")
    return 0


async def cmd_adjustments(args: argparse.Namespace, settings: Settings, campaign_of: Callable) -> int:
    async with campaign_of(settings, args.campaign) as (store, stored):
        entries = await store.adjustments.register(stored.id)
    tz = stored.campaign.timezone
    if args.format == "json":
        rows = [{"id": e.id, "department": e.department, "points": e.points, "reason": e.reason, "by": e.by,
                 "at": _local(e.at, tz), "revoked": e.revoked, "revoked_at": _local(e.revoked_at, tz) or None,
                 "revoked_by": e.revoked_by, "revoke_reason": e.revoke_reason} for e in entries]
        print(json.dumps({"campaign": stored.key, "adjustments": rows}, ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print(f"{stored.key}: no adjustments")
        return 0
    for e in entries:
        revoked = f"  REVOKED {_local(e.revoked_at, tz)} by {e.revoked_by}: {e.revoke_reason}" if e.revoked else ""
        print(f"#{e.id:<4} {e.department:<10} {e.points:+7g}  {e.reason}  ({e.by}, {_local(e.at, tz)}){revoked}")
    return 0


async def cmd_revoke(args: argparse.Namespace, settings: Settings, campaign_of: Callable) -> int:
    async with campaign_of(settings, args.campaign) as (store, stored):
        with _refusals(AdjustmentRefused):
            done = await adjustments.revoke(store, stored, args.id, args.reason, actor="cli")
    if done.outcome == "unknown":
        raise RecordError(f"no adjustment #{args.id} in {args.campaign} (see `kaoping adjustments {args.campaign}`)")
    if done.outcome == "already":
        return _unchanged(f"#{args.id} was revoked already")
    assert done.entry is not None
    print(f"revoked #{args.id}: {done.entry.department} {done.entry.points:+g} ({done.entry.reason})")
    return 0


async def cmd_reopen(args: argparse.Namespace, settings: Settings, campaign_of: Callable) -> int:
    async with campaign_of(settings, args.campaign) as (store, stored):
        with _refusals(sheet_service.SheetRefused):
            sheet = await sheet_service.find_sheet(store, stored, args.rater, args.group)
            change = await sheet_service.reopen(store, stored, sheet, args.reason, actor="cli")
    if change.outcome == "refused":
        raise RecordError(f"{args.rater}/{args.group} is {change.sheet.state}, not submitted; nothing changed")
    if change.outcome == "already":
        return _unchanged(f"{args.rater}/{args.group} was reopened already with this reason")
    print(f"reopened {args.rater}/{args.group}; the rater will be told by the bot")
    return 0


_AUDIT_COLUMNS = ("at", "actor", "action", "subject", "old", "new", "source")


def _audit_row(e: AuditEntry, tz: str) -> dict[str, Any]:
    return {"id": e.id, "at": _local(e.at, tz), "actor": e.actor, "action": e.action, "subject": e.subject,
            "old": e.old, "new": e.new, "source": e.source}


async def cmd_audit(args: argparse.Namespace, settings: Settings, campaign_of: Callable) -> int:
    async with campaign_of(settings, args.campaign) as (store, stored):
        if args.department and args.department not in {d.key for d in stored.campaign.departments}:
            raise RecordError(f"unknown department '{args.department}'")
        if args.rater and args.rater not in stored.rater_keys:
            raise RecordError(f"unknown rater '{args.rater}'")
        entries = await trail(store, stored, department=args.department, rater=args.rater)
    tz = stored.campaign.timezone
    rows = [_audit_row(e, tz) for e in entries]
    if args.format == "json":
        print(json.dumps({"campaign": stored.key, "entries": rows}, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", *_AUDIT_COLUMNS])
        for r in rows:
            writer.writerow([r["id"], *(csv_text(r[c] or "") for c in _AUDIT_COLUMNS)])
        sys.stdout.write(out.getvalue())
    else:
        for r in rows:
            change = f"{r['old'] or '—'} -> {r['new'] or '—'}"
            print(f"#{r['id']:<5} {r['at']}  {r['actor']:<18} {r['action']:<9} {r['subject']}  {change}"
                  + (f"  [{r['source']}]" if r["source"] else ""))
        print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}", file=sys.stderr)
    return 0


async def cmd_verify(args: argparse.Namespace, settings: Settings, campaign_of: Callable) -> int:
    async with campaign_of(settings, args.campaign) as (store, stored):
        result = await verify(store, stored)
    if not result.ok:
        for problem in result.problems:
            print(f"kaoping verify: {problem}", file=sys.stderr)
        print(f"kaoping verify: {stored.key}: {len(result.problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{stored.key}: ok — {result.entries} audit entries chained; {result.scores} scores, "
          f"{result.receipts} receipts, {result.adjustments} adjustments and {result.results} external results "
          "match the log")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("adjust", cmd_adjust, "bonus (+) or penalty (-) points for a department")
    p.add_argument("campaign")
    p.add_argument("department")
    p.add_argument("points", help="a plain number such as 2, -1.5 or +0.25")
    p.add_argument("--reason", required=True)
    p = add("adjustments", cmd_adjustments, "the adjustment register (revoked ones included)")
    p.add_argument("campaign")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p = add("revoke-adjustment", cmd_revoke, "revoke one adjustment (kept in the register and the audit log)")
    p.add_argument("campaign")
    p.add_argument("id", type=_positive_id)
    p.add_argument("--reason", required=True)
    p = add("reopen", cmd_reopen, "reopen a submitted sheet; the rater is told")
    p.add_argument("campaign")
    p.add_argument("--rater", required=True, metavar="KEY")
    p.add_argument("--group", required=True, metavar="KEY")
    p.add_argument("--reason", required=True)
    p = add("audit", cmd_audit, "the audit trail: at, actor, action, subject, old, new, source")
    p.add_argument("campaign")
    p.add_argument("--department", metavar="KEY")
    p.add_argument("--rater", metavar="KEY")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p = add("verify", cmd_verify, "check the audit chain and every receipt against the stored data")
    p.add_argument("campaign")


def _positive_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise argparse.ArgumentTypeError(f"'{text}' is not an adjustment id (see `kaoping adjustments`)")
    return int(text)


__all__ = ["RecordError", "add_commands"]
