"""Structured JSON access logs, one line per request, with a request id."""

import json
import logging
import os
import re
import time

from flask import Flask, g, request

log = logging.getLogger("sitedir.access")

# A client's X-Request-ID is kept (as client_request_id) only if it looks like an id, so
# logs stay clean. Matched whole (fullmatch): "$" would let a trailing newline through.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def client_request_id(value: str | None) -> str | None:
    """The client's X-Request-ID when it looks like an id, else None."""
    return value if value and CLIENT_REQUEST_ID.fullmatch(value) else None


def logged_path() -> str:
    """The request's path, or its route when the path carries a secret.

    An emailed link (invitation, password reset, "still right") is its token: logged as
    it came, anyone reading the logs could use it for 7 days. Its route is logged instead.
    """
    if "token" in (request.view_args or {}) and request.url_rule is not None:
        return request.url_rule.rule
    return request.path


# A one-time link's path: /admin/invitation/<token>, /admin/password/<token>...
_LINK = re.compile(r"(/admin/(?:invitation|password|still-right)/)[A-Za-z0-9_-]+")


def mask_links(text: str) -> str:
    """The text with every one-time link's token replaced by <token>."""
    return _LINK.sub(r"\1<token>", text)


class MaskLinks(logging.Filter):
    """Mask one-time-link tokens in every record of a logger (werkzeug's request log under
    `./dev run`, Flask's "Exception on /admin/password/... [GET]")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_links(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _DefaultHandler(logging.StreamHandler):
    """The handler this module installs when the host set none: its lines may be written
    straight to its stream's file descriptor (`_write_line`)."""


def _direct_fd() -> int | None:
    """The file descriptor an access line may be written to without the logging module,
    or None when the line must go through it.

    Only when the logger is exactly as this module set it up (its own handler, nothing
    added by a test or the host, INFO enabled): one `os.write` of one line is then what the
    handler would do, minus the record, the formatter and the handler's lock. A write of a
    line to a pipe or an O_APPEND file is one syscall, so lines from threads never mix.
    """
    if log.disabled or not log.isEnabledFor(logging.INFO) or log.filters:
        return None
    if len(log.handlers) != 1 or type(log.handlers[0]) is not _DefaultHandler:
        return None
    handler = log.handlers[0]
    if handler.filters or handler.level > logging.INFO:
        return None
    try:
        return handler.stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _write_line(fd: int, fields: dict) -> None:
    """One access line, as JsonFormatter would format it, written in one syscall."""
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "level": "INFO",
        "logger": log.name,
        "message": "request",
        **fields,
    }
    os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode())


def new_request_id() -> str:
    """32 random hexadecimal digits (what uuid4().hex gives, minus the UUID object)."""
    return os.urandom(16).hex()


def register_request_log(app: Flask) -> None:
    """Give each request an id (sent back as X-Request-ID) and log it as JSON when it ends.

    The id is always the server's: the audit log and the access log are keyed by it, and a
    client must not be able to choose it (to make two requests look like one, or to put
    words in the log). A client's own X-Request-ID is kept beside it, as client_request_id.
    """
    for name in ("werkzeug", app.logger.name, "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskLinks) for f in logger.filters):
            logger.addFilter(MaskLinks())
    if not log.handlers:  # a handler set up before (by a test, by the host) is kept
        handler = _DefaultHandler()
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start():
        g.request_id = new_request_id()
        g.client_request_id = client_request_id(request.environ.get("HTTP_X_REQUEST_ID"))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        started = g.get("request_started")
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if started is not None and app.config["ACCESS_LOG"]:
            # The path only: query strings may hold a patient's town, API tokens
            # travel in headers, which are never logged, and a link's token is left out.
            fields = {
                "request_id": g.request_id,
                "client_request_id": g.get("client_request_id"),
                "method": request.method,
                "path": logged_path(),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            fd = _direct_fd()
            if fd is None:
                log.info("request", extra={"fields": fields})
            else:
                _write_line(fd, fields)
        return response
