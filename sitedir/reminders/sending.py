"""Reminders: ask site admins to confirm a status on the day it turns stale (not
confirmed for more than N whole days in Paris, `staleness.is_stale`, as doctors see it);
tell the network admins about sites stale for twice as long.

Meant for cron or a systemd timer (`flask reminders send`), which needs SITEDIR_PUBLIC_URL
(the emails' links must open). Every reminder is recorded per recipient (table
`reminder`): each person is reminded about a site at most once per N (Paris) days however
often the command runs, and one whose email did not go out is tried again at the next
run. Only active accounts that accepted their invitation get email. Sites whose study is
over for them (completed, terminated, withdrawn) are not reminded. Without SMTP nothing
is sent: the command prints the links instead.

Each site's reminder is committed once its emails are sent, and an address the server
refuses (or a server that cannot be reached) is reported on one line, not raised: the
others are still reminded, what was sent is never sent again at the next run, and the
command ends with status 1 so that cron tells someone.
"""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from sitedir import jobs, mail
from sitedir.admin import links
from sitedir.admin.accounts import study_titles
from sitedir.admin.models import LINK_CONFIRM, NETWORK_ADMIN, SITE_ADMIN, Account, Reminder
from sitedir.domain.clock import PARIS, as_utc, in_paris, utc_now
from sitedir.domain.staleness import days_since, is_stale
from sitedir.domain.vocabulary import COMPLETED, STATUS_LABELS, TERMINATED, WITHDRAWN
from sitedir.extensions import db
from sitedir.models import Site

log = logging.getLogger(__name__)
FINAL = (COMPLETED, TERMINATED, WITHDRAWN)
SITE, NETWORK = "site", "network"
NO_COORDINATOR = "aucun coordinateur : à inviter"


@dataclass
class Report:
    """What a run did: one line per email, and the links when they were not emailed."""

    lines: list[str] = field(default_factory=list)
    emails: int = 0
    failed: int = 0


def _send(to: str, message: mail.Message, report: Report, what: str) -> bool | None:
    """mail.send to one address; None (reported on one line) when the server refused it
    or could not be reached."""
    try:
        return mail.send([to], message)
    except (smtplib.SMTPException, OSError) as exc:
        report.failed += 1
        report.lines.append(f"{what}: NOT SENT to {to} ({mail.one_line(exc)})")
        return None


def _window_start(today: date, days: int) -> datetime:
    """The first moment of the last `days` Paris days up to `today`: counted in days like
    staleness, so a daily run that starts a few seconds earlier than the last one is not
    put off to the next day."""
    first_day = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=PARIS)
    return first_day.astimezone(UTC)


def _recent(site: Site, kind: str, today: date, days: int) -> list[Reminder]:
    """This kind of reminder about the site, sent less than `days` Paris days ago."""
    return list(
        db.session.scalars(
            db.select(Reminder).where(
                Reminder.site_id == site.id,
                Reminder.kind == kind,
                Reminder.sent_at >= _window_start(today, days),
            )
        ).all()
    )


def _reached(reminders: list[Reminder]) -> set[str]:
    return {address for reminder in reminders for address in reminder.recipients}


def mailable(query):
    """Only accounts that may read the directory's email: active, invitation accepted."""
    return query.where(Account.active, Account.password_hash.is_not(None))


def _site_admins(site: Site) -> list[Account]:
    return list(
        db.session.scalars(
            mailable(
                db.select(Account).where(
                    Account.role == SITE_ADMIN, Account.sites.any(Site.id == site.id)
                )
            ).order_by(Account.email)
        ).all()
    )


def _invited_only(site: Site) -> list[str]:
    """The site's admins invited but who never chose a password."""
    return list(
        db.session.scalars(
            db.select(Account.email).where(
                Account.role == SITE_ADMIN,
                Account.active,
                Account.password_hash.is_(None),
                Account.sites.any(Site.id == site.id),
            )
        ).all()
    )


def _page(path: str) -> str:
    return current_app.config["PUBLIC_URL"] + path


