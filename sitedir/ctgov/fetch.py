"""Read one record from ClinicalTrials.gov's API v2, when the machine is allowed online.

Off by default (hospital networks are often closed): the caller passes the API's base
URL, from the SITEDIR_CTGOV_URL setting or an explicit option. Standard library only,
with a size limit, no redirect followed, and one deadline for the whole exchange (a
per-read timeout let a server sending a byte at a time hold a 20 s fetch for 96 s).
"""

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request

from sitedir.ctgov.record import MAX_RECORD_BYTES
from sitedir.domain.deadline import DeadlineSocket, left

PUBLIC_API = "https://clinicaltrials.gov/api/v2"
TIMEOUT_S = 20.0


class FetchError(Exception):
    """The record could not be read; the message says why, in words."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: they could lead anywhere (an internal address, ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx then surfaces as an HTTPError


def _opener(deadline: float):
    """An opener whose connections give every read what is left of `deadline`."""

    def bounded(base):
        class Connection(base):
            def connect(self):
                self.timeout = left(deadline)
                super().connect()
                self.sock = DeadlineSocket(self.sock, deadline)

        return Connection

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(bounded(http.client.HTTPConnection), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(bounded(http.client.HTTPSConnection), req, context=self._context)

    return urllib.request.build_opener(_NoRedirects, HTTP, HTTPS)


def record_url(base_url: str, nct: str) -> str:
    """The URL of one study's record under an API base URL."""
    return f"{base_url.rstrip('/')}/studies/{urllib.parse.quote(nct)}"


def fetch_record(base_url: str, nct: str, timeout: float = TIMEOUT_S) -> bytes:
    """Return the record's JSON bytes within `timeout` seconds in all; raise FetchError
    when the API cannot give it."""
    url = record_url(base_url, nct)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{base_url!r} is not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url, headers={"Accept": "application/json", "User-Agent": "sitedir"}
    )
    deadline = time.monotonic() + timeout
    try:
        with _opener(deadline).open(request, timeout=timeout) as response:
            body = response.read(MAX_RECORD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise FetchError(f"ClinicalTrials.gov has no study {nct} ({url})") from exc
        if 300 <= exc.code < 400:
            where = exc.headers.get("Location")
            raise FetchError(
                f"{url} redirects to {where!r}: not followed (give the API's own URL)"
            ) from exc
        raise FetchError(f"{url} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot reach {url}: {reason}") from exc
    if len(body) > MAX_RECORD_BYTES:
        raise FetchError(f"{url}: the record is larger than {MAX_RECORD_BYTES} bytes")
    return body
