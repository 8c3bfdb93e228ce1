"""--nct: the record fetched from a ClinicalTrials.gov-like API (a stub server on 127.0.0.1)."""

import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitedir.extensions import db
from sitedir.models import Study
from tests.ctgov_records import NCT, counts, record
from tests.helpers import serve_in_thread


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        if self.path == f"/api/v2/studies/{NCT}":
            body, status = json.dumps(record()).encode(), 200
        elif self.path == "/api/v2/studies/NCT00000002":
            body, status = b"<html>maintenance</html>", 200
        elif self.path == "/api/v2/studies/NCT00000003":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/inside")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            body, status = b'{"message": "not found"}', 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def stub():
    """A stub of the API on 127.0.0.1; yields its base URL, then stops."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.paths = []
    stop = serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", server.paths
    stop()


def run(runner, *args, **kwargs):
    return runner.invoke(args=["studies", "import-ctgov", *args], **kwargs)


def test_fetches_and_imports_the_record(app, runner, stub):
    url, paths = stub
    result = run(runner, "--nct", NCT.lower(), "--api-url", url)
    assert result.exit_code == 0, result.output
    assert paths == [f"/api/v2/studies/{NCT}"]
    with app.app_context():
        assert db.session.scalar(db.select(Study).where(Study.slug == NCT.lower())) is not None


def test_the_setting_turns_fetching_on(app, runner, stub, monkeypatch):
    url, _ = stub
    app.config["CTGOV_URL"] = url  # SITEDIR_CTGOV_URL, as the settings read it
    result = run(runner, "--nct", NCT, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run: nothing written" in result.output


def test_fetching_is_off_by_default(app, runner, monkeypatch):
    monkeypatch.delenv("SITEDIR_CTGOV_URL", raising=False)
    result = run(runner, "--nct", NCT)
    assert result.exit_code != 0
    assert "fetching from ClinicalTrials.gov is off" in result.output


@pytest.mark.parametrize(
    ("nct", "message"),
    [
        ("NCT00000001", "ClinicalTrials.gov has no study NCT00000001"),
        ("NCT00000002", "(record): not JSON"),
        ("12345", "expected an NCT number"),
    ],
)
def test_failures_are_messages_and_change_nothing(app, runner, stub, nct, message):
    url, _ = stub
    before = counts(app)
    result = run(runner, "--nct", nct, "--api-url", url)
    assert result.exit_code != 0
    assert message in result.output
    assert counts(app) == before


def test_an_unreachable_api_is_a_message(app, runner):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(runner, "--nct", NCT, "--api-url", f"http://127.0.0.1:{port}/api/v2")
    assert result.exit_code != 0
    assert "cannot reach" in result.output


def test_file_and_nct_exclude_each_other(runner, tmp_path):
    result = run(runner, str(tmp_path / "x.json"), "--nct", NCT)
    assert result.exit_code != 0
    assert "either FILE or --nct" in result.output


def test_a_redirect_is_not_followed(app, runner, stub):
    url, paths = stub
    before = counts(app)
    result = run(runner, "--nct", "NCT00000003", "--api-url", url)
    assert result.exit_code != 0
    assert "not followed" in result.output and "/inside" in result.output
    assert paths == ["/api/v2/studies/NCT00000003"]  # the redirect's target was never asked
    assert counts(app) == before
