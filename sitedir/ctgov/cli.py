"""`flask studies`: import studies from ClinicalTrials.gov records, and refresh them."""

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import click
from flask import current_app
from flask.cli import AppGroup

from sitedir import jobs
from sitedir.ctgov.fetch import PUBLIC_API, FetchError, fetch_record
from sitedir.ctgov.importer import ImportRefused, apply, plan_import
from sitedir.ctgov.record import MAX_PAGE_BYTES, NCT_RE, RecordError, read_records
from sitedir.domain.vocabulary import SLUG_RE
from sitedir.extensions import db
from sitedir.models import Study

SOURCE = "ClinicalTrials.gov "  # what an imported study's source starts with

studies_cli = AppGroup("studies", help="Studies: import them from ClinicalTrials.gov records.")

IMPORT_HELP = """Create or update studies from ClinicalTrials.gov records (API v2 JSON).

Each FILE is a record as https://clinicaltrials.gov/api/v2/studies/NCT... returns it, a
search result ({"studies": [...], "nextPageToken": ...}, one file per page), or a folder
of such files (*.json, in name order). Or give --nct to fetch one record (only when
SITEDIR_CTGOV_URL or --api-url/--online allows it).

A study's slug is the NCT number in lower case unless --slug (one record only). Locations
in France (overseas included) become the study's sites; the others are listed as skipped
with their reason, and so is a French location that cannot be placed for certain.
Institutions are matched by name and town, else created. Everything written says it comes
from the record, unverified.

The study's texts exist in English only in the record: they are stored as they are in the
English and the French fields alike (no translation), and the French disclaimer says so.
A location's ENROLLING_BY_INVITATION becomes active_not_recruiting: invited patients only,
no referrals. A location with no status is never "recruiting": it takes the study's
overall status when that rules recruiting out, else not_yet_recruiting, with a reason.

Each record is checked whole before anything is written, and written in its own
transaction, audited. Run it again: only what the record changed is changed; an older
record than the one held changes nothing. Sites a record no longer lists are reported,
and marked withdrawn only with --apply-removals. With several records, a table sums up
what each one did.
"""


@dataclass
class Row:
    """One record's line in the summary table."""

    origin: str
    nct: str = "?"
    action: str = "refused"
    counts: dict = field(default_factory=dict)
    why: str = ""

    def cells(self) -> list[str]:
        c = self.counts
        numbers = [str(c.get(k, "")) for k in ("created", "updated", "withdrawn", "skipped")]
        return [self.nct, self.action, *numbers, self.why]


HEADERS = ["record", "study", "created", "updated", "withdrawn", "skipped", "why"]


@studies_cli.command("import-ctgov", help=IMPORT_HELP)
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--slug", help="The study's slug (default: the NCT number in lower case).")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--nct", help="Fetch this record from ClinicalTrials.gov instead of a FILE.")
@click.option(
    "--api-url",
    help="ClinicalTrials.gov API base URL for --nct (default: the SITEDIR_CTGOV_URL setting).",
)
@click.option("--online", is_flag=True, help=f"With --nct, use the public API ({PUBLIC_API}).")
@click.option(
    "--apply-removals",
    is_flag=True,
    help="Mark withdrawn the sites a record no longer lists (default: report them only).",
)
def import_ctgov(files, slug, dry_run, nct, api_url, online, apply_removals):
    if bool(files) == (nct is not None):
        raise click.UsageError("give either FILE or --nct, not both")
    if slug is not None and (len(slug) > 64 or not re.fullmatch(SLUG_RE[1:-1], slug)):
        raise click.BadParameter("lowercase words joined by hyphens, 64 characters at most")
    if nct is not None:
        _import_by_nct(nct, api_url, online, slug, dry_run, apply_removals)
        return
    batch = _read_batch(list(_inputs(files)))
    if len(batch) == 1 and not isinstance(batch[0], Row):
        _import_one(batch[0][1], batch[0][0], slug, dry_run, apply_removals)
        return
    if slug is not None:
        raise click.UsageError("--slug names one study: give one record")
    rows = [r for r in batch if isinstance(r, Row)]
    todo = [r for r in batch if not isinstance(r, Row)]
    for number, (path, record) in enumerate(todo, 1):
        if len(todo) > 1:
            click.echo(f"[{number}/{len(todo)}] {printable(path)}", err=True)
        rows.append(_batch_one(record, path, dry_run, apply_removals))
    _summary(rows, dry_run)


