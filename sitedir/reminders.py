"""Reminders: ask site admins to confirm a status on the day it turns stale (not
confirmed for more than N whole days in Paris, `staleness.is_stale`, as doctors see it);
tell the network admins about sites stale for twice as long.

Meant for cron or a systemd timer (`flask reminders send`). Every reminder is recorded
(table `reminder`), so a site is reminded at most once per N (Paris) days however often the
command runs. Sites whose study is over for them (completed, terminated, withdrawn) are
not reminded. Without SMTP nothing is sent: the command prints the links instead.

Each site's reminder is committed once its emails are sent, and an address the server
refuses is reported, not raised: the others are still reminded, what was sent is never
sent again at the next run, and the command ends with status 1 so that cron tells someone.
"""

import smtplib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from sitedir import mail
from sitedir.admin import links
from sitedir.admin.models import LINK_CONFIRM, NETWORK_ADMIN, SITE_ADMIN, Account, Reminder
from sitedir.clock import PARIS, as_utc, in_paris, utc_now
from sitedir.extensions import db
from sitedir.models import Site
from sitedir.staleness import days_since, is_stale
from sitedir.vocabulary import COMPLETED, STATUS_LABELS, TERMINATED, WITHDRAWN

FINAL = (COMPLETED, TERMINATED, WITHDRAWN)
SITE, NETWORK = "site", "network"


@dataclass
class Report:
    """What a run did: one line per email, and the links when they were not emailed."""

    lines: list[str] = field(default_factory=list)
    emails: int = 0
    failed: int = 0


def _send(to: list[str], message: mail.Message, report: Report, what: str) -> bool | None:
    """mail.send; None (reported) when the server refused it or could not be reached."""
    try:
        return mail.send(to, message)
    except (smtplib.SMTPException, OSError) as exc:
        report.failed += 1
        report.lines.append(f"{what}: NOT SENT ({exc})")
        return None


def _recently(site: Site, kind: str, today: date, days: int) -> bool:
    """Whether this kind of reminder went out for the site less than `days` Paris days
    before `today`: counted in days like staleness, so a daily run that starts a few
    seconds earlier than the last one is not put off to the next day."""
    first_day = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=PARIS)
    return (
        db.session.scalar(
            db.select(Reminder.id).where(
                Reminder.site_id == site.id,
                Reminder.kind == kind,
                Reminder.sent_at >= first_day.astimezone(UTC),
            )
        )
        is not None
    )


