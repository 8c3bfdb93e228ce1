"""Logs: one JSON object per line on every logger, and infrastructure errors once per outage.

`JsonFormatter` is the one formatter of the app, its commands, the webhook worker, the
timers and gunicorn's own log (gunicorn.conf.py's logconfig_dict): time, level, logger,
message, the request id inside a request, the record's `fields` extras, and an exception
folded into one field (type, message and its traceback as one string, bounded to
TRACEBACK_CHARS: its last lines, where the error is). One-time-link tokens are masked in
the message and the traceback.

`dependencies` logs a database, Redis or mail server failure once when it starts, counts
the failures that follow without a line each, and logs once more when it answers again:
at 40 failed requests a second, an outage is two lines, not 140,000 an hour.
"""

import json
import logging
import os
import re
import sys
import threading
import time
import traceback

TRACEBACK_CHARS = 4000

# A one-time link's path: /admin/invitation/<token>, /admin/password/<token>...
_LINK = re.compile(r"(/admin/(?:invitation|password|still-right)/)[A-Za-z0-9_-]+")


def mask_links(text: str) -> str:
    """The text with every one-time link's token replaced by <token>."""
    return _LINK.sub(r"\1<token>", text)


def _request_id() -> str | None:
    try:
        from flask import g, has_request_context

        return g.get("request_id") if has_request_context() else None
    except Exception:  # logging must never fail
        return None


def folded_exception(exc_info) -> dict:
    """An exception as one JSON field: its type, first line, and traceback (bounded)."""
    kind, value, _tb = exc_info
    text = "".join(traceback.format_exception(*exc_info))
    if len(text) > TRACEBACK_CHARS:
        text = "…" + text[-TRACEBACK_CHARS:]
    message = str(value).splitlines()[0] if str(value) else ""
    return {
        "type": getattr(kind, "__qualname__", str(kind)),
        "message": mask_links(message[:500]),
        "traceback": mask_links(text),
    }


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC), level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": mask_links(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or _request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = folded_exception(record.exc_info)
        elif record.exc_text:
            entry["exception"] = {"traceback": mask_links(record.exc_text[-TRACEBACK_CHARS:])}
        return json.dumps(entry, ensure_ascii=False, default=str)


class _Ours(logging.StreamHandler):
    """The handler configure() installs (recognised so it is installed once)."""


def configure(level: str | None = None) -> None:
    """JSON lines on stderr for every logger (the root's one handler), once per process.

    A JSON handler already on the root (gunicorn's logconfig_dict) is kept. Python's
    warnings go to the log too. SITEDIR_LOG_FORMAT=text keeps a readable line for a
    terminal (still one line per record: the traceback is folded there as well).
    """
    root = logging.getLogger()
    from sitedir.config import BY_KEY  # the table's types and defaults, read at this moment

    level = (level or BY_KEY["LOG_LEVEL"].parse(os.environ)).upper()
    limiter = logging.getLogger("flask-limiter")
    if not any(isinstance(f, OncePerOutage) for f in limiter.filters):
        limiter.addFilter(OncePerOutage())
    # Alembic's INFO lines ("Context impl", its plugins) on every schema check at start-up:
    # quiet unless a migration command runs (migrations/env.py says INFO again then).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if is_configured():
        return
    handler = _Ours(sys.stderr)
    if BY_KEY["LOG_FORMAT"].parse(os.environ) == "text":
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    # Alembic's fileConfig (migrations/env.py) or basicConfig may have put theirs: ours only.
    for other in list(root.handlers):
        if isinstance(other, logging.StreamHandler) and not _is_pytest(other):
            root.removeHandler(other)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    logging.captureWarnings(True)


def is_configured() -> bool:
    """Whether configure() (or gunicorn's logconfig_dict) set up the root logger."""
    root = logging.getLogger()
    return any(
        isinstance(h.formatter, JsonFormatter) or isinstance(h, _Ours) for h in root.handlers
    )


