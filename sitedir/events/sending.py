"""One webhook POST under a total deadline, and a receiver's Retry-After read strictly.

A socket timeout bounds each read, not the request: a receiver sending one byte a second
held an attempt for 90 s with a 3 s timeout (issue 21). Here every read and write gets
what is left of one deadline (`sitedir.domain.deadline`), and the answer's body is read up to
MAX_BODY bytes.
"""

import functools
import http.client
import re
import socket
import ssl
import time
from datetime import datetime
from email.utils import parsedate_to_datetime

from sitedir.domain.clock import as_utc
from sitedir.domain.deadline import DeadlineSocket, left
from sitedir.events import addresses

MAX_BODY = 65536  # bytes of the receiver's answer read (then the connection is closed)
MAX_RETRY_AFTER = 86400

# RFC 9110, 10.2.3: delay-seconds (ASCII digits), or an HTTP-date in one of its three forms.
DELAY_SECONDS = re.compile(r"[0-9]{1,10}")
_DAY = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}"
HTTP_DATE = re.compile(
    rf"{_DAY}, [0-9]{{2}} {_MONTH} [0-9]{{4}} {_TIME} GMT"  # IMF-fixdate
    rf"|(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    rf"[0-9]{{2}}-{_MONTH}-[0-9]{{2}} {_TIME} GMT"  # obsolete RFC 850
    rf"|{_DAY} {_MONTH} [ 0-9][0-9] {_TIME} [0-9]{{4}}"  # obsolete asctime
)


def retry_after_seconds(value: str | None, now: datetime) -> int | None:
    """The receiver's Retry-After in seconds, bounded to a day; None when absent or invalid."""
    if not value:
        return None
    value = value.strip(" \t")
    if DELAY_SECONDS.fullmatch(value):
        return min(int(value), MAX_RETRY_AFTER)
    if not HTTP_DATE.fullmatch(value):
        return None  # "²", "1e3", "-5", "soon": not RFC 9110, so no wish at all
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None  # a well-formed but impossible date (31 Feb)
    return max(0, min(int((as_utc(when) - now).total_seconds()), MAX_RETRY_AFTER))


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every delivery: loading the CA store takes tens of ms."""
    return ssl.create_default_context()


def post(url: str, body: str, headers: dict, timeout: float, allow_private: bool):
    """POST once within `timeout` seconds in all, without following redirects;
    (status, Retry-After) or an exception.

    The connection goes to the address that was checked, not to a second resolution.
    """
    deadline = time.monotonic() + timeout
    target = addresses.check_url(url, allow_private)
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=_tls()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_checked(address, *args, **kwargs):
        return socket.create_connection((target.address, target.port), left(deadline))

    # The hook both classes' connect() calls (HTTPS then wraps the socket, checking the
    # host name): private, so typeshed leaves it out.
    connection._create_connection = connect_checked  # type: ignore[attr-defined]
    response = None
    try:
        connection.connect()  # TLS included: its handshake has the connect's timeout
        connection.sock = DeadlineSocket(connection.sock, deadline)
        connection.request(
            "POST",
            target.path,
            body=body.encode(),
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "sitedir-webhooks/1",
            },
        )
        response = connection.getresponse()
        response.read(MAX_BODY)  # a huge answer is cut here; the status is what counts
        return response.status, response.getheader("Retry-After")
    finally:
        if response is not None:
            response.close()  # a body left unread keeps the socket open otherwise
        connection.close()
