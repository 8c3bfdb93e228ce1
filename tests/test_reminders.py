"""Reminders by email (a real SMTP server on 127.0.0.1), on a controllable clock: 10, 40
and 70 days without confirmation; a second run sends nothing; "still right" in one click."""

from datetime import UTC, datetime, timedelta

import pytest

from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN, Reminder
from sitedir.domain.clock import as_utc
from sitedir.extensions import db
from sitedir.models import Site
from tests.helpers import PASSWORD, HttpsClient, csrf, make_account
from tests.smtp_fixtures import link_in, smtp_server, text_of  # noqa: F401 - the fixture

NOW = datetime.now(UTC).replace(microsecond=0)  # the links expire by the real clock
AGES = {"clermont-ferrand": 10, "nantes": 40, "toulouse": 70}


@pytest.fixture
def reminding_app(app, smtp):
    _, settings = smtp
    app.config.update(settings, PUBLIC_URL="https://localhost")
    with app.app_context():
        sites = {s.slug: s for s in db.session.scalars(db.select(Site))}
        for slug, site in sites.items():
            # Every other site was confirmed yesterday: only these three matter here.
            site.status_confirmed_at = NOW - timedelta(days=AGES.get(slug, 1))
        for slug in AGES:
            make_account(f"{slug}@example.org", SITE_ADMIN, [slug], password=PASSWORD)
        make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        db.session.commit()
    return app


