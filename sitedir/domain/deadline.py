"""One deadline for a whole HTTP exchange, not a timeout per socket read.

A socket timeout bounds each read: a server sending one byte a second never trips it.
`DeadlineSocket` gives every read and write what is left of one deadline instead, and
raises `DeadlineExceeded` once it has passed (webhook deliveries, ClinicalTrials.gov).
"""

import io
import socket
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer


class DeadlineExceeded(TimeoutError):
    """The exchange ran out of its total time."""


def left(deadline: float) -> float:
    """Seconds left before `deadline` (a time.monotonic() value), or DeadlineExceeded."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("total deadline reached")
    return remaining


class _Reader(io.RawIOBase):
    """The socket's input, each read given what is left of the deadline."""

    def __init__(self, owner: "DeadlineSocket"):
        self.owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "WriteableBuffer") -> int:
        self.owner.sock.settimeout(left(self.owner.deadline))
        return self.owner.sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            super().close()
            self.owner._unref()


class DeadlineSocket:
    """A connected socket as http.client uses it (makefile, sendall), under one deadline."""

    def __init__(self, sock: socket.socket, deadline: float):
        self.sock, self.deadline = sock, deadline
        self._readers, self._closing = 0, False

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_Reader(self))

    def sendall(self, data: "ReadableBuffer") -> None:
        self.sock.settimeout(left(self.deadline))
        self.sock.sendall(data)

    def close(self) -> None:
        # As socket.close does: an open reader (a response being read) keeps it open.
        self._closing = True
        if not self._readers:
            self.sock.close()

    def _unref(self) -> None:
        self._readers -= 1
        if self._closing and not self._readers:
            self.sock.close()

    def __getattr__(self, name: str) -> Any:  # the rest is the socket's
        return getattr(self.sock, name)
