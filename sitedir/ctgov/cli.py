"""`flask studies`: import a study from a ClinicalTrials.gov record."""

import re

import click
from flask import current_app
from flask.cli import AppGroup

from sitedir.ctgov.fetch import PUBLIC_API, FetchError, fetch_record
from sitedir.ctgov.importer import ImportRefused, apply, plan_import
from sitedir.ctgov.record import MAX_RECORD_BYTES, NCT_RE, RecordError, parse_json
from sitedir.vocabulary import SLUG_RE

studies_cli = AppGroup("studies", help="Studies: import them from ClinicalTrials.gov records.")

IMPORT_HELP = """Create or update a study from one ClinicalTrials.gov record (API v2 JSON).

FILE is the record as https://clinicaltrials.gov/api/v2/studies/NCT... returns it; or
give --nct to fetch it (only when SITEDIR_CTGOV_URL or --api-url/--online allows it).

The study's slug is the NCT number in lower case unless --slug. Locations in France
(overseas included) become the study's sites; the others are listed as skipped, and so is
a French location whose town is not in the gazetteer. Institutions are matched by name and
town, else created. Everything written says it comes from the record, unverified.

The study's texts exist in English only in the record: they are stored as they are in the
English and the French fields alike (no translation), and the French disclaimer says so.
A location's ENROLLING_BY_INVITATION becomes active_not_recruiting: invited patients only,
no referrals. A location with no status is never "recruiting": it takes the study's
overall status when that rules recruiting out, else not_yet_recruiting, with a reason.

The file is checked whole before anything is written, and the changes are written in one
transaction, audited. Run it again: only what the record changed is changed.
"""


@studies_cli.command("import-ctgov", help=IMPORT_HELP)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--slug", help="The study's slug (default: the NCT number in lower case).")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--nct", help="Fetch this record from ClinicalTrials.gov instead of a FILE.")
@click.option(
    "--api-url",
    help="ClinicalTrials.gov API base URL for --nct (default: the SITEDIR_CTGOV_URL setting).",
)
@click.option("--online", is_flag=True, help=f"With --nct, use the public API ({PUBLIC_API}).")
def import_ctgov(file, slug, dry_run, nct, api_url, online):
    if (file is None) == (nct is None):
        raise click.UsageError("give either FILE or --nct, not both")
    if slug is not None and (len(slug) > 64 or not re.fullmatch(SLUG_RE[1:-1], slug)):
        raise click.BadParameter("lowercase words joined by hyphens, 64 characters at most")
    if nct is not None:
        text, origin = _fetched(nct.strip().upper(), api_url, online), f"{nct} (fetched)"
    else:
        try:
            with open(file, "rb") as handle:
                # One byte past the limit is enough to refuse it (/dev/zero never ends).
                text = handle.read(MAX_RECORD_BYTES + 1)
        except OSError as exc:
            raise click.ClickException(f"{file}: {exc.strerror}") from exc
        origin = file
    try:
        record = parse_json(text)
        if nct is not None and record["protocolSection"]["identificationModule"]["nctId"] != (
            nct.strip().upper()
        ):
            raise RecordError(["protocolSection.identificationModule.nctId: not the one asked"])
        plan = plan_import(record, slug)
    except RecordError as exc:
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise click.ClickException(f"{origin}: not imported, nothing changed:\n{lines}") from exc
    except ImportRefused as exc:
        raise click.ClickException(f"{origin}: not imported, nothing changed: {exc}") from exc
    for line in plan.describe():
        click.echo(line)
    if not plan.changed:
        click.echo(f"nothing to change: study {plan.slug} already holds this record")
        return
    if dry_run:
        click.echo("dry run: nothing written")
        return
    created = sum(1 for s in plan.sites if s.action == "create")
    apply(plan)
    click.echo(
        f"imported study {plan.slug}: {len(plan.sites)} site(s) from the record "
        f"({created} new), {len(plan.skipped)} location(s) skipped"
    )


def _fetched(nct: str, api_url: str | None, online: bool) -> bytes:
    if not re.fullmatch(NCT_RE[1:-1], nct):
        raise click.BadParameter("expected an NCT number (NCT and 8 digits)", param_hint="--nct")
    base = api_url or (PUBLIC_API if online else None) or _setting()
    if not base:
        raise click.ClickException(
            "fetching from ClinicalTrials.gov is off: set SITEDIR_CTGOV_URL "
            f"(e.g. {PUBLIC_API}), or pass --online or --api-url"
        )
    try:
        return fetch_record(base, nct)
    except FetchError as exc:
        raise click.ClickException(f"{nct}: not imported, nothing changed: {exc}") from exc


def _setting() -> str | None:
    # The app's setting when config.py has one; else the environment, read here.
    return current_app.config.get("CTGOV_URL")
