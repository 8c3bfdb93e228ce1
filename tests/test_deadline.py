"""One deadline for a whole exchange (issue 21, point 3): a server that sends one byte at a
time, faster than any per-read timeout, is cut at the deadline (ClinicalTrials.gov fetch)."""

import socket
import threading
import time

import pytest

from sitedir.ctgov.fetch import FetchError, fetch_record


@pytest.fixture
def dripping():
    """An HTTP server on 127.0.0.1 that answers one byte every 50 ms, for minutes."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(connection,), daemon=True).start()

    def drip(connection):
        try:
            connection.recv(65536)
            answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X: y\r\n" * 9000
            for byte in answer:
                if stop.is_set():
                    return
                connection.sendall(bytes([byte]))
                time.sleep(0.05)
        except OSError:
            pass
        finally:
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/api/v2"
    stop.set()
    server.close()


def test_a_fetch_is_cut_at_its_total_deadline(dripping):
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch_record(dripping, "NCT00000001", timeout=0.5)
    took = time.monotonic() - started
    assert took < 1.5, took  # per read (50 ms each), it would have run for minutes
    assert "cannot reach" in str(caught.value)
