"""/metrics: Prometheus' text format, for the configured addresses or a token only."""

import ipaddress

import pytest
from prometheus_client.parser import text_string_to_metric_families


def _samples(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    out = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


@pytest.fixture
def scraped(app):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    client = app.test_client()

    def scrape() -> dict:
        return _samples(
            client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
        )

    return client, scrape


def test_metrics_are_for_no_one_by_default(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_metrics_need_the_token_or_an_allowed_address(app):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    client = app.test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"
    app.config["METRICS_TOKEN"] = None
    app.config["METRICS_ALLOW"] = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 404


def test_requests_are_counted_by_route_and_status(scraped):
    client, scrape = scraped
    key = (
        "sitedir_requests_total",
        (("method", "GET"), ("route", "/api/v1/sites/<string:site_id>"), ("status", "404")),
    )
    before = scrape().get(key, 0)
    for name in ("nowhere-1", "nowhere-2"):  # two paths, one route: one series
        assert client.get(f"/api/v1/sites/{name}").status_code == 404
    after = scrape()
    assert after[key] == before + 2
    count = (
        "sitedir_request_duration_seconds_count",
        (("route", "/api/v1/sites/<string:site_id>"),),
    )
    assert after[count] >= 2


def test_answer_cache_hits_and_misses(scraped):
    client, scrape = scraped
    hit, miss = (
        ("sitedir_answer_cache_total", (("result", "hit"),)),
        ("sitedir_answer_cache_total", (("result", "miss"),)),
    )
    before = scrape()
    client.get("/api/v1/nearest?q=Quimper")
    client.get("/api/v1/nearest?q=Quimper")
    after = scrape()
    assert after[miss] == before.get(miss, 0) + 1
    assert after[hit] == before.get(hit, 0) + 1


def test_snapshot_age_and_webhook_queue(scraped):
    client, scrape = scraped
    client.get("/api/v1/sites")
    samples = scrape()
    assert samples[("sitedir_snapshot_last_good_read_timestamp_seconds", ())] > 0
    assert samples[("sitedir_webhook_pending_deliveries", ())] == 0
    assert samples[("sitedir_webhook_endpoints_disabled", ())] == 0


def test_dependency_errors_are_counted(scraped, app):
    client, scrape = scraped
    import redis.exceptions

    @app.get("/test-redis-fails")
    def _fails():
        raise redis.exceptions.ConnectionError("refused")

    key = ("sitedir_dependency_errors_total", (("dependency", "redis"),))
    before = scrape().get(key, 0)
    assert client.get("/test-redis-fails").status_code == 503
    assert scrape()[key] == before + 1


def test_last_runs_of_the_worker_and_timers(app, scraped, tokens):
    _client, scrape = scraped
    before = scrape()
    assert not any(name.startswith("sitedir_job_") for name, _ in before)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contact-requests", "purge"]).exit_code == 0
    assert runner.invoke(args=["webhooks", "deliver", "--once"]).exit_code == 0
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    app.config["SMTP_HOST"] = "127.0.0.1"
    app.config["SMTP_PORT"] = 1  # nobody there: every reminder fails, the run exits 1
    sent = runner.invoke(args=["reminders", "send", "--now", "2031-01-01T09:00:00+01:00"])
    samples = scrape()
    for job in ("contact_purge", "webhooks"):
        assert samples[("sitedir_job_last_success_timestamp_seconds", (("job", job),))] > 0
        assert samples[("sitedir_job_last_run_failed", (("job", job),))] == 0
    run = ("sitedir_job_last_run_timestamp_seconds", (("job", "reminders"),))
    assert samples[run] > 0
    failed = samples[("sitedir_reminders_last_run_emails", (("result", "failed"),))]
    assert sent.exit_code == 1 and failed > 0, sent.output
    assert samples[("sitedir_reminders_last_run_emails", (("result", "sent"),))] == 0
    assert samples[("sitedir_job_last_run_failed", (("job", "reminders"),))] == 1
    assert ("sitedir_job_last_success_timestamp_seconds", (("job", "reminders"),)) not in samples
