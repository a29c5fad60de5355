"""The `kaoping` command line: the supervision office can run a whole campaign from here."""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import json
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from bot import cli_record
from bot.config import Settings
from reports.import_files import LIMITS
from reports.imports import parse_results, parse_scores, read_table
from scoring.assignments import missing_materials, owing_departments
from scoring.campaign import Campaign
from scoring.imports import ImportRejected, NeedsOverwrite, counts
from scoring.validation import MAX_CAMPAIGN_BYTES, CampaignError, CampaignRefused, load_campaign, too_large
from scoring.values import BadScore
from storage.campaigns import CampaignNotFound, OrphanedScores
from storage.status import CampaignStatus, campaign_status
from storage.store import Store


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def read_campaign(path: str) -> Campaign:
    file = Path(path)
    if not file.is_file():
        raise UserError(f"{path}: no such file")
    if file.stat().st_size > MAX_CAMPAIGN_BYTES:  # not even read into memory
        raise too_large(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return load_campaign(text, path)


# -- commands -----------------------------------------------------------------


async def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from scoring.expanded import expanded_json

    campaign = read_campaign(args.file)
    if args.json:
        print(json.dumps(expanded_json(campaign), ensure_ascii=False, indent=2))
    else:
        from scoring.assignments import expand

        print(
            f"{args.file}: ok — {campaign.key} {campaign.title}: {len(campaign.departments)} departments, "
            f"{len(campaign.raters)} raters, {len(expand(campaign))} assignments"
        )
    return 0


async def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    campaign = read_campaign(args.file)
    store = await Store.open(settings.db)
    try:
        result = await store.campaigns.load(campaign, actor="cli", force=args.force)
    except OrphanedScores as exc:
        shown = "\n  ".join(exc.orphans[:50])
        more = f"\n  ... and {len(exc.orphans) - 50} more" if len(exc.orphans) > 50 else ""
        raise UserError(
            f"{args.file}: refused: the change would orphan {len(exc.orphans)} stored score(s) "
            f"(rater/group/department):\n  {shown}{more}\n"
            "Nothing was changed. Use --force to drop them (they stay in the audit log)."
        ) from None
    finally:
        await store.close()
    verb = "loaded" if result.created else "updated"
    if campaign.milestones_past(datetime.now(UTC)):
        last = max(m.due for m in campaign.milestones)
        print(f"{args.file}: warning: every milestone of {campaign.key} is already past (the last was "
              f"{last:%Y-%m-%d %H:%M} {campaign.timezone}); raters will see only closed deadlines", file=sys.stderr)
    print(
        f"{verb} {campaign.key}: +{result.added} / -{result.removed} assignments"
        + (f", {result.dropped_scores} score(s) dropped into the audit log" if result.dropped_scores else "")
    )
    return 0


async def cmd_invites(args: argparse.Namespace, settings: Settings) -> int:
    if not args.list and not 1 <= args.days <= 366:
        raise UserError(f"--days must be from 1 to 366, not {args.days}")
    async with _campaign(settings, args.campaign) as (store, stored):
        c = stored.campaign
        names = {("rater", r.key): r.name for r in c.raters} | {("staff", s.key): s.name for s in c.staff}
        people = [k for k in names if not args.only or k[1] in args.only]
        unknown = set(args.only or ()) - {k for _, k in names}
        if unknown:
            raise UserError(f"unknown rater or staff key(s): {', '.join(sorted(unknown))}")
        if args.list:
            contacts = await store.people.contacts(stored.id)
            bound = [k for k in people if k in contacts]
            for kind, key in people:
                state = "bound" if (kind, key) in contacts else "NOT BOUND"
                print(f"{kind:5} {key:14} {state:9}  {names[(kind, key)]}")
            print(f"{len(bound)} of {len(people)} bound", file=sys.stderr)
            return 0
        invites = await store.people.issue_invites(stored.id, people, timedelta(days=args.days))
    out = io.StringIO()
    writer = csv.writer(out) if args.format == "csv" else None
    if writer:
        writer.writerow(["kind", "key", "name", "token", "link"])
    for inv in invites:
        link = f"https://t.me/{settings.bot_username}?start={inv.token}"
        name = names[(inv.kind, inv.key)]
        if writer:
            writer.writerow([inv.kind, inv.key, name, inv.token, link])
        else:
            out.write(f"{inv.kind:5} {inv.key:14} {name}  {link}\n")
    sys.stdout.write(out.getvalue())
    print(f"{len(invites)} single-use invite(s), valid {args.days} days; older unused links of the same people "
          "no longer work", file=sys.stderr)
    return 0


def _import_file(path: str) -> bytes:
    """The file's bytes, its size checked before it is read."""
    file = Path(path)
    if not file.is_file():
        raise UserError(f"{path}: no such file")
    if file.stat().st_size > LIMITS.max_bytes:
        raise UserError(f"{path}: the file is {file.stat().st_size:,} bytes; at most {LIMITS.max_bytes:,}")
    return file.read_bytes()


def _print_plan(plan: list, path: str) -> None:
    for p in plan:
        print(f"{path}:{p.row.line}: {p.describe()}")


async def cmd_import_scores(args: argparse.Namespace, settings: Settings) -> int:
    data = _import_file(args.file)
    async with _campaign(settings, args.campaign) as (store, stored):
        c = stored.campaign
        assignments = set(await store.results.assignment_keys(stored.id))
        locked = await store.results.locked_sheets(stored.id)
        table = read_table(data, args.file)
        rows = parse_scores(c, table, args.file, assignments, locked)
        try:
            plan = await store.results.import_scores(
                stored.id, rows, actor="cli", source=args.file, overwrite=args.overwrite, dry_run=args.dry_run,
                digest=hashlib.sha256(data).hexdigest())
        except NeedsOverwrite as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"kaoping: {len(exc.problems)} row(s) would replace a score the rater entered; nothing was "
                  "changed (--dry-run shows every row; --overwrite replaces them and tells the raters)",
                  file=sys.stderr)
            return 1
    tally = counts(plan)
    replaced = sum(p.overwrites for p in plan)
    summary = (f"{tally['new']} new, {tally['changed']} changed, {tally['unchanged']} unchanged"
               + (f"; {replaced} replace(s) a score the rater entered" if replaced else ""))
    if args.dry_run:
        _print_plan(plan, args.file)
        refused = " (refused without --overwrite)" if replaced and not args.overwrite else ""
        print(f"dry run: {summary}{refused}; nothing was changed")
        return 0
    written = tally["new"] + tally["changed"]
    told = " (the raters are told)" if replaced else ""
    print(f"imported {written} score(s) into {args.campaign}: {summary}{told}")
    return 0


