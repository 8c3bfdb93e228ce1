"""Settings: one table, each setting declared once (variable, type, default, meaning).

`SETTINGS` is read three ways: `from_environment` parses the environment with it (a value
that does not parse stops the start with a message naming the variable), the README's
configuration tables are generated from it (`tools/settings_table.py`, checked by
tests/test_docs.py), and the code reads `app.config[key]` without a default of its own.

A new setting is one `Setting(...)` row below, then `./dev settings` (the README).
"""

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click

from sitedir.domain.staleness import DEFAULT_STALE_DAYS

# The Host names answered when SITEDIR_TRUSTED_HOSTS is not set: enough for `./dev run`,
# the test client and probes on the machine itself.
DEFAULT_TRUSTED_HOSTS = ("localhost", "127.0.0.1")
# Where SECRET_KEY may be left unset (a random key per process): nowhere else.
THROWAWAY_ENVIRONMENTS = ("development", "test")


class SettingError(click.ClickException, ValueError):
    """A setting's value does not parse, or a required one is missing: the app cannot start.

    A ClickException: a `flask` command prints its one line (`Error: ...`) and exits 1,
    as `wsgi.py` and gunicorn.conf.py do, never a traceback."""


# -- types: each parses the text of a variable, or raises ValueError saying what it wants --


@dataclass(frozen=True)
class Kind:
    """How a variable's text becomes a value; `name` is the README's type column."""

    name: str
    parse: Callable[[str], Any]
    # False for a value that may hold a secret (a database URL's password): a refusal
    # names the variable without repeating its text.
    echo: bool = True


def _boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("true or false (also 1/0, yes/no, on/off)")


def integer(minimum: int = 0, maximum: int | None = None) -> Kind:
    """A whole number within bounds."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ValueError("a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            top = "" if maximum is None else f" and at most {maximum}"
            raise ValueError(f"a whole number of at least {minimum}{top}")
        return value

    return Kind("integer", parse)


def number(minimum: float = 0) -> Kind:
    """A decimal number (seconds, mostly) of at least `minimum`."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError("a number (e.g. 0.5)") from None
        if not value >= minimum:  # also refuses nan
            raise ValueError(f"a number of at least {minimum:g}")
        return value

    return Kind("number", parse)


def choice(*values: str) -> Kind:
    """One of a few words."""

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in values:
            raise ValueError("one of " + ", ".join(values))
        return value

    return Kind("one of " + ", ".join(f"`{v}`" for v in values), parse)


# A name Flask's TRUSTED_HOSTS can match: lower-case labels, a leading dot for the
# subdomains, a port (ignored); not a URL, a wildcard or an IPv6 literal.
HOST_NAME = re.compile(
    r"\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*(:[0-9]{1,5})?"
)


def host_names(value: str | None) -> list[str]:
    """The host names of a comma-separated setting; the defaults when it names none.
    Raises ValueError for one werkzeug could never match (every request would be a 400)."""
    names = [name.strip().lower() for name in (value or "").split(",") if name.strip()]
    for name in names:
        if not HOST_NAME.fullmatch(name):
            raise ValueError(
                f"host names, comma-separated (`annuaire.example.fr`, `.example.fr` for its "
                f"subdomains, `127.0.0.1`; no scheme, path or `*`), not {name!r}"
            )
    return names or list(DEFAULT_TRUSTED_HOSTS)


def _networks(text: str) -> list:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return [ipaddress.ip_network(part, strict=False) for part in parts]
    except ValueError:
        raise ValueError("addresses or networks, comma-separated (10.0.0.0/8,127.0.0.1)") from None


def _rate_limit(text: str) -> str:
    from limits import parse_many  # flask-limiter's own notation

    try:
        parse_many(text)
    except ValueError:
        raise ValueError("a rate limit such as `10 per minute`") from None
    return text.strip()


def _url(text: str) -> str:
    value = text.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value) or not _has_host(value):
        raise ValueError("an http:// or https:// address with a host name")
    return value