def _day(moment: datetime) -> str:
    return in_paris(moment).strftime("%d/%m/%Y")


def _confirmed_words(site: Site) -> str:
    if site.status_confirmed_at is None:
        return "jamais confirmé / never confirmed"
    return _day(site.status_confirmed_at)


def _status_words(site: Site) -> tuple[str, str]:
    label_fr, label_en = STATUS_LABELS[site.status]
    reason = f" ({site.status_reason})" if site.status_reason else ""
    return f"{label_fr}{reason}", f"{label_en}{reason}"


def _site_message(site: Site, age: int | None, confirm_url: str) -> mail.Message:
    status_fr, status_en = _status_words(site)
    since = f"depuis {age} jours" if age is not None else "jamais confirmé"
    return mail.Message(
        subject=f"{site.full_name} : le statut est-il toujours exact ? / is the status right?",
        facts=[
            ("Essai / study", site.study.title_fr),
            ("Centre / site", site.full_name),
            ("Statut vu par les médecins / status doctors see", status_fr),
            ("Dernière confirmation / last confirmed", _confirmed_words(site)),
        ],
        paragraphs_fr=[
            "Bonjour,",
            f"Les médecins qui cherchent un centre voient pour {site.full_name} le statut "
            f"« {status_fr} », non confirmé {since}.",
            "S'il est toujours exact, un clic suffit (lien valable 7 jours, une fois). "
            "Sinon, changez-le sur la page du centre.",
        ],
        paragraphs_en=[
            f"Doctors see {site.full_name} as “{status_en}”, not confirmed lately. If it is "
            "still right, one click confirms it; otherwise change it on the site's page.",
        ],
        links=[
            ("C'est toujours exact / still right", confirm_url),
            ("Page du centre / site page", _page(f"/admin/sites/{site.slug}")),
        ],
    )


def _follow_up_words(site: Site) -> str:
    """What was done about the site: who was reminded when, or why nobody was."""
    if not _site_admins(site):
        invited = _invited_only(site)
        if invited:
            return f"aucun coordinateur actif : invitation non acceptée ({', '.join(invited)})"
        return NO_COORDINATOR
    since = site.status_confirmed_at
    query = db.select(Reminder).where(Reminder.site_id == site.id, Reminder.kind == SITE)
    if since is not None:
        query = query.where(Reminder.sent_at >= since)
    sent = [r for r in db.session.scalars(query.order_by(Reminder.sent_at)) if r.recipients]
    if not sent:
        return "pas encore relancé (e-mail non parti)"
    last = sent[-1]
    return f"relancé le {_day(last.sent_at)} ({', '.join(last.recipients)}), sans réponse"


def _summary_message(sites: list[Site], days: int) -> mail.Message:
    lines = [
        f"{s.full_name} : {_status_words(s)[0]}, dernière confirmation : "
        f"{_confirmed_words(s)} ; {_follow_up_words(s)}."
        for s in sites
    ]
    return mail.Message(
        subject=f"{len(sites)} centre(s) sans confirmation / site(s) still unconfirmed",
        facts=[("Essai / study", study_titles(sites))],
        paragraphs_fr=[
            "Bonjour,",
            f"Ces centres n'ont pas confirmé leur statut depuis plus de {days} jours :",
            *lines,
        ],
        paragraphs_en=[
            f"These sites have not confirmed their status for more than {days} days; each "
            "line says whether their coordinators were reminded, or that the site has none "
            "(“aucun coordinateur : à inviter”: invite one on the Comptes page).",
        ],
        links=[("Centres à confirmer / sites to confirm", _page("/admin/to-confirm"))],
    )