async def cmd_import_results(args: argparse.Namespace, settings: Settings) -> int:
    data = _import_file(args.file)
    async with _campaign(settings, args.campaign) as (store, stored):
        rows = parse_results(stored.campaign, read_table(data, args.file), args.file)
        plan = await store.results.set_external(stored.id, rows, actor="cli", source=args.file, dry_run=args.dry_run)
    tally = counts(plan)
    summary = f"{tally['new']} new, {tally['changed']} changed, {tally['unchanged']} unchanged"
    if args.dry_run:
        _print_plan(plan, args.file)
        print(f"dry run: {summary}; nothing was changed")
        return 0
    print(f"imported {tally['new'] + tally['changed']} external result(s) into {args.campaign}: {summary}")
    return 0


async def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    async with _campaign(settings, args.campaign) as (store, stored):
        groups = {g.key: g for _, g in stored.campaign.groups()}
        group = groups.get(args.group)
        if group is None:
            raise UserError(f"unknown group '{args.group}' (groups: {', '.join(groups)})")
        if not group.requires_approval:
            raise UserError(f"group '{args.group}' does not require approval")
        sheets = [s for s in await store.sheets.for_campaign(stored.id) if s.group == args.group]
        if args.rater:
            sheets = [s for s in sheets if s.rater == args.rater]
            if not sheets:
                raise UserError(f"rater '{args.rater}' has no sheet in group '{args.group}'")
        approved = [s.rater for s in sheets if await store.sheets.approve(s.id, actor="cli")]
        waiting = [s.rater for s in sheets if s.rater not in approved and s.approval != "approved"]
    print(f"approved {len(approved)} sheet(s) in {args.group}" + (f": {', '.join(approved)}" if approved else ""))
    if waiting:
        print(f"not approvable yet (neither submitted nor imported): {', '.join(waiting)}", file=sys.stderr)
    return 0