def _import_by_nct(nct, api_url, online, slug, dry_run: bool, apply_removals: bool) -> None:
    """--nct: the one record fetched from the API, refused if it is another study's."""
    wanted = nct.strip().upper()
    text, origin = _fetched(wanted, api_url, online), f"{nct} (fetched)"
    try:
        records, _ = read_records(text)
    except RecordError as exc:
        raise _refused(origin, exc) from exc
    if isinstance(records[0], dict):
        got = records[0]["protocolSection"]["identificationModule"]["nctId"]
        if got != wanted:
            records = [
                RecordError(["protocolSection.identificationModule.nctId: not the one asked"])
            ]
    _import_one(records[0], origin, slug, dry_run, apply_removals)


def _read_batch(inputs: list[str]) -> list:
    """(path, record) for each record of the files; a file that cannot be read is a Row
    saying why (refused outright when it is the only file)."""
    batch: list = []
    for path in inputs:
        try:
            records, _ = read_records(_read(path))
        except RecordError as exc:
            if len(inputs) == 1:
                raise _refused(path, exc) from exc
            batch.append(Row(path, why=printable("; ".join(exc.problems))[:200]))
            continue
        batch += [(path, record) for record in records]
    return batch


def _inputs(files) -> Iterator[str]:
    """The files named, a folder's *.json files in name order."""
    for name in files:
        if os.path.isdir(name):
            found = sorted(f for f in os.listdir(name) if f.endswith(".json"))
            if not found:
                raise click.ClickException(f"{printable(name)}: no *.json file in this folder")
            yield from (os.path.join(name, f) for f in found)
        else:
            yield name


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            # One byte past the limit is enough to refuse it (/dev/zero never ends).
            return handle.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"{printable(path)}: {exc.strerror}") from exc


def _refused(origin: str, exc: RecordError) -> click.ClickException:
    lines = "\n".join(f"  {printable(problem)}" for problem in exc.problems)
    return click.ClickException(f"{printable(origin)}: not imported, nothing changed:\n{lines}")


def _import_one(record, origin: str, slug, dry_run: bool, apply_removals: bool) -> None:
    """One record, as the command has always done it: the plan, then the change."""
    if isinstance(record, RecordError):
        raise _refused(origin, record)
    try:
        plan = plan_import(record, slug, apply_removals)
    except ImportRefused as exc:
        raise click.ClickException(
            f"{printable(origin)}: not imported, nothing changed: {printable(str(exc))}"
        ) from exc
    for line in plan.describe():
        click.echo(printable(line))
    if plan.empty:
        click.echo(f"not imported: no location of the record is a site in France ({plan.slug})")
        return
    if not plan.changed:
        click.echo(f"nothing to change: study {plan.slug} already holds this record")
        return
    if dry_run:
        click.echo("dry run: nothing written")
        return
    created = plan.counts()["created"]
    apply(plan)
    click.echo(
        f"imported study {plan.slug}: {len(plan.sites)} site(s) from the record "
        f"({created} new), {len(plan.skipped)} location(s) skipped"
    )


def _batch_one(record, origin: str, dry_run: bool, apply_removals: bool) -> Row:
    """One record of many: its own transaction; whatever happens, a row of the table."""
    if isinstance(record, RecordError):
        return Row(origin, why=printable("; ".join(record.problems))[:200])
    nct = record["protocolSection"]["identificationModule"]["nctId"]
    try:
        plan = plan_import(record, None, apply_removals)
    except ImportRefused as exc:
        return Row(origin, nct, why=printable(str(exc)))
    for line in plan.describe():
        click.echo(printable(line))
    counts = plan.counts()
    reasons = sorted({s.reason.split(":")[0] for s in plan.skipped})
    why = "; ".join(reasons)
    if plan.empty:
        return Row(origin, nct, "not created", counts, "no site in France")
    if not plan.changed:
        return Row(origin, nct, "unchanged", counts, plan.older or why)
    action = "created" if plan.study is None else "updated"
    if dry_run:
        return Row(origin, nct, f"would be {action}", counts, why)
    try:
        apply(plan)
    except Exception as exc:
        db.session.rollback()
        return Row(origin, nct, "refused", counts, printable(f"{type(exc).__name__}: {exc}")[:200])
    return Row(origin, nct, action, counts, why)


