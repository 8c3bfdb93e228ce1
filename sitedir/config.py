"""Settings read from the environment, with safe defaults for a laptop."""

import ipaddress
import os
import secrets

# The Host names answered when SITEDIR_TRUSTED_HOSTS is not set: enough for `./dev run`,
# the test client and probes on the machine itself.
DEFAULT_TRUSTED_HOSTS = ("localhost", "127.0.0.1")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def host_names(value: str | None) -> list[str]:
    """The host names of a comma-separated setting; the defaults when it names none."""
    names = [name.strip().lower() for name in (value or "").split(",") if name.strip()]
    return names or list(DEFAULT_TRUSTED_HOSTS)


def normalise_database_url(url: str) -> str:
    """Return the URL with PostgreSQL's driver named: SQLAlchemy 2 would pick psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: str) -> dict:
    """Return the app settings, environment first, defaults second."""
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL")
        or "sqlite:///" + os.path.join(instance_path, "sitedir.sqlite3")
    )
    return {
        # A random key is safe for a laptop (sessions die with the process);
        # production sets SECRET_KEY so that every instance shares it.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        # Keys retired by a rotation, still accepted (not used to sign): sessions and
        # contact-form tokens signed with them stay valid (docs/OPERATIONS.md).
        "SECRET_KEY_FALLBACKS": [
            key for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key
        ],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Database timeouts (sitedir/engine.py turns them into the driver's options): a
        # database that hangs or vanishes costs a request seconds, never a worker.
        "DB_CONNECT_TIMEOUT": _int("SITEDIR_DB_CONNECT_TIMEOUT", 5),
        "DB_STATEMENT_TIMEOUT_MS": _int("SITEDIR_DB_STATEMENT_TIMEOUT_MS", 10000),
        "DB_KEEPALIVES_IDLE": _int("SITEDIR_DB_KEEPALIVES_IDLE", 30),
        "DB_POOL_TIMEOUT": _int("SITEDIR_DB_POOL_TIMEOUT", 3),
        # Seconds a PostgreSQL connection waits for an answer (a hung server); 0: the
        # statement timeout plus one second.
        "DB_ANSWER_TIMEOUT": _int("SITEDIR_DB_ANSWER_TIMEOUT", 0),
        # While this file exists, /readyz answers 503 "draining" (flask drain on|off).
        "DRAIN_FILE": os.environ.get("SITEDIR_DRAIN_FILE")
        or os.path.join(instance_path, "draining"),
        # When the database fails, public reads keep answering from the last good
        # snapshot for this long (marked with a Warning header); 0: never.
        "DEGRADED_SECONDS": _int("SITEDIR_DEGRADED_SECONDS", 300),
        "SEEDS_DIR": os.environ.get("SITEDIR_SEEDS_DIR")
        or os.path.join(os.path.dirname(os.path.dirname(__file__)), "seeds"),
        "SEED_ON_START": _bool("SITEDIR_SEED_ON_START", True),
        "DEFAULT_STUDY": os.environ.get("SITEDIR_DEFAULT_STUDY", "cart-lupus"),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # Admin sessions: HttpOnly, SameSite=Strict, Secure unless explicitly turned off
        # (only for plain-http development on 127.0.0.1).
        "SESSION_COOKIE_SECURE": _bool("SITEDIR_SECURE_COOKIES", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_NAME": "sitedir_admin",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # The cost of argon2id password hashes: argon2-cffi's defaults (RFC 9106's
        # low-memory profile, about 0.1 s and 64 MiB per hash). The tests use the cheapest.
        # Stored hashes carry their own cost: changing it never locks anyone out.
        "ARGON2_TIME_COST": _int("SITEDIR_ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _int("SITEDIR_ARGON2_MEMORY_KIB", 65536),
        "ARGON2_PARALLELISM": _int("SITEDIR_ARGON2_PARALLELISM", 4),
        # Sessions end this long after login, however much they are used (no sliding).
        "SESSION_MAX_AGE": 8 * 3600,
        "RATELIMIT_ENABLED": _bool("SITEDIR_RATELIMIT", True),
        "RATELIMIT_PUBLIC": os.environ.get("SITEDIR_RATELIMIT_PUBLIC", "600 per minute"),
        "RATELIMIT_ADMIN": os.environ.get("SITEDIR_RATELIMIT_ADMIN", "60 per minute"),
        # FHIR searches per client, inside the public budget (they cost more than reads).
        "RATELIMIT_FHIR_SEARCH": os.environ.get("SITEDIR_RATELIMIT_FHIR_SEARCH", "120 per minute"),
        "RATELIMIT_LOGIN": os.environ.get("SITEDIR_RATELIMIT_LOGIN", "10 per minute"),
        # Contact requests: per client address (every POST) and per doctor's email.
        "RATELIMIT_CONTACT": os.environ.get("SITEDIR_RATELIMIT_CONTACT", "10 per hour"),
        "RATELIMIT_CONTACT_EMAIL": os.environ.get("SITEDIR_RATELIMIT_CONTACT_EMAIL", "5 per day"),
        # Seconds to connect to Redis, and to wait for its answer: a hung Redis costs a
        # request this much, then the limits are counted in memory until it answers.
        "REDIS_TIMEOUT": float(os.environ.get("SITEDIR_REDIS_TIMEOUT", "0.25")),
        # Where the counters live in Redis: two deployments sharing one Redis (production
        # and staging, or two test runs) must not count each other's requests.
        "RATELIMIT_KEY_PREFIX": os.environ.get("SITEDIR_RATELIMIT_PREFIX", "sitedir"),
        # Failed logins for one email from one client address; and for one email from any
        # address, a ceiling (its owner is mailed when it is reached).
        "RATELIMIT_LOGIN_ACCOUNT": os.environ.get("SITEDIR_RATELIMIT_LOGIN_ACCOUNT", "10 per hour"),
        "RATELIMIT_LOGIN_ACCOUNT_CEILING": os.environ.get(
            "SITEDIR_RATELIMIT_LOGIN_ACCOUNT_CEILING", "100 per hour"
        ),
        # How many proxies in front of the app append to X-Forwarded-For (0: none, and
        # the header is ignored). Read by werkzeug's ProxyFix: the rate limits then count
        # the real client, not the proxy.
        "PROXY_HOPS": _int("SITEDIR_PROXY_HOPS", 0),
        # Largest request body read at all (64 KB): larger ones are refused with 413
        # before anything is parsed or spooled to disk.
        "MAX_CONTENT_LENGTH": _int("SITEDIR_MAX_BODY_BYTES", 64 * 1024),
        # Public answers may be this stale across processes: the data's fingerprint is
        # read at most once per interval per process (0: on every request). The process
        # that made a write serves it on its next request.
        "FRESHNESS_MS": _int("SITEDIR_FRESHNESS_MS", 1000),
        # On PostgreSQL with PostGIS (migration d4b8f6a2c0e1), nearest candidates come
        # from its GiST indexes; off: from the in-memory k-d trees, as on SQLite.
        # Off by default: the in-memory trees measured faster on PostgreSQL too (p99 2.1 ms
        # against 10.8 ms at 100,000 sites; bench/RESULTS.md); the column is kept either way.
        "POSTGIS": _bool("SITEDIR_POSTGIS", False),
        # Each process keeps recent nearest answers, bounded in bytes as well as in entries.
        "ANSWER_CACHE_BYTES": _int("SITEDIR_ANSWER_CACHE_BYTES", 16 * 1024 * 1024),
        # Online geocoding of street addresses: "" (off, the default), "ban" or "nominatim".
        "GEOCODER": os.environ.get("SITEDIR_GEOCODER", ""),
        "GEOCODER_DOMAIN": os.environ.get("SITEDIR_GEOCODER_DOMAIN") or None,
        "GEOCODER_SCHEME": os.environ.get("SITEDIR_GEOCODER_SCHEME", "https"),
        "GEOCODER_TIMEOUT": float(os.environ.get("SITEDIR_GEOCODER_TIMEOUT", "3")),
        # ClinicalTrials.gov's API, for `flask studies import-ctgov --nct`: off unless set
        # (nothing is fetched at run time by default).
        "CTGOV_URL": os.environ.get("SITEDIR_CTGOV_URL") or None,
        # Contact requests: the form token is taken from this many seconds after the form
        # was drawn (a person needs longer) until this many; requests are deleted after
        # this many days by `flask contact-requests purge`.
        "CONTACT_MIN_FILL_SECONDS": _int("SITEDIR_CONTACT_MIN_FILL_SECONDS", 3),
        "CONTACT_TOKEN_MAX_AGE": _int("SITEDIR_CONTACT_TOKEN_MAX_AGE", 4 * 3600),
        "CONTACT_RETENTION_DAYS": _int("SITEDIR_CONTACT_RETENTION_DAYS", 90),
        # A status not confirmed for more days than this is stale (shown to doctors).
        "STALE_DAYS": _int("SITEDIR_STALE_DAYS", 30),
        # Email (invitations, password resets, reminders): nothing is sent without a host;
        # the links are then shown to the network admin (page) or printed (CLI).
        "SMTP_HOST": os.environ.get("SITEDIR_SMTP_HOST") or None,
        "SMTP_PORT": _int("SITEDIR_SMTP_PORT", 587),
        "SMTP_USER": os.environ.get("SITEDIR_SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SITEDIR_SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("SITEDIR_SMTP_STARTTLS", True),
        # The sender, with a display name people recognise ("Annuaire des centres de
        # l'essai" is given to an address that has none).
        "MAIL_FROM": os.environ.get(
            "SITEDIR_MAIL_FROM", "Annuaire des centres de l'essai <no-reply@localhost>"
        ),
        # How every email says to reach the network team; without it, the addresses of
        # the active network admins.
        "NETWORK_CONTACT": os.environ.get("SITEDIR_NETWORK_CONTACT") or None,
        # The longest one email may take to send, whole conversation (smtplib's own
        # timeout is per socket read, 10 s).
        "SMTP_DEADLINE": float(os.environ.get("SITEDIR_SMTP_DEADLINE", "30")),
        # The app's public address (https://annuaire.example.fr): every absolute URL (feed,
        # FHIR, vCards, links in emails) starts with it, whatever Host a request carries.
        "PUBLIC_URL": (os.environ.get("SITEDIR_PUBLIC_URL") or "").rstrip("/") or None,
        # The canonical base of sitedir's own FHIR definitions (default: PUBLIC_URL/fhir).
        "FHIR_CANONICAL_URL": (os.environ.get("SITEDIR_FHIR_CANONICAL_URL") or "").rstrip("/")
        or None,
        # The Host names answered (Flask's TRUSTED_HOSTS, with PUBLIC_URL's own added by
        # web/hosts.py); any other Host is a 400. A leading dot admits subdomains.
        "TRUSTED_HOSTS": host_names(os.environ.get("SITEDIR_TRUSTED_HOSTS")),
        # Webhooks to loopback, private or link-local addresses: refused unless set (tests,
        # a network inside one hospital).
        "WEBHOOKS_ALLOW_PRIVATE": _bool("SITEDIR_WEBHOOKS_ALLOW_PRIVATE", False),
        # Seconds one attempt may take in all (connect, send, the answer): a total deadline.
        "WEBHOOKS_TIMEOUT": float(os.environ.get("SITEDIR_WEBHOOKS_TIMEOUT", "10")),
        # Endpoints a worker delivers to side by side (threads).
        "WEBHOOKS_CONCURRENCY": _int("SITEDIR_WEBHOOKS_CONCURRENCY", 4),
        # How long a worker holds an endpoint, renewed before each attempt (at least twice
        # the timeout, whatever is set).
        "WEBHOOKS_LEASE_SECONDS": float(os.environ.get("SITEDIR_WEBHOOKS_LEASE_SECONDS", "60")),
        # The publisher's details for the legal pages (sitedir/legal/): the operator's to
        # set; until then each page shows a placeholder naming the variable, never a guess.
        "PUBLISHER_NAME": os.environ.get("SITEDIR_PUBLISHER_NAME", ""),
        "PUBLISHER_ADDRESS": os.environ.get("SITEDIR_PUBLISHER_ADDRESS", ""),
        "PUBLISHER_CONTACT": os.environ.get("SITEDIR_PUBLISHER_CONTACT", ""),
        "PUBLICATION_DIRECTOR": os.environ.get("SITEDIR_PUBLICATION_DIRECTOR", ""),
        "HOSTING_PROVIDER": os.environ.get("SITEDIR_HOSTING_PROVIDER", ""),
        "DPO_CONTACT": os.environ.get("SITEDIR_DPO_CONTACT", ""),
        "ACCESSIBILITY_CONTACT": os.environ.get("SITEDIR_ACCESSIBILITY_CONTACT", ""),
        "PRIVACY_LEGAL_BASIS": os.environ.get("SITEDIR_PRIVACY_LEGAL_BASIS", ""),
        "LOG_RETENTION": os.environ.get("SITEDIR_LOG_RETENTION", ""),
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
        # Strict-Transport-Security max-age; set it (e.g. 31536000) only behind HTTPS.
        "HSTS_SECONDS": int(os.environ.get("SITEDIR_HSTS_SECONDS", "0")),
        "ACCESS_LOG": _bool("SITEDIR_ACCESS_LOG", True),
        # /metrics: answered to these addresses or networks (comma-separated), or to a
        # request bearing this token; to no one when neither is set.
        "METRICS_ALLOW": [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in os.environ.get("SITEDIR_METRICS_ALLOW", "").split(",")
            if part.strip()
        ],
        "METRICS_TOKEN": os.environ.get("SITEDIR_METRICS_TOKEN") or None,
    }