async def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    async with _campaign(settings, args.campaign) as (store, stored):
        status = await campaign_status(store, stored)
        handed_in = await store.materials.handed_in(stored.id)
        unknown = await store.reminders.unknown_count(stored.id)
    print(render_status(status))
    if stored.campaign.materials:
        print(render_materials(stored.campaign, handed_in))
    if unknown:  # sends cut off by a crash: they may have arrived and are not repeated (README: delivery promise)
        print(f"{unknown} reminder(s) with unknown outcome: the bot stopped while sending them; not sent again")
    return 0


def render_materials(campaign: Campaign, handed_in: set[tuple[str, str]]) -> str:
    """Per kind of materials: how many departments handed in, and which have not."""
    missing = missing_materials(campaign, handed_in)
    lines = ["materials"]
    for kind in campaign.materials:
        owing = owing_departments(campaign, kind.key)
        late = [d for d in owing if kind.key in missing.get(d, [])]
        due = campaign.milestone(kind.milestone).due
        lines.append(f"  {kind.name} [{kind.key}]  {len(owing) - len(late)}/{len(owing)} handed in  "
                     f"due {due:%Y-%m-%d %H:%M}")
        lines += [f"      {campaign.department(d).name} [{d}]" for d in late]
    return "\n".join(lines)


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    # imported here: matplotlib/openpyxl-sized work that other commands never need
    from reports.exports import render_csv, render_json, render_table, render_xlsx
    from reports.provenance import file_stamp
    from scoring.disclosure import ADMIN
    from services.audit import audit_rows
    from storage.reporting import build_view, score_entries

    fmt, view = args.format, args.view
    async with _campaign(settings, args.campaign) as (store, stored):
        # --view staff: exactly what a non-admin gets from /report in the chat (the same function)
        report, complete = await build_view(store, stored, view)
        status = await campaign_status(store, stored)
        # the admin's workbook lists every individual score; the other formats need only the report
        rows = await score_entries(store, stored) if fmt == "xlsx" and view == ADMIN else None
        audit = await audit_rows(store, stored) if fmt == "xlsx" and view == ADMIN else None
    stamp = file_stamp(stored.campaign, datetime.now(UTC), status.sheets - status.submitted, complete, view)
    if fmt == "xlsx":
        out = args.out or f"report-{stored.key}{'' if view == ADMIN else '-' + view}.xlsx"
        Path(out).write_bytes(render_xlsx(report, stored.campaign, lang=args.lang, scores=rows, stamp=stamp,
                                          audit=audit))
        print(f"wrote {out}", file=sys.stderr)
        return 0
    text = {
        "table": lambda: render_table(report, stored.campaign, lang=args.lang, stamp=stamp),
        "csv": lambda: render_csv(report, stored.campaign, lang=args.lang, stamp=stamp),
        "json": lambda: render_json(report, stamp=stamp),
    }[fmt]()
    if args.out:
        # a BOM lets Excel, as used in the offices, open the CSV as UTF-8
        Path(args.out).write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