def _is_pytest(handler) -> bool:
    return type(handler).__module__.startswith("_pytest")


class TextFormatter(logging.Formatter):
    """A readable single line: the traceback folded into it, masked."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None
        try:
            line = mask_links(super().format(record))
        finally:
            record.exc_info, record.exc_text = saved
        if saved[0] and saved[0][0] is not None:
            folded = folded_exception(saved[0])
            line += f" | {folded['type']}: {folded['message']}"
        return line


# ---- infrastructure errors, once per change of state ---------------------------------------

log = logging.getLogger("sitedir.dependencies")


class DependencyStates:
    """Per process: which dependencies are failing, since when, how many failures."""

    def __init__(self):
        self._lock = threading.Lock()
        self._down: dict[str, dict] = {}

    def down(self, dependency: str, error: BaseException) -> bool:
        """A failure of `dependency`: logged (True) when it was answering until now."""
        with self._lock:
            state = self._down.get(dependency)
            if state is not None:
                state["failures"] += 1
                state["last"] = time.monotonic()
                return False
            now = time.monotonic()
            self._down[dependency] = {"since": now, "last": now, "failures": 1}
        first = (str(error).splitlines() or [""])[0][:300]
        log.error(
            "%s failed: %s: %s (further failures are counted, not logged, until it answers)",
            dependency,
            type(error).__name__,
            mask_links(first),
            extra={"fields": {"dependency": dependency, "state": "down"}},
        )
        return True

    def up(self, dependency: str, settled: float = 0.0) -> bool:
        """`dependency` answered: logged (True) when it was failing until now.

        With `settled`, the outage ends only if its last failure is that many seconds old:
        a dependency that half works (a full disk refuses the writes that need space and
        takes the others) would otherwise log two lines per failure.
        """
        if dependency not in self._down:  # the usual case: no lock
            return False
        with self._lock:
            state = self._down.get(dependency)
            if state is not None and time.monotonic() - state["last"] < settled:
                return False
            state = self._down.pop(dependency, None)
        if state is None:
            return False
        seconds = time.monotonic() - state["since"]
        log.warning(
            "%s answers again after %.0f s (%d failure(s) meanwhile)",
            dependency,
            seconds,
            state["failures"],
            extra={
                "fields": {
                    "dependency": dependency,
                    "state": "up",
                    "down_seconds": round(seconds, 1),
                    "failures": state["failures"],
                }
            },
        )
        return True

    def is_down(self, dependency: str) -> bool:
        """Whether `dependency` failed last time it was used."""
        return dependency in self._down


dependencies = DependencyStates()


# A database that answers reads but refuses writes (a full disk, a read-only file): its
# outage ends at the next write committed, not at the next connection.
_WRITES_REFUSED = ("disk is full", "no space left", "readonly database", "read-only", "disk i/o")


def dependency_of(error: BaseException) -> str:
    """database, database writes, redis, smtp or other, by the exception's module."""
    module = type(error).__module__.split(".")[0]
    name = {"sqlalchemy": "database", "psycopg": "database", "sqlite3": "database"}.get(
        module, {"redis": "redis", "smtplib": "smtp", "limits": "redis"}.get(module, "other")
    )
    if name == "database" and any(words in str(error).lower() for words in _WRITES_REFUSED):
        return "database writes"
    return name


class OncePerOutage(logging.Filter):
    """Flask-Limiter logs "Failed to rate limit. Swallowing error" with a traceback on
    every request while Redis is down: the first becomes the outage's one line, the
    others are counted."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        storage = _storage_error(error)
        if storage is not None:
            dependencies.down("redis", storage)
            return False
        return True


def _storage_error(error: BaseException | None) -> BaseException | None:
    """The failure of the counters' storage (Redis) in an error or its causes, if any."""
    seen = 0
    while error is not None and seen < 5:
        if type(error).__module__.split(".")[0] in ("redis", "limits") or isinstance(
            error, (ConnectionError, TimeoutError)
        ):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None
