"""One webhook POST under a total deadline, and a receiver's Retry-After read strictly.

A socket timeout bounds each read, not the request: a receiver sending one byte a second
held an attempt for 90 s with a 3 s timeout (issue 21). Here every read and write gets
what is left of one deadline, and the answer's body is read up to MAX_BODY bytes.
"""

import functools
import http.client
import io
import re
import socket
import ssl
import time
from datetime import datetime
from email.utils import parsedate_to_datetime

from sitedir.clock import as_utc
from sitedir.events import addresses

MAX_BODY = 65536  # bytes of the receiver's answer read (then the connection is closed)
MAX_RETRY_AFTER = 86400

# RFC 9110, 10.2.3: delay-seconds (ASCII digits), or an HTTP-date in one of its three forms.
DELAY_SECONDS = re.compile(r"[0-9]{1,10}")
_DAY, _MONTH = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)", r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}"
HTTP_DATE = re.compile(
    rf"{_DAY}, [0-9]{{2}} {_MONTH} [0-9]{{4}} {_TIME} GMT"  # IMF-fixdate
    rf"|(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    rf"[0-9]{{2}}-{_MONTH}-[0-9]{{2}} {_TIME} GMT"  # obsolete RFC 850
    rf"|{_DAY} {_MONTH} [ 0-9][0-9] {_TIME} [0-9]{{4}}"  # obsolete asctime
)


class DeadlineExceeded(TimeoutError):
    """The attempt ran out of its total time."""


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


class _Reader(io.RawIOBase):
    """The socket's input, each read given what is left of the deadline."""

    def __init__(self, sock, deadline: float):
        self.sock, self.deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(_left(self.deadline))
        return self.sock.recv_into(buffer)


class _DeadlineSocket:
    """The connected socket as http.client uses it, under one deadline."""

    def __init__(self, sock, deadline: float):
        self.sock, self.deadline = sock, deadline

    def makefile(self, mode="rb", *args, **kwargs):
        return io.BufferedReader(_Reader(self.sock, self.deadline))

    def sendall(self, data) -> None:
        self.sock.settimeout(_left(self.deadline))
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()

    def __getattr__(self, name):
        return getattr(self.sock, name)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("total deadline of the attempt reached")
    return left


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
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=_tls()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_checked(address, *args, **kwargs):
        return socket.create_connection((target.address, target.port), _left(deadline))

    connection._create_connection = connect_checked
    try:
        connection.connect()  # TLS included: its handshake has the connect's timeout
        connection.sock = _DeadlineSocket(connection.sock, deadline)
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
        connection.close()
