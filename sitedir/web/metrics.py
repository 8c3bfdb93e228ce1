"""Prometheus metrics at /metrics, for the configured addresses or a bearer token only.

Counted as requests end (a counter and a histogram by route, the URL rule rather than the
path, so that cardinality stays bounded), by the features (answer-cache hits, dependency
errors, the snapshot's last good read), and read from the database at scrape time (the
webhook queue, endpoints disabled).

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR to an empty directory the workers can write
(emptied at each start): prometheus-client then keeps each worker's values in files there,
and a scrape, answered by any one worker, adds them all up.
"""

import hmac
import ipaddress
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from sitedir.domain.clock import as_utc
from sitedir.web.problems import problem_response

REQUESTS = Counter("sitedir_requests_total", "Requests answered", ("route", "method", "status"))
LATENCY = Histogram(
    "sitedir_request_duration_seconds",
    "Time to answer a request, by route",
    ("route",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
ANSWER_CACHE = Counter(
    "sitedir_answer_cache_total", "Nearest answers looked up in the answer cache", ("result",)
)
DEPENDENCY_ERRORS = Counter(
    "sitedir_dependency_errors_total",
    "Failures of the database, Redis or the mail server met by a request",
    ("dependency",),
)
# The oldest across live workers: the one whose snapshot is the stalest sets the age.
SNAPSHOT_READ = Gauge(
    "sitedir_snapshot_last_good_read_timestamp_seconds",
    "When this process last read the data's fingerprint from the database (Unix time)",
    multiprocess_mode="livemin",
)

blp = Blueprint("metrics", __name__)


def count_answer_cache(hit: bool) -> None:
    """One nearest answer found in the answer cache, or not."""
    ANSWER_CACHE.labels("hit" if hit else "miss").inc()


def count_dependency_error(error: Exception) -> None:
    """One failure of a dependency, by the module its exception comes from."""
    module = type(error).__module__.split(".")[0]
    dependency = {"sqlalchemy": "database", "redis": "redis", "smtplib": "smtp"}.get(
        module, "other"
    )
    DEPENDENCY_ERRORS.labels(dependency).inc()


def snapshot_read() -> None:
    """The snapshot's fingerprint was read from the database just now."""
    SNAPSHOT_READ.set(time.time())


def register_metrics(app: Flask) -> None:
    """Count every request as it ends (installed early: its hook runs late)."""
    # The labelled series, looked up once each: `labels()` takes a lock and builds a
    # tuple on every call. Bounded like the series themselves (routes x methods x statuses).
    counters: dict[tuple[str, str, int], Counter] = {}
    histograms: dict[str, Histogram] = {}

    @app.after_request
    def _count(response):
        rule = request.url_rule
        route = rule.rule if rule is not None else "unmatched"
        key = (route, request.method, response.status_code)
        counter = counters.get(key)
        if counter is None:
            counter = counters[key] = REQUESTS.labels(route, key[1], str(key[2]))
        counter.inc()
        started = g.get("request_started")
        if started is not None:
            histogram = histograms.get(route)
            if histogram is None:
                histogram = histograms[route] = LATENCY.labels(route)
            histogram.observe(time.perf_counter() - started)
        return response


def serve_metrics(app: Flask) -> None:
    """Serve /metrics, outside the rate limits: Prometheus scrapes it often."""
    app.register_blueprint(blp)
    app.extensions["sitedir_limiter"].exempt(blp)


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config["METRICS_ALLOW"])


@blp.get("/metrics")
def metrics():
    """The metrics in Prometheus' text format; 404 to anyone else (nothing to discover)."""
    if not _allowed():
        return problem_response(404, "Aucune ressource à cette adresse.")
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    body = generate_latest(registry) + generate_latest(_DatabaseCollector.registry())
    response = Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


class _DatabaseCollector:
    """What only the database knows, read at each scrape: the webhook queue's depth and
    its oldest pending event, the endpoints disabled."""

    @classmethod
    def registry(cls) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(cls())
        return registry

    def collect(self):
        from sitedir.events.models import WebhookDelivery, WebhookEndpoint
        from sitedir.extensions import db
        from sitedir.jobs import JobRun

        try:
            pending, oldest = db.session.execute(
                db.select(db.func.count(), db.func.min(WebhookDelivery.created_at)).where(
                    WebhookDelivery.state == "pending"
                )
            ).one()
            disabled = db.session.scalar(
                db.select(db.func.count())
                .select_from(WebhookEndpoint)
                .where(WebhookEndpoint.active.is_(False))
            )
            runs = db.session.scalars(db.select(JobRun)).all()
        except Exception:  # the database is down: the other metrics still answer
            db.session.rollback()
            return
        yield GaugeMetricFamily(
            "sitedir_webhook_pending_deliveries", "Webhook deliveries pending", value=pending
        )
        if oldest is not None:
            yield GaugeMetricFamily(
                "sitedir_webhook_oldest_pending_timestamp_seconds",
                "When the oldest pending webhook delivery was queued (Unix time)",
                value=as_utc(oldest).timestamp(),
            )
        yield GaugeMetricFamily(
            "sitedir_webhook_endpoints_disabled", "Webhook endpoints disabled", value=disabled
        )
        yield from _job_metrics(runs)


def _job_metrics(runs):
    """The worker's and the timers' last run and last success (sitedir/jobs.py), and what
    the last reminders run sent and failed."""
    success = GaugeMetricFamily(
        "sitedir_job_last_success_timestamp_seconds",
        "When the job (webhooks worker, reminders, contact_purge, studies_refresh) last "
        "succeeded (Unix time)",
        labels=("job",),
    )
    run = GaugeMetricFamily(
        "sitedir_job_last_run_timestamp_seconds",
        "When the job last ran, successfully or not (Unix time)",
        labels=("job",),
    )
    failed = GaugeMetricFamily(
        "sitedir_job_last_run_failed", "1 when the job's last run failed", labels=("job",)
    )
    reminders = GaugeMetricFamily(
        "sitedir_reminders_last_run_emails",
        "Reminder emails of the last `flask reminders send`, by result",
        labels=("result",),
    )
    for row in runs:
        run.add_metric((row.name,), as_utc(row.last_run_at).timestamp())
        if row.last_success_at is not None:
            success.add_metric((row.name,), as_utc(row.last_success_at).timestamp())
        latest_failed = row.last_failure_at is not None and (
            row.last_success_at is None or as_utc(row.last_failure_at) > as_utc(row.last_success_at)
        )
        failed.add_metric((row.name,), 1.0 if latest_failed else 0.0)
        if row.name == "reminders" and row.last_counts:
            reminders.add_metric(("sent",), row.last_counts.get("sent", 0))
            reminders.add_metric(("failed",), row.last_counts.get("failed", 0))
    yield from (success, run, failed, reminders)