def send_reminders(days: int, now: datetime, report: Report | None = None) -> Report:
    """Send what is due at `now`; record each reminder. Safe to run again at once."""
    report = report or Report()
    today = in_paris(now).date()
    overdue_for_network: list[Site] = []
    sites = db.session.scalars(db.select(Site).where(Site.status.not_in(FINAL)).order_by(Site.slug))
    for site in sites.all():
        # The same rule as the `stale` doctors see (Paris days), not a cut-off of its own.
        if not is_stale(site.status_confirmed_at, today, days):
            continue
        age = days_since(site.status_confirmed_at, today)
        try:
            _remind_site(site, age, now, today, days, report)
        except Exception as exc:  # one site's data never stops the others, nor the summary
            db.session.rollback()
            log.exception("reminder for %s failed", site.slug)
            report.failed += 1
            report.lines.append(f"{site.slug}: NOT SENT ({type(exc).__name__}: {exc})")
        if is_stale(site.status_confirmed_at, today, 2 * days):
            overdue_for_network.append(site)
    if overdue_for_network:
        _remind_network(overdue_for_network, now, today, days, report)
    db.session.commit()
    return report


def _remind_site(
    site: Site, age: int | None, now: datetime, today: date, days: int, report: Report
) -> None:
    """Remind each of the site's admins not reminded in the last `days` days; record who."""
    recent = _recent(site, SITE, today, days)
    already = _reached(recent)
    admins = _site_admins(site)
    if not admins:
        if not recent:  # said once per period, like a reminder
            report.lines.append(f"{site.slug}: no active site admin to remind ({NO_COORDINATOR})")
            db.session.add(Reminder(kind=SITE, site_id=site.id, sent_at=now, recipients=[]))
            db.session.commit()
        return
    reached = []
    for admin in admins:
        if admin.email in already:
            continue
        _, token = links.issue(LINK_CONFIRM, admin, site)
        url = links.absolute(LINK_CONFIRM, token)
        sent = _send(admin.email, _site_message(site, age, url), report, site.slug)
        if sent is None:
            db.session.rollback()  # its link is not kept: the next run makes a new one
            continue
        reached.append(admin.email)
        if sent:
            report.emails += 1
            report.lines.append(f"{site.slug}: reminded {admin.email}")
        else:
            report.lines.append(f"{site.slug}: not emailed (no SMTP) {admin.email}: {url}")
        # Recorded as each one is reached, whatever happens to the next one.
        db.session.add(Reminder(kind=SITE, site_id=site.id, sent_at=now, recipients=[admin.email]))
        db.session.commit()


def _remind_network(sites: list[Site], now: datetime, today: date, days: int, report) -> None:
    """One summary per active network admin, of the sites not yet summarised to them."""
    admins = db.session.scalars(
        mailable(db.select(Account).where(Account.role == NETWORK_ADMIN)).order_by(Account.email)
    ).all()
    if not admins:
        report.lines.append("network summary: no active network admin to tell")
        return
    told = {site.id: _reached(_recent(site, NETWORK, today, days)) for site in sites}
    for admin in admins:
        due = [site for site in sites if admin.email not in told[site.id]]
        if not due:
            continue
        sent = _send(admin.email, _summary_message(due, days), report, "network summary")
        if sent is None:
            continue  # not recorded: the next run sends it
        if sent:
            report.emails += 1
        report.lines.append(
            f"network summary ({', '.join(s.slug for s in due)}) to {admin.email}"
            + ("" if sent else " (no SMTP: not emailed)")
        )
        for site in due:
            db.session.add(
                Reminder(kind=NETWORK, site_id=site.id, sent_at=now, recipients=[admin.email])
            )
        db.session.commit()


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
@jobs.tracked(jobs.REMINDERS)
def send_command(days, moment):
    """Remind site admins of stale statuses (DAYS days); network admins after twice as long."""
    problem = links.public_url_problem()
    if problem:
        raise click.UsageError(problem)
    days = days or current_app.config["STALE_DAYS"]
    now = moment or utc_now()
    report = send_reminders(days, now)
    for line in report.lines:
        click.echo(line)
    click.echo(f"{report.emails} email(s) sent")
    jobs.count(sent=report.emails, failed=report.failed)
    if report.failed:
        click.echo(f"{report.failed} email(s) NOT sent: see above", err=True)
        raise SystemExit(1)