def run(runner, at=NOW):
    result = runner.invoke(args=["reminders", "send", "--days", "30", "--now", at.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_go_once_to_the_right_people(reminding_app, smtp, runner):
    inbox, _ = smtp
    output = run(runner)
    assert "3 email(s) sent" in output
    assert inbox.to("clermont-ferrand@example.org") == []
    [nantes] = inbox.to("nantes@example.org")
    assert len(inbox.to("toulouse@example.org")) == 1
    [summary] = inbox.to("reseau@example.org")
    assert "Nantes" in nantes["Subject"]
    assert "/admin/still-right/" in text_of(nantes) and "/admin/sites/nantes" in text_of(nantes)
    assert "Toulouse" in text_of(summary) and "Nantes" not in text_of(summary)
    # Again at once, and a week later: nothing twice.
    assert "0 email(s) sent" in run(runner)
    assert "0 email(s) sent" in run(runner, NOW + timedelta(days=7))
    assert len(inbox.messages) == 3
    with reminding_app.app_context():
        kinds = sorted((r.site.slug, r.kind) for r in db.session.scalars(db.select(Reminder)))
    assert kinds == [("nantes", "site"), ("toulouse", "network"), ("toulouse", "site")]
    # N days later, still unconfirmed: reminded again.
    run(runner, NOW + timedelta(days=31))
    assert len(inbox.to("nantes@example.org")) == 2


def test_still_right_confirms_after_one_click_on_the_page(reminding_app, smtp, runner):
    inbox, _ = smtp
    run(runner)
    [message] = inbox.to("nantes@example.org")
    path = link_in(message, "/admin/still-right/").removeprefix("https://localhost")
    reminding_app.test_client_class = HttpsClient
    client = reminding_app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Nantes" in page.get_data(as_text=True)
    with reminding_app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        assert as_utc(site.status_confirmed_at) < NOW - timedelta(days=39)  # GET: no change
    done = client.post(path, data={"csrf_token": csrf(page)})
    assert done.status_code == 200
    with reminding_app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        assert as_utc(site.status_confirmed_at) >= NOW
    assert client.get(path).status_code == 410  # single use
    events = client.get("/api/v1/changes").get_json()["events"]
    assert [e["type"] for e in events] == ["site.confirmed"]


def test_the_to_confirm_page_lists_reminders(reminding_app, smtp, runner):
    from tests.helpers import login

    run(runner)
    reminding_app.test_client_class = HttpsClient
    client = reminding_app.test_client()
    login(client, "reseau@example.org")
    text = client.get("/admin/to-confirm").get_data(as_text=True)
    assert text.index("Toulouse") < text.index("Nantes") < text.index("Clermont-Ferrand")
    assert "nantes@example.org" in text


def test_an_address_the_server_refuses_stops_nothing_and_nothing_goes_twice(
    reminding_app, smtp, runner, monkeypatch
):
    """One site admin's mailbox is gone: the others are reminded once, their links work,
    and the command fails (status 1) so that cron tells someone."""
    from tests.smtp_fixtures import Inbox, link_in

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nantes@"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    monkeypatch.setattr(Inbox, "handle_RCPT", handle_RCPT, raising=False)
    inbox, _ = smtp
    for _ in range(2):
        result = runner.invoke(args=["reminders", "send", "--days", "30", "--now", NOW.isoformat()])
        assert result.exit_code == 1
        assert "nantes: NOT SENT" in result.output and "nantes@example.org" in result.output
    [toulouse] = inbox.to("toulouse@example.org")  # once, though the command ran twice
    assert len(inbox.to("reseau@example.org")) == 1
    with reminding_app.app_context():
        kinds = sorted((r.site.slug, r.kind) for r in db.session.scalars(db.select(Reminder)))
    assert kinds == [("toulouse", "network"), ("toulouse", "site")]  # Nantes: tried again
    path = link_in(toulouse, "/admin/still-right/").removeprefix("https://localhost")
    reminding_app.test_client_class = HttpsClient
    assert reminding_app.test_client().get(path).status_code == 200  # a link that exists


def test_reminders_start_the_day_the_status_turns_stale(reminding_app, smtp, runner):
    """Reminded by the API's `stale` (more than 30 Paris days), not a day earlier."""
    inbox, _ = smtp
    with reminding_app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        # 2 March 00:30 in Paris, 1 March in UTC.
        site.status_confirmed_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        db.session.commit()
    # 1 April 23:59 in Paris: 30 days, not stale, nobody reminded.
    assert "0 email(s) sent" in run(runner, datetime(2026, 4, 1, 21, 59, tzinfo=UTC))
    # 2 April 00:00 in Paris: stale, the site admins are reminded.
    assert "1 email(s) sent" in run(runner, datetime(2026, 4, 1, 22, 0, tzinfo=UTC))
    assert len(inbox.to("nantes@example.org")) == 1
    # The network admins hear of it once it is stale for twice as long (more than 60 days).
    run(runner, datetime(2026, 5, 1, 21, 59, tzinfo=UTC))  # 1 May 23:59 in Paris: 60 days
    assert inbox.to("reseau@example.org") == []
    run(runner, datetime(2026, 5, 2, 22, 0, tzinfo=UTC))  # 3 May: 62 days
    assert len(inbox.to("reseau@example.org")) == 1


def test_a_site_still_stale_is_reminded_again_n_paris_days_later_whatever_the_second(
    reminding_app, smtp, runner
):
    """Cron does not start at the same second each day: the next reminder is due N Paris
    days after the last one, like staleness itself, not N × 24 hours to the second (which
    put it off by a day whenever today's run started a little earlier than that one)."""
    inbox, _ = smtp
    with reminding_app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "toulouse"))
        site.status_confirmed_at = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
        db.session.commit()
    run(runner, datetime(2026, 6, 1, 6, 0, 5, tzinfo=UTC))  # 1 June 08:00:05 in Paris
    assert len(inbox.to("toulouse@example.org")) == 1
    run(runner, datetime(2026, 6, 30, 21, 59, tzinfo=UTC))  # 30 June 23:59: 29 days later
    assert len(inbox.to("toulouse@example.org")) == 1
    run(runner, datetime(2026, 7, 1, 6, 0, 1, tzinfo=UTC))  # 1 July 08:00:01: 30 days later
    assert len(inbox.to("toulouse@example.org")) == 2