def _page(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL")
    return (base or "") + path


def _confirmed_words(site: Site) -> str:
    if site.status_confirmed_at is None:
        return "jamais confirmé / never confirmed"
    return in_paris(site.status_confirmed_at).strftime("%d/%m/%Y")


def _site_message(site: Site, age: int | None, confirm_url: str) -> mail.Message:
    label_fr, label_en = STATUS_LABELS[site.status]
    reason = f" ({site.status_reason})" if site.status_reason else ""
    since = f"depuis {age} jours" if age is not None else "jamais confirmé"
    return mail.Message(
        subject=f"{site.city} : le statut est-il toujours exact ? / is the status still right?",
        paragraphs_fr=[
            "Bonjour,",
            f"Les médecins voient pour {site.city} le statut « {label_fr} »{reason}, "
            f"non confirmé {since} (dernière confirmation : {_confirmed_words(site)}).",
            "S'il est toujours exact, un clic suffit (lien valable 7 jours, une fois). "
            "Sinon, changez-le sur la page du centre.",
        ],
        paragraphs_en=[
            f"Doctors see {site.city} as “{label_en}”{reason}, not confirmed lately. If it is "
            "still right, one click confirms it; otherwise change it on the site's page.",
        ],
        links=[
            ("C'est toujours exact / still right", confirm_url),
            ("Page du centre / site page", _page(f"/admin/sites/{site.slug}")),
        ],
    )


def _summary_message(sites: list[tuple[Site, int | None]]) -> mail.Message:
    lines = [
        f"{s.city} : {STATUS_LABELS[s.status][0]}, dernière confirmation : {_confirmed_words(s)}"
        for s, _ in sites
    ]
    return mail.Message(
        subject=f"{len(sites)} centre(s) sans confirmation / site(s) still unconfirmed",
        paragraphs_fr=[
            "Bonjour,",
            "Ces centres n'ont pas confirmé leur statut malgré une relance :",
            *lines,
        ],
        paragraphs_en=["These sites have not confirmed their status despite a reminder."],
        links=[("Centres à confirmer / sites to confirm", _page("/admin/to-confirm"))],
    )


def send_reminders(days: int, now: datetime, report: Report | None = None) -> Report:
    """Send what is due at `now`; record each reminder. Safe to run again at once."""
    report = report or Report()
    today = in_paris(now).date()
    overdue_for_network: list[tuple[Site, int | None]] = []
    sites = db.session.scalars(db.select(Site).where(Site.status.not_in(FINAL)).order_by(Site.slug))
    for site in sites.all():
        # The same rule as the `stale` doctors see (Paris days), not a cut-off of its own.
        if not is_stale(site.status_confirmed_at, today, days):
            continue
        age = days_since(site.status_confirmed_at, today)
        if not _recently(site, SITE, today, days):
            _remind_site(site, age, now, report)
        if is_stale(site.status_confirmed_at, today, 2 * days) and not _recently(
            site, NETWORK, today, days
        ):
            overdue_for_network.append((site, age))
    if overdue_for_network:
        _remind_network(overdue_for_network, now, report)
    db.session.commit()
    return report


def _remind_site(site: Site, age: int | None, now: datetime, report: Report) -> None:
    admins = db.session.scalars(
        db.select(Account).where(
            Account.role == SITE_ADMIN, Account.active, Account.sites.any(Site.id == site.id)
        )
    ).all()
    reached = []
    for admin in admins:
        _, token = links.issue(LINK_CONFIRM, admin, site)
        url = links.absolute(LINK_CONFIRM, token)
        sent = _send([admin.email], _site_message(site, age, url), report, site.slug)
        if sent is None:
            continue
        reached.append(admin.email)
        if sent:
            report.emails += 1
            report.lines.append(f"{site.slug}: reminded {admin.email}")
        else:
            report.lines.append(f"{site.slug}: not emailed (no SMTP) {admin.email}: {url}")
    if not admins:
        report.lines.append(f"{site.slug}: no active site admin to remind")
    if reached or not admins:  # nobody reached for want of a server: the next run tries again
        db.session.add(Reminder(kind=SITE, site_id=site.id, sent_at=now, recipients=reached))
    db.session.commit()  # sent is recorded, whatever happens to the next site


def _remind_network(sites: list[tuple[Site, int | None]], now: datetime, report: Report) -> None:
    admins = db.session.scalars(
        db.select(Account).where(Account.role == NETWORK_ADMIN, Account.active)
    ).all()
    emails = [a.email for a in admins]
    sent = _send(emails, _summary_message(sites), report, "network summary")
    if sent is None:
        return  # not recorded: the next run sends it
    if sent:
        report.emails += 1
    report.lines.append(
        f"network summary ({', '.join(s.slug for s, _ in sites)}) to {', '.join(emails) or '-'}"
    )
    for site, _ in sites:
        db.session.add(Reminder(kind=NETWORK, site_id=site.id, sent_at=now, recipients=emails))


def _moment(ctx, param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter("an ISO 8601 moment: 2026-03-01T09:00+01:00") from None


def staleness_options(command):
    """Give a command the options of the staleness rule: --days (SITEDIR_STALE_DAYS when
    not given) and a hidden --now, the moment to count from (tests), as a UTC datetime."""
    command = click.option(
        "--now", "moment", default=None, callback=_moment, hidden=True, help="ISO moment (tests)."
    )(command)
    return click.option(
        "--days",
        type=click.IntRange(1, 3650),
        default=None,
        help="Stale after this many days (default: SITEDIR_STALE_DAYS, 30).",
    )(command)


reminders_cli = AppGroup("reminders", help="Email reminders about unconfirmed statuses.")


@reminders_cli.command("send")
@staleness_options
def send_command(days, moment):
    """Remind site admins of stale statuses (DAYS days); network admins after twice as long."""
    days = days or current_app.config["STALE_DAYS"]
    now = moment or utc_now()
    report = send_reminders(days, now)
    for line in report.lines:
        click.echo(line)
    click.echo(f"{report.emails} email(s) sent")
    if report.failed:
        click.echo(f"{report.failed} email(s) NOT sent: see above", err=True)
        raise SystemExit(1)