async def cmd_scores(args: argparse.Namespace, settings: Settings) -> int:
    """Every entry of the record: rater, group, department, value, comment, recusal reason, source, by, time."""
    from reports.exports import render_scores_csv, render_scores_xlsx
    from reports.provenance import file_stamp
    from scoring.disclosure import ADMIN
    from storage.reporting import build_view, score_entries

    async with _campaign(settings, args.campaign) as (store, stored):
        entries = await score_entries(store, stored)
        _, complete = await build_view(store, stored, ADMIN)
        status = await campaign_status(store, stored)
    stamp = file_stamp(stored.campaign, datetime.now(UTC), status.sheets - status.submitted, complete, ADMIN)
    if args.format == "xlsx":
        out = args.out or f"scores-{stored.key}.xlsx"
        Path(out).write_bytes(render_scores_xlsx(entries, stored.campaign, lang=args.lang, stamp=stamp))
        print(f"wrote {out} ({len(entries)} entries)", file=sys.stderr)
        return 0
    text = render_scores_csv(entries, stored.campaign, lang=args.lang, stamp=stamp)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8-sig")  # the BOM: Excel opens it as UTF-8
        print(f"wrote {args.out} ({len(entries)} entries)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    if Path(args.dest).exists():
        raise UserError(f"{args.dest} exists; choose a new file name")
    if not Path(settings.db).is_file():  # Store.open would create an empty database and back that up
        raise UserError(f"no database at {settings.db}; nothing to back up (set KAOPING_DB or --db)")
    if not Path(args.dest).resolve().parent.is_dir():
        raise UserError(f"{args.dest}: no such directory")
    store = await Store.open(settings.db)
    try:
        await store.backup(args.dest)
    finally:
        await store.close()
    print(f"backed up {settings.db} to {args.dest}")
    return 0


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.instance_lock import InstanceLock, InstanceLocked
    from storage.health import StoreUnusable, check_writable

    try:
        token = settings.token()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    # before anything else: a store the bot cannot write would fail every tap, and a second bot on it
    # would take half the updates and send reminders of its own
    try:
        check_writable(settings.db)
        lock = InstanceLock(settings.db)
        lock.acquire()
    except (StoreUnusable, InstanceLocked) as exc:
        raise UserError(str(exc)) from None
    try:
        # imported only now: aiogram takes seconds to import, and the refusals above should be prompt
        from aiogram.exceptions import TelegramAPIError

        from bot.app import run_polling

        try:
            await run_polling(settings, token, sole=True)
        except TelegramAPIError as exc:  # at start-up (later, polling retries on its own)
            where = f" at {settings.api_base}" if settings.api_base else ""
            raise UserError(f"cannot start: the Bot API{where}: {exc}") from None
    finally:
        lock.release()
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    await run_demo(settings, out_dir=Path(args.out_dir), campaign_file=args.campaign)
    return 0


def render_status(status: CampaignStatus) -> str:
    lines = [f"{status.title} — {status.scored}/{status.total} scored, "
             f"{status.submitted}/{status.sheets} sheets submitted"]
    for group in status.groups:
        lines.append(
            f"  {group.part_name} · {group.name} [{group.key}]  {group.scored}/{group.total}  "
            f"submitted {group.submitted}/{group.sheets}  due {group.due:%Y-%m-%d %H:%M}"
        )
        for rater in group.laggards:
            flag = ("  (imported)" if rater.imported else "") + ("  (unreachable)" if rater.unreachable else "")
            lines.append(f"      {rater.name} [{rater.key}] {rater.scored}/{rater.total} {rater.state}{flag}")
    return "\n".join(lines)


class _campaign:
    """Open the store and find the campaign; close the store on the way out."""

    def __init__(self, settings: Settings, key: str) -> None:
        self.settings, self.key = settings, key

    async def __aenter__(self):
        if not Path(self.settings.db).exists():
            raise UserError(f"no database at {self.settings.db}; run `kaoping load FILE` first (or set KAOPING_DB)")
        self.store = await Store.open(self.settings.db)
        try:
            return self.store, await self.store.campaigns.get(self.key)
        except CampaignNotFound as exc:
            await self.store.close()
            raise UserError(str(exc)) from None

    async def __aexit__(self, *exc: object) -> None:
        await self.store.close()


# -- parsing --------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def _with_campaign(func: Callable[..., Awaitable[int]]) -> Command:
    """A command of `cli_record`, given the way to open the store and find the campaign."""

    async def command(args: argparse.Namespace, settings: Settings) -> int:
        return await func(args, settings, _campaign)

    return command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaoping", description="考评 — annual assessment of departments")
    parser.add_argument("--db", help="database file (default: KAOPING_DB or kaoping.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Command, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.set_defaults(func=func)
        return p

    p = add("check", cmd_check, "validate a campaign file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the expanded campaign")
    p = add("load", cmd_load, "load or update a campaign, keeping scores")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="drop scores the change orphans (kept in the audit log)")
    p = add("invites", cmd_invites, "one single-use deep link per rater and staff member")
    p.add_argument("campaign")
    p.add_argument("--format", choices=["text", "csv"], default="text")
    p.add_argument("--days", type=int, default=30, help="days until the links expire (default 30)")
    p.add_argument("--only", nargs="+", metavar="KEY", help="only these raters/staff")
    p.add_argument("--list", action="store_true", help="show who is bound and who is not (issues nothing)")
    p = add("import-scores", cmd_import_scores, "scores from CSV/XLSX: rater,group,department,score[,comment]")
    p.add_argument("campaign")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="show what each row would do (new/changed/unchanged)")
    p.add_argument("--overwrite", action="store_true", help="replace scores raters entered (they are told)")
    p = add("import-results", cmd_import_results, "final scores of external departments: department,score")
    p.add_argument("campaign")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="show what each row would do (new/changed/unchanged)")
    p = add("approve", cmd_approve, "approve submitted or imported sheets of a group")
    p.add_argument("campaign")
    p.add_argument("group")
    p.add_argument("--rater", metavar="KEY")
    cli_record.add_commands(lambda name, func, help: add(name, _with_campaign(func), help))
    p = add("status", cmd_status, "progress per group and rater")
    p.add_argument("campaign")
    p = add("report", cmd_report, "ranked results")
    p.add_argument("campaign")
    p.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--view", choices=["admin", "staff"], default="admin",
                   help="staff: exactly what a non-admin sees in the chat (default admin: everything)")
    p = add("scores", cmd_scores, "every entry: value, comment, recusal reason, source, who, when (admin only)")
    p.add_argument("campaign")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p = add("backup", cmd_backup, "online copy of the database")
    p.add_argument("dest")
    add("run", cmd_run, "run the bot (long polling)")
    p = add("demo", cmd_demo, "offline demo: sandbox Bot API, simulated raters, the report")
    p.add_argument("--campaign", default=None, help="campaign file (default: examples/municipal.yaml)")
    p.add_argument("--out-dir", default="out", help="where the demo writes its report files")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings() if args.db is None else Settings(db=args.db)
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"kaoping: setting KAOPING_{str(first['loc'][0]).upper()}: {first['msg']}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(args.func(args, settings))
    except (UserError, CampaignError, ImportRejected, BadScore, cli_record.RecordError) as exc:
        print(f"kaoping: {exc}" if not isinstance(exc, CampaignError | ImportRejected) else str(exc),
              file=sys.stderr)
        if isinstance(exc, CampaignError | ImportRejected) and not isinstance(exc, CampaignRefused):
            print(f"kaoping: {len(exc.problems)} problem(s); nothing was changed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kaoping check --json | head`
        sys.stderr.close()
        return 0
    except (OSError, sqlite3.OperationalError) as exc:
        # the environment, not a bug: a directory that does not exist, a read-only or locked database
        print(f"kaoping: {exc}" + (f" (database {settings.db})" if isinstance(exc, sqlite3.Error) else ""),
              file=sys.stderr)
        return 1