def _summary(rows: list[Row], dry_run: bool) -> None:
    """The table: one line per record, then the totals; exit 1 when a record was refused."""
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS) - 1)]
    click.echo("")
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        click.echo(printable("  ".join([*cells, line[-1]]).rstrip()))
    refused = sum(1 for row in rows if row.action == "refused")
    click.echo(
        f"{len(rows)} record(s): "
        + ", ".join(
            f"{sum(1 for r in rows if r.action == a)} {a}"
            for a in dict.fromkeys(r.action for r in rows)
        )
        + (" (dry run: nothing written)" if dry_run else "")
    )
    if refused:
        raise SystemExit(1)


@studies_cli.command("refresh")
@click.option("--online", is_flag=True, help=f"Fetch from the public API ({PUBLIC_API}).")
@click.option("--api-url", help="ClinicalTrials.gov API base URL (default: SITEDIR_CTGOV_URL).")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option(
    "--apply-removals",
    is_flag=True,
    help="Mark withdrawn the sites a record no longer lists (default: report them only).",
)
@jobs.tracked(jobs.STUDIES_REFRESH)
def refresh(online, api_url, dry_run, apply_removals):
    """Fetch every imported study's record again and apply what changed.

    A newer record updates statuses (with history, confirmation and change-feed events),
    adds new locations, and reports the sites it no longer lists; an older or identical
    record changes nothing. Run it daily from cron or a systemd timer.
    """
    base = _base(api_url, online)
    studies = db.session.scalars(db.select(Study).order_by(Study.slug)).all()
    imported = [
        s for s in studies if (s.registry_ids or {}).get("nct") and s.source.startswith(SOURCE)
    ]
    if not imported:
        click.echo("no study imported from ClinicalTrials.gov: nothing to refresh")
        return
    rows = []
    for number, study in enumerate(imported, 1):
        nct = study.registry_ids["nct"]
        click.echo(f"[{number}/{len(imported)}] {nct}", err=True)
        try:
            records, _ = read_records(fetch_record(base, nct))
        except (FetchError, RecordError) as exc:
            rows.append(Row(nct, nct, why=printable(str(exc))[:200]))
            continue
        record = records[0]
        if isinstance(record, dict) and (
            record["protocolSection"]["identificationModule"]["nctId"] != nct
        ):
            rows.append(Row(nct, nct, why="the API answered another study's record"))
            continue
        rows.append(_batch_one(record, nct, dry_run, apply_removals))
    _summary(rows, dry_run)


def printable(text: str) -> str:
    """Text as the terminal may show it: every control or format character escaped.

    A record's text reaches the operator's terminal: a carriage return would rewrite the
    line, an escape sequence could recolour it or write to the clipboard (OSC 52), a
    bidirectional override could reorder what is read.
    """
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _base(api_url: str | None, online: bool) -> str:
    base = api_url or (PUBLIC_API if online else None) or _setting()
    if not base:
        raise click.ClickException(
            "fetching from ClinicalTrials.gov is off: set SITEDIR_CTGOV_URL "
            f"(e.g. {PUBLIC_API}), or pass --online or --api-url"
        )
    return base


def _fetched(nct: str, api_url: str | None, online: bool) -> bytes:
    if not re.fullmatch(NCT_RE[1:-1], nct):
        raise click.BadParameter("expected an NCT number (NCT and 8 digits)", param_hint="--nct")
    base = _base(api_url, online)
    try:
        return fetch_record(base, nct)
    except FetchError as exc:
        raise click.ClickException(
            f"{nct}: not imported, nothing changed: {printable(str(exc))}"
        ) from exc


def _setting() -> str | None:
    # The app's setting when config.py has one; else the environment, read here.
    return current_app.config.get("CTGOV_URL")
