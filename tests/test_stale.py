"""Staleness shown to doctors: `stale` flips when time passes, with no write at all."""

from datetime import UTC, date, datetime, timedelta

import pytest

from sitedir.domain import clock
from sitedir.domain.staleness import is_stale


def _sites(client):
    return {s["id"]: s for s in client.get("/api/v1/sites").get_json()}


def test_is_stale_counts_whole_paris_days():
    confirmed = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 23:30 in Paris, 1 March
    assert not is_stale(confirmed, date(2026, 3, 31), 30)
    assert is_stale(confirmed, date(2026, 4, 1), 30)
    assert is_stale(None, date(2026, 3, 1), 30)


def test_stale_flips_when_the_days_pass_without_a_write(app, client, tokens, monkeypatch):
    app.config["FRESHNESS_MS"] = 0  # read the fingerprint on each request
    client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    site = _sites(client)["clermont-ferrand"]
    assert site["stale"] is False
    assert site["status_confirmed_at"]
    before = client.get("/api/v1/sites")
    today = clock.today_in_paris()
    monkeypatch.setattr(clock, "today_in_paris", lambda: today + timedelta(days=31))
    after = client.get("/api/v1/sites", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the body changed: a new ETag, not 304
    assert {s["id"]: s for s in after.get_json()}["clermont-ferrand"]["stale"] is True
    # The order of the list (and ranking) does not change with staleness.
    assert [s["id"] for s in after.get_json()] == [s["id"] for s in before.get_json()]


def test_a_site_never_confirmed_is_stale(app, client):
    from sitedir.extensions import db
    from sitedir.models import Site

    app.config["FRESHNESS_MS"] = 0
    with app.app_context():  # whatever the seeds say: this test always has one to check
        never = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        never.status_confirmed_at = None
        db.session.commit()
    assert _sites(client)["nantes"]["stale"] is True
    assert "stale" in client.get("/api/v1/openapi.json").get_data(as_text=True)


def test_the_stale_days_are_configurable(app, client, tokens, monkeypatch):
    app.config["FRESHNESS_MS"] = 0
    app.config["STALE_DAYS"] = 5
    client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    today = clock.today_in_paris()
    monkeypatch.setattr(clock, "today_in_paris", lambda: today + timedelta(days=6))
    assert _sites(client)["clermont-ferrand"]["stale"] is True


# 2 March 00:30 in Paris, still 1 March in UTC: where a UTC count and a Paris count part.
CONFIRMED = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def _confirm_clermont_at(app, moment):
    from sitedir.extensions import db
    from sitedir.models import Site

    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status_confirmed_at = moment
        db.session.commit()


def _stale_at(runner, moment: datetime, *days: str) -> list[str]:
    result = runner.invoke(args=["stale", *days, "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("clermont-ferrand")]


def test_flask_stale_counts_paris_days_like_the_api(app, runner):
    """`flask stale` agrees with `is_stale` around midnight, where UTC and Paris differ."""
    _confirm_clermont_at(app, CONFIRMED)
    # 1 April 01:45 in Paris (summer time), 31 March in UTC: 30 Paris days, not stale yet,
    # though more than 30 × 24 hours have passed.
    assert _stale_at(runner, datetime(2026, 3, 31, 23, 45, tzinfo=UTC), "--days", "30") == []
    assert not is_stale(CONFIRMED, date(2026, 4, 1), 30)
    # 2 April 00:00 in Paris: the 31st day, stale; the date shown is the Paris one.
    assert _stale_at(runner, datetime(2026, 4, 1, 22, 0, tzinfo=UTC), "--days", "30") == [
        "clermont-ferrand\trecruiting\tlast confirmed: 2026-03-02"
    ]
    assert is_stale(CONFIRMED, date(2026, 4, 2), 30)


def test_flask_stale_defaults_to_the_configured_days(app, runner):
    app.config["STALE_DAYS"] = 5
    _confirm_clermont_at(app, CONFIRMED)
    assert _stale_at(runner, datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # 6 days after 2 March
    assert not _stale_at(runner, datetime(2026, 3, 7, 12, 0, tzinfo=UTC))


def test_fhir_says_stale_as_the_api_does_and_flips_with_the_day(app, client, tokens, monkeypatch):
    """One rule for every interface: FHIR's recruitment-status extension carries `stale`."""
    app.config["FRESHNESS_MS"] = 0

    def fhir_stale(slug):
        location = client.get(f"/fhir/Location/{slug}").get_json()
        [status] = location["extension"]
        return {p["url"]: p for p in status["extension"]}["stale"]["valueBoolean"]

    client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    assert fhir_stale("clermont-ferrand") is _sites(client)["clermont-ferrand"]["stale"] is False
    today = clock.today_in_paris()
    monkeypatch.setattr(clock, "today_in_paris", lambda: today + timedelta(days=31))
    assert fhir_stale("clermont-ferrand") is _sites(client)["clermont-ferrand"]["stale"] is True


@pytest.mark.parametrize("command", [["stale"], ["reminders", "send"]])
def test_a_moment_that_is_not_iso_is_a_usage_error_not_a_traceback(runner, command):
    result = runner.invoke(args=[*command, "--now", "next tuesday"])
    assert result.exit_code == 2, result.output
    assert "ISO 8601" in result.output and "Traceback" not in result.output