def _has_host(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    return bool(parts.hostname)


def _database_url(text: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = normalise_database_url(text.strip())
    try:
        make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(
            "an SQLAlchemy URL (`postgresql://user@host/db`, `sqlite:///path`)"
        ) from None
    return url


def normalise_database_url(url: str) -> str:
    """Return the URL with PostgreSQL's driver named (SQLAlchemy 2 would pick psycopg2),
    and libpq's multi-host form (`postgresql://u@h1:p1,h2:p2/db`) in SQLAlchemy's."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + _multi_host(url[len(prefix) :])
    return url


def _multi_host(rest: str) -> str:
    """`u@h1:p1,h2:p2/db?q` (what libpq and psycopg accept, for a primary and its standbys)
    as `u@/db?host=h1:p1&host=h2:p2&q`: SQLAlchemy's URL parser takes one host and port,
    and reads several from the query (its psycopg dialect joins them back for libpq)."""
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    user, at, hosts = netloc.rpartition("@")
    if "," not in hosts:
        return rest
    path, question, query = tail.partition("?")
    each = "&".join(f"host={host}" for host in hosts.split(","))
    return f"{user}{at}{path or '/'}?{each}" + (f"&{query}" if question and query else "")


BOOLEAN = Kind("boolean", _boolean)
TEXT = Kind("text", str.strip)
URL = Kind("URL", _url)
RATE = Kind("rate limit", _rate_limit)
HOSTS = Kind("host names", host_names)
NETWORKS = Kind("networks", _networks)
DATABASE = Kind("SQLAlchemy URL", _database_url, echo=False)


@dataclass(frozen=True)
class Setting:
    """One setting: the app.config key, its environment variable, type, default, meaning.

    `shown` is the README's default when the default is computed (None here) or needs
    words; `group` is the README table it is listed in: "app" (read by the app, in
    app.config) or "server" (read by gunicorn.conf.py).
    """

    key: str
    env: str
    kind: Kind
    default: Any
    help: str
    shown: str | None = None
    group: str = "app"

    def parse(self, environ: Mapping[str, str]) -> Any:
        """The value in `environ`, else the default; an empty value counts as unset."""
        text = environ.get(self.env, "")
        if not text.strip():
            return self.default
        try:
            return self.kind.parse(text)
        except ValueError as error:
            given = f"={text!r}" if self.kind.echo else " (value not shown)"
            raise SettingError(f"{self.env}{given}: expected {error}") from None

    def default_text(self) -> str:
        """The default as the README shows it."""
        if self.shown is not None:
            return self.shown
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        if self.default in (None, "", []):
            return "empty"
        return f"`{self.default}`"


# fmt: off
SETTINGS: tuple[Setting, ...] = (
    # Where and how the app runs
    Setting("ENVIRONMENT", "SITEDIR_ENV", choice("production", "development", "test"), "production", "`development` (`./dev run`, `./dev flask`) and `test` (the test suite) allow an unset `SECRET_KEY`; in `production` the app refuses to start without it"),
    Setting("SQLALCHEMY_DATABASE_URI", "DATABASE_URL", DATABASE, None, "SQLAlchemy URL (`postgresql://...` uses psycopg); libpq's `postgresql://u@h1:p1,h2:p2/db?target_session_attrs=read-write` names a primary and its standbys (docs/OPERATIONS.md, \"Database failover or restart\")", shown="SQLite file in `instance/`"),
    Setting("SECRET_KEY", "SECRET_KEY", TEXT, None, "signs sessions and form tokens; the same on every instance; required in production (the app stops at start without it)", shown="random per process (development and tests only)"),
    Setting("SECRET_KEY_FALLBACKS", "SECRET_KEY_FALLBACKS", Kind("keys", lambda text: [k.strip() for k in text.split(",") if k.strip()]), [], "comma-separated keys retired by a rotation: what they signed (admin sessions, contact-form tokens) is still accepted, nothing new is signed with them (docs/OPERATIONS.md, \"Rotating SECRET_KEY\")"),
    Setting("SEED_ON_START", "SITEDIR_SEED_ON_START", BOOLEAN, True, "run `db upgrade` and seed an empty database at start-up; set `false` when a deploy step runs `db upgrade` before the instances start"),
    Setting("SEEDS_DIR", "SITEDIR_SEEDS_DIR", TEXT, None, "the folder of seed files loaded on first run and by `flask seed`", shown="`seeds/`"),
    Setting("DEFAULT_STUDY", "SITEDIR_DEFAULT_STUDY", TEXT, "cart-lupus", "the study `nearest` uses when none is given"),
    Setting("PUBLIC_URL", "SITEDIR_PUBLIC_URL", URL, None, "the app's public address (`https://annuaire.example.fr`): every absolute URL (Atom feed, FHIR, vCard uids, `Link` headers, links in emails) starts with it, whatever `Host` a request carries; its host is always trusted"),
    Setting("FHIR_CANONICAL_URL", "SITEDIR_FHIR_CANONICAL_URL", URL, None, "the canonical base of sitedir's own FHIR definitions (the recruitment-status extension, the contact-role CodeSystem, both served under `/fhir`): fixed whatever `Host` a request carries; without it or `SITEDIR_PUBLIC_URL`, the request's base", shown="`SITEDIR_PUBLIC_URL` + `/fhir`"),
    Setting("TRUSTED_HOSTS", "SITEDIR_TRUSTED_HOSTS", HOSTS, list(DEFAULT_TRUSTED_HOSTS), "the `Host` names sitedir answers (comma-separated, lower case; `.example.fr` admits its subdomains, `*.example.fr` is refused at start like any value that is not a host name; any port); any other `Host` is a `400`, except on the health probes, answered whatever the `Host`", shown="`localhost,127.0.0.1`"),
    Setting("PROXY_HOPS", "SITEDIR_PROXY_HOPS", integer(), 0, "proxies in front that append to `X-Forwarded-For` (werkzeug's `ProxyFix`); 0 ignores the header"),
    Setting("MAX_CONTENT_LENGTH", "SITEDIR_MAX_BODY_BYTES", integer(1), 64 * 1024, "the largest request body read; larger is `413`, refused before anything is parsed or spooled to disk"),
    Setting("HSTS_SECONDS", "SITEDIR_HSTS_SECONDS", integer(), 0, "`Strict-Transport-Security` max-age; set it (e.g. `31536000`) only behind HTTPS; `0`: no header"),
    Setting("ACCESS_LOG", "SITEDIR_ACCESS_LOG", BOOLEAN, True, "one JSON line per request on stderr"),
    Setting("COMMIT", "SITEDIR_COMMIT", TEXT, None, "the commit `GET /version` reports, for a deploy without `.git` (an image)", shown="read from the checkout's `.git`"),
    # The database
    Setting("DB_CONNECT_TIMEOUT", "SITEDIR_DB_CONNECT_TIMEOUT", integer(1), 5, "seconds to open a database connection (PostgreSQL's `connect_timeout`; SQLite's wait on a locked file)"),
    Setting("DB_STATEMENT_TIMEOUT_MS", "SITEDIR_DB_STATEMENT_TIMEOUT_MS", integer(), 10000, "PostgreSQL's `statement_timeout` for every session of the app and its commands; `0` turns it off (a very large `flask seed load` or import may need it)"),
    Setting("DB_KEEPALIVES_IDLE", "SITEDIR_DB_KEEPALIVES_IDLE", integer(), 30, "PostgreSQL TCP keepalives: a server gone without a word is noticed after this many idle seconds plus 3 probes 10 s apart; `0` turns them off"),
    Setting("DB_POOL_TIMEOUT", "SITEDIR_DB_POOL_TIMEOUT", integer(1), 3, "seconds a request waits for a free pooled connection before a `503`"),
    Setting("DB_ANSWER_TIMEOUT", "SITEDIR_DB_ANSWER_TIMEOUT", integer(), 0, "seconds a PostgreSQL connection waits for the server's answer before it is closed (a hung server: `SIGSTOP`, a frozen VM, which keepalives do not catch); `0`: the statement timeout plus 1 s. The pool's liveness check and the fingerprint read wait 2 s at most"),
    Setting("DRAIN_FILE", "SITEDIR_DRAIN_FILE", TEXT, None, "while this file exists, `/readyz` answers `503` `\"draining\"` (`flask drain on`/`off`; see docs/OPERATIONS.md, \"Deploying without dropping requests\")", shown="`instance/draining`"),
    Setting("DEGRADED_SECONDS", "SITEDIR_DEGRADED_SECONDS", integer(), 300, "when the database fails, public reads served from memory (sites, nearest, the search page) keep answering from the last good snapshot for this long after the last good read, with `Warning: 110 - \"Response is Stale\"`; `0`: never"),
    Setting("FRESHNESS_MS", "SITEDIR_FRESHNESS_MS", integer(), 1000, "how stale a public answer may be across processes (the fingerprint is read at most once per interval per process; the process that made a write serves it on its next request); `0` checks on every request"),
    Setting("POSTGIS", "SITEDIR_POSTGIS", BOOLEAN, False, "`true`: on PostgreSQL with PostGIS, nearest candidates come from its GiST indexes instead of the in-memory k-d trees (same answers; slower per query on one machine, see `bench/RESULTS.md`)"),
    Setting("ANSWER_CACHE_BYTES", "SITEDIR_ANSWER_CACHE_BYTES", integer(), 16 * 1024 * 1024, "each process's cache of nearest answers, in bytes (and at most 4,096 answers)"),
    Setting("STALE_DAYS", "SITEDIR_STALE_DAYS", integer(1), DEFAULT_STALE_DAYS, "a status not confirmed for more days than this is stale (doctors are told)"),
    # Redis and rate limits
    Setting("REDIS_URL", "REDIS_URL", TEXT, None, "where rate-limit counters are shared between processes and instances", shown="empty (memory)"),
    Setting("REDIS_TIMEOUT", "SITEDIR_REDIS_TIMEOUT", number(0.001), 0.25, "seconds to connect to Redis and to wait for its answer; past it, the limits are counted in memory (public reads) or refused (logins) until Redis answers"),
    Setting("RATELIMIT_ENABLED", "SITEDIR_RATELIMIT", BOOLEAN, True, "`false` turns rate limits off"),
    Setting("RATELIMIT_KEY_PREFIX", "SITEDIR_RATELIMIT_PREFIX", TEXT, "sitedir", "the prefix of the counters' keys in Redis: every instance of one deployment shares it; another deployment on the same Redis (staging) sets its own"),
    Setting("RATELIMIT_PUBLIC", "SITEDIR_RATELIMIT_PUBLIC", RATE, "600 per minute", "one public budget per client across all public routes (Flask-Limiter's notation, as every limit here)"),
    Setting("RATELIMIT_ADMIN", "SITEDIR_RATELIMIT_ADMIN", RATE, "60 per minute", "one budget per client for all admin API routes"),
    Setting("RATELIMIT_LOGIN", "SITEDIR_RATELIMIT_LOGIN", RATE, "10 per minute", "logins and reset requests per client"),
    Setting("RATELIMIT_FHIR_SEARCH", "SITEDIR_RATELIMIT_FHIR_SEARCH", RATE, "120 per minute", "FHIR searches per client, inside the public budget"),
    Setting("RATELIMIT_LOGIN_ACCOUNT", "SITEDIR_RATELIMIT_LOGIN_ACCOUNT", RATE, "10 per hour", "failed logins for one email from one client address"),
    Setting("RATELIMIT_LOGIN_ACCOUNT_CEILING", "SITEDIR_RATELIMIT_LOGIN_ACCOUNT_CEILING", RATE, "100 per hour", "failed logins for one email from any address; its owner is mailed when it is reached"),
    Setting("RATELIMIT_CONTACT", "SITEDIR_RATELIMIT_CONTACT", RATE, "10 per hour", "contact requests per client address (the API and the form together)"),
    Setting("RATELIMIT_CONTACT_EMAIL", "SITEDIR_RATELIMIT_CONTACT_EMAIL", RATE, "5 per day", "contact requests per doctor's email"),
    # Admin accounts
    Setting("SESSION_COOKIE_SECURE", "SITEDIR_SECURE_COOKIES", BOOLEAN, True, "admin session cookies only over HTTPS; `./dev run` sets `false` for plain http on 127.0.0.1"),
    Setting("ARGON2_TIME_COST", "SITEDIR_ARGON2_TIME_COST", integer(1), 3, "the cost of new password hashes (argon2id; argon2-cffi's defaults, RFC 9106's low-memory profile, about 0.1 s and 64 MiB each): passes; stored hashes keep their own, so changing it locks nobody out; a cost argon2 refuses stops the start; the tests use the cheapest (`1`, `8`, `1`)"),
    Setting("ARGON2_MEMORY_KIB", "SITEDIR_ARGON2_MEMORY_KIB", integer(8), 65536, "the memory of new password hashes, in KiB (see `SITEDIR_ARGON2_TIME_COST`)"),
    Setting("ARGON2_PARALLELISM", "SITEDIR_ARGON2_PARALLELISM", integer(1), 4, "the lanes of new password hashes (see `SITEDIR_ARGON2_TIME_COST`)"),
    # Contact requests
    Setting("CONTACT_MIN_FILL_SECONDS", "SITEDIR_CONTACT_MIN_FILL_SECONDS", integer(), 3, "a contact form's token is taken from this many seconds after it was issued (a person needs longer)"),
    Setting("CONTACT_TOKEN_MAX_AGE", "SITEDIR_CONTACT_TOKEN_MAX_AGE", integer(1), 4 * 3600, "a contact form's token is refused from this many seconds after it was issued"),
    Setting("CONTACT_RETENTION_DAYS", "SITEDIR_CONTACT_RETENTION_DAYS", integer(1), 90, "`flask contact-requests purge` deletes contact requests older than this"),
    # Places and studies from outside
    Setting("GEOCODER", "SITEDIR_GEOCODER", choice("ban", "nominatim"), "", "`ban` (Base Adresse Nationale) or `nominatim`: lets `nearest` take `address=`, geocoded online through geopy", shown="empty (off)"),
    Setting("GEOCODER_DOMAIN", "SITEDIR_GEOCODER_DOMAIN", TEXT, None, "the geocoder's host name", shown="the service's own"),
    Setting("GEOCODER_SCHEME", "SITEDIR_GEOCODER_SCHEME", choice("https", "http"), "https", "the geocoder's scheme"),
    Setting("GEOCODER_TIMEOUT", "SITEDIR_GEOCODER_TIMEOUT", number(0.001), 3.0, "seconds to wait for the geocoder; a service that does not answer gives a 503 with `Retry-After`", shown="`3`"),
    Setting("CTGOV_URL", "SITEDIR_CTGOV_URL", URL, None, "ClinicalTrials.gov's API base URL, for `flask studies import-ctgov --nct`", shown="empty (off)"),
    # Email
    Setting("SMTP_HOST", "SITEDIR_SMTP_HOST", TEXT, None, "the mail server for invitations, password resets and reminders; without it nothing is sent and the links are shown to the network admin or printed", shown="empty (no email)"),
    Setting("SMTP_PORT", "SITEDIR_SMTP_PORT", integer(1, 65535), 587, "the mail server's port"),
    Setting("SMTP_USER", "SITEDIR_SMTP_USER", TEXT, None, "the account to log in to the mail server as, if any"),
    Setting("SMTP_PASSWORD", "SITEDIR_SMTP_PASSWORD", TEXT, None, "that account's password"),
    Setting("SMTP_STARTTLS", "SITEDIR_SMTP_STARTTLS", BOOLEAN, True, "STARTTLS with the mail server before logging in"),
    Setting("SMTP_DEADLINE", "SITEDIR_SMTP_DEADLINE", number(0.001), 30.0, "seconds one email may take to send, whole conversation (the socket timeout, 10 s, bounds each read only)", shown="`30`"),
    Setting("MAIL_FROM", "SITEDIR_MAIL_FROM", TEXT, "Annuaire des centres de l'essai <no-reply@localhost>", "the sender of those emails (set an address people can answer); one without a display name gets \"Annuaire des centres de l'essai\""),
    Setting("NETWORK_CONTACT", "SITEDIR_NETWORK_CONTACT", TEXT, None, "how every email says to reach the network team (`equipe@example.fr, +33 1 …`)", shown="empty (the active network admins' addresses)"),
    # Webhooks
    Setting("WEBHOOKS_ALLOW_PRIVATE", "SITEDIR_WEBHOOKS_ALLOW_PRIVATE", BOOLEAN, False, "allow webhooks to loopback, private or link-local addresses (tests, a network inside one hospital)"),
    Setting("WEBHOOKS_TIMEOUT", "SITEDIR_WEBHOOKS_TIMEOUT", number(0.001), 10.0, "how long one webhook attempt may take in all (connect, send, answer: a total deadline)", shown="`10`"),
    Setting("WEBHOOKS_LEASE_SECONDS", "SITEDIR_WEBHOOKS_LEASE_SECONDS", number(0.001), 60.0, "how long a worker holds an endpoint, renewed before each attempt (at least twice the timeout, whatever is set)", shown="`60`"),
    Setting("WEBHOOKS_CONCURRENCY", "SITEDIR_WEBHOOKS_CONCURRENCY", integer(1), 4, "endpoints a webhook worker delivers to side by side"),
    # Metrics
    Setting("METRICS_ALLOW", "SITEDIR_METRICS_ALLOW", NETWORKS, [], "`/metrics` answers the client addresses or networks listed (comma-separated, `10.0.0.0/8,127.0.0.1`; the address as `SITEDIR_PROXY_HOPS` finds it); anyone else gets a `404`; with neither this nor a token, no one"),
    Setting("METRICS_TOKEN", "SITEDIR_METRICS_TOKEN", TEXT, None, "`/metrics` also answers a request with `Authorization: Bearer <token>`"),
    Setting("PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROC_DIR", TEXT, None, "under gunicorn, a directory the workers can write (tmpfs: `/run/sitedir-metrics`): each worker's metrics are kept there and summed at each scrape; gunicorn empties it when it starts (read by prometheus-client itself)"),
    # The legal pages: the operator's to set; until then each page shows a placeholder
    # naming the variable, never a guess.
    Setting("PUBLISHER_NAME", "SITEDIR_PUBLISHER_NAME", TEXT, "", "the legal notice's publisher (the public body that runs the directory); until set, each page shows a placeholder naming the variable"),
    Setting("PUBLISHER_ADDRESS", "SITEDIR_PUBLISHER_ADDRESS", TEXT, "", "the publisher's address"),
    Setting("PUBLISHER_CONTACT", "SITEDIR_PUBLISHER_CONTACT", TEXT, "", "the publisher's contact (an email or `https://` address becomes a link)"),
    Setting("PUBLICATION_DIRECTOR", "SITEDIR_PUBLICATION_DIRECTOR", TEXT, "", "the director of publication"),
    Setting("HOSTING_PROVIDER", "SITEDIR_HOSTING_PROVIDER", TEXT, "", "the host (name, address, phone)"),
    Setting("DPO_CONTACT", "SITEDIR_DPO_CONTACT", TEXT, "", "the privacy page's data protection officer"),
    Setting("PRIVACY_LEGAL_BASIS", "SITEDIR_PRIVACY_LEGAL_BASIS", TEXT, "", "the processing's legal basis"),
    Setting("LOG_RETENTION", "SITEDIR_LOG_RETENTION", TEXT, "", "how long the operator's logs are kept"),
    Setting("ACCESSIBILITY_CONTACT", "SITEDIR_ACCESSIBILITY_CONTACT", TEXT, "", "where the accessibility statement sends a person who cannot reach a content", shown="the publisher's contact"),
    # gunicorn (gunicorn.conf.py)
    Setting("BIND", "SITEDIR_BIND", TEXT, "127.0.0.1:8000", "where gunicorn listens", group="server"),
    Setting("WEB_CONCURRENCY", "WEB_CONCURRENCY", integer(1), None, "gunicorn workers, each serving one request at a time (sync)", shown="2 × cores + 1", group="server"),
    Setting("THREADS", "SITEDIR_THREADS", integer(1), 1, "above 1, threaded workers (gthread, with keep-alive), for clients that reach gunicorn without a buffering proxy", group="server"),
    Setting("TIMEOUT", "SITEDIR_TIMEOUT", integer(1), 30, "seconds before a stuck worker is replaced", group="server"),
    Setting("GUNICORN_CONTROL_SOCKET", "SITEDIR_GUNICORN_CONTROL_SOCKET", TEXT, None, "a path of this instance's own for gunicorn's control socket (`gunicornc`); without it there is none, since instances on one host would share `$HOME/.gunicorn/gunicorn.ctl`", shown="empty (none)", group="server"),
    Setting("MAX_REQUESTS", "SITEDIR_MAX_REQUESTS", integer(1), 50000, "requests after which a worker is replaced (± 10 %), against slow leaks", group="server"),
    Setting("LOG_LEVEL", "SITEDIR_LOG_LEVEL", choice("debug", "info", "warning", "error", "critical"), "info", "the log level of the app, its commands and gunicorn", group="server"),
    Setting("LOG_FORMAT", "SITEDIR_LOG_FORMAT", choice("json", "text"), "json", "`text`: readable log lines for a terminal (still one line per record, the traceback folded); read by `sitedir/logs.py`", group="server"),
    Setting("FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS", TEXT, "127.0.0.1", "gunicorn's own trust of `X-Forwarded-Proto`; the client address for rate limits comes from `SITEDIR_PROXY_HOPS`", group="server"),
)
# fmt: on

# Not from the environment: the same for every deployment.
FIXED: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Admin sessions: HttpOnly, SameSite=Strict, Secure unless SITEDIR_SECURE_COOKIES says.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_NAME": "sitedir_admin",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # Sessions end this long after login, however much they are used (no sliding).
    "SESSION_MAX_AGE": 8 * 3600,
    # flask-smorest: the OpenAPI document and its docs, served by the app itself.
    "API_TITLE": "sitedir",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Annuaire d'orientation des centres français d'un essai de phase 1/2 de "
                "cellules CAR-T dans le lupus de l'adulte : quel centre ouvert est le plus "
                "proche du domicile du patient, et qui contacter. Erreurs au format "
                "application/problem+json (RFC 9457), en français par défaut, en anglais "
                "avec Accept-Language: en.\n\nReferral directory of the French sites of a "
                "phase 1/2 CAR-T cell trial in adult lupus: which open site is nearest to "
                "the patient's town, and whom to contact."
            )
        }
    },
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
}

BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


def parse_environment(
    environ: Mapping[str, str] | None = None, group: str = "app"
) -> dict[str, Any]:
    """Every setting of `group` from the environment, by key. Raises SettingError naming
    each variable that does not parse (all of them, not only the first)."""
    environ = os.environ if environ is None else environ
    values, errors = {}, []
    for setting in SETTINGS:
        if setting.group != group:
            continue
        try:
            values[setting.key] = setting.parse(environ)
        except SettingError as error:
            errors.append(str(error))
    if errors:
        raise SettingError("sitedir cannot start: " + "; ".join(errors))
    return values


def from_environment(
    instance_path: str,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the app settings: `overrides` (create_app's argument) first, then the
    environment, then the table's defaults; the defaults computed from the checkout filled in.

    Raises SettingError for a value that does not parse, and for a missing SECRET_KEY
    outside development and tests.
    """
    config = {**FIXED, **parse_environment(environ), **(overrides or {})}
    if config["SQLALCHEMY_DATABASE_URI"] is None:
        path = os.path.join(instance_path, "sitedir.sqlite3")
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + path
    if config["DRAIN_FILE"] is None:
        config["DRAIN_FILE"] = os.path.join(instance_path, "draining")
    if config["SEEDS_DIR"] is None:
        config["SEEDS_DIR"] = os.path.join(os.path.dirname(os.path.dirname(__file__)), "seeds")
    if not config["SECRET_KEY"]:
        if config["ENVIRONMENT"] not in THROWAWAY_ENVIRONMENTS and not config.get("TESTING"):
            raise SettingError(
                "sitedir cannot start: SECRET_KEY is not set. Set it to a long random value "
                "(python3 -c 'import secrets; print(secrets.token_hex(32))'), the same on "
                "every instance; or SITEDIR_ENV=development on a laptop."
            )
        # A random key is safe for a laptop or a test (sessions die with the process).
        config["SECRET_KEY"] = secrets.token_hex(32)
    return config


# -- the README's tables -------------------------------------------------------------

TABLE_MARKERS = {
    "app": ("<!-- settings:app -->", "<!-- /settings:app -->"),
    "server": ("<!-- settings:server -->", "<!-- /settings:server -->"),
}


def markdown_table(group: str) -> str:
    """The README's table of one group of settings, in the table's order."""
    lines = ["| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
    for setting in SETTINGS:
        if setting.group == group:
            cells = (f"`{setting.env}`", setting.kind.name, setting.default_text(), setting.help)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def with_tables(readme: str) -> str:
    """The README's text with each generated table replaced by the table's current form."""
    for group, (start, end) in TABLE_MARKERS.items():
        before, found, rest = readme.partition(start)
        if not found or end not in rest:
            raise ValueError(f"README.md has no {start} ... {end} block")
        _, _, after = rest.partition(end)
        readme = f"{before}{start}\n{markdown_table(group)}\n{end}{after}"
    return readme
