"""Many records: files, folders, search-result pages, a summary table; and `studies refresh`
against a ClinicalTrials.gov-like API on 127.0.0.1 (no internet)."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitedir.extensions import db
from sitedir.jobs import STUDIES_REFRESH, JobRun
from sitedir.models import Event, Site, Study
from tests.ctgov_records import NCT, counts, location, record, write
from tests.helpers import serve_in_thread

OTHER = "NCT09999902"
ABROAD = "NCT09999903"


@pytest.fixture(autouse=True)
def _guarded(app):
    app.config["GUARD_PUBLIC_WRITES"] = True


def _study(nct, *locations, verified="2025-02"):
    data = record(locations=list(locations), status={"statusVerifiedDate": verified})
    data["protocolSection"]["identificationModule"]["nctId"] = nct
    return data


def _lyon(status="RECRUITING"):
    return location("Hôpital Exemple Nord", "Lyon", "69003", status=status)


def _nantes(status="RECRUITING"):
    return location("Hôpital Exemple Ouest", "Nantes", "44000", status=status)


def run(runner, *args):
    return runner.invoke(args=["studies", *map(str, args)])


def _site(slug):
    return db.session.scalar(db.select(Site).where(Site.slug == slug))


def test_a_folder_of_search_result_pages(app, runner, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    first = {"studies": [_study(NCT, _lyon()), _study(ABROAD)], "nextPageToken": "abc"}
    broken = _study("NCT09999904", _lyon())
    broken["protocolSection"]["contactsLocationsModule"]["locations"][0]["city"] = "Ly\x00on"
    second = {"studies": [_study(OTHER, _nantes(), _lyon("SUSPENDED")), broken]}
    write(pages, first, "page-1.json")
    write(pages, second, "page-2.json")
    result = run(runner, "import-ctgov", pages)
    assert result.exit_code == 1, result.output  # one record refused
    table = result.output[result.output.index("record  ") :]
    lines = table.splitlines()
    assert lines[1].split()[:6] == [NCT, "created", "1", "0", "0", "0"]
    assert lines[2].split()[:3] == [ABROAD, "not", "created"]
    assert lines[3].split()[:4] == [OTHER, "created", "2", "0"]
    assert "NCT09999904" not in lines[4] and "refused" in lines[4]
    assert "expected one line of text without control characters" in lines[4]
    assert "4 record(s): 2 created, 1 not created, 1 refused" in result.output
    assert "[1/4]" in result.stderr and "[4/4]" in result.stderr  # progress, apart
    with app.app_context():
        slugs = set(db.session.scalars(db.select(Study.slug)))
        # Each record its own transaction: the refused one took nothing with it.
        assert {NCT.lower(), OTHER.lower()} <= slugs
        assert ABROAD.lower() not in slugs and "nct09999904" not in slugs
        assert _site(f"{OTHER.lower()}-lyon").status == "suspended"


def test_several_files_and_slug_is_for_one_record(app, runner, tmp_path):
    one = write(tmp_path, _study(NCT, _lyon()), "one.json")
    two = write(tmp_path, _study(OTHER, _nantes()), "two.json")
    result = run(runner, "import-ctgov", one, two, "--slug", "x")
    assert result.exit_code != 0 and "--slug names one study" in result.output
    result = run(runner, "import-ctgov", one, two, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 record(s): 2 would be created (dry run: nothing written)" in result.output
    result = run(runner, "import-ctgov", one, two)
    assert "2 record(s): 2 created" in result.output
    again = run(runner, "import-ctgov", one, two)
    assert "2 record(s): 2 unchanged" in again.output


def test_an_older_record_changes_nothing(app, runner, tmp_path):
    assert run(runner, "import-ctgov", write(tmp_path, _study(NCT, _lyon()))).exit_code == 0
    before = counts(app)
    older = _study(NCT, _lyon("COMPLETED"), verified="2024-11")
    result = run(runner, "import-ctgov", write(tmp_path, older, "older.json"))
    assert result.exit_code == 0, result.output
    assert "an older record (verified 2024-11; the directory holds 2025-02)" in result.output
    assert counts(app) == before


def test_a_location_that_disappeared_is_reported_then_withdrawn_on_request(app, runner, tmp_path):
    both = _study(NCT, _lyon(), _nantes())
    assert run(runner, "import-ctgov", write(tmp_path, both)).exit_code == 0
    newer = write(tmp_path, _study(NCT, _lyon(), verified="2025-05"), "newer.json")
    result = run(runner, "import-ctgov", newer)
    assert "sites no longer in the record (left as they are):" in result.output
    with app.app_context():
        assert _site(f"{NCT.lower()}-nantes").status == "recruiting"
    result = run(runner, "import-ctgov", newer, "--apply-removals")
    assert result.exit_code == 0, result.output
    assert f"{NCT.lower()}-nantes: recruiting -> withdrawn" in result.output
    with app.app_context():
        nantes = _site(f"{NCT.lower()}-nantes")
        assert nantes.status == "withdrawn"
        assert "ne figure plus dans la fiche ClinicalTrials.gov" in nantes.status_reason
        assert nantes.history[-1].to_status == "withdrawn"
        assert nantes.status_confirmed_at.date().isoformat() == "2025-05-01"


# --- refresh ------------------------------------------------------------------------------


class _Registry(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        found = self.server.records.get(self.path.rsplit("/", 1)[-1])
        body = json.dumps(found).encode() if found else b'{"message": "not found"}'
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry():
    """A fake ClinicalTrials.gov API on 127.0.0.1: its base URL and the records it serves."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    server.paths, server.records = [], {}
    stop = serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", server
    stop()


def test_refresh_applies_a_newer_record_through_the_write_service(app, runner, tmp_path, registry):
    url, server = registry
    assert run(runner, "import-ctgov", write(tmp_path, _study(NCT, _lyon()))).exit_code == 0
    server.records[NCT] = _study(NCT, _lyon("SUSPENDED"), _nantes(), verified="2025-06")
    result = run(runner, "refresh", "--api-url", url)
    assert result.exit_code == 0, result.output
    assert server.paths == [f"/api/v2/studies/{NCT}"]  # the seeded study is not a record's
    assert "1 record(s): 1 updated" in result.output
    with app.app_context():
        lyon = _site(f"{NCT.lower()}-lyon")
        assert lyon.status == "suspended"
        assert [(h.from_status, h.to_status) for h in lyon.history] == [("recruiting", "suspended")]
        assert lyon.status_confirmed_at.date().isoformat() == "2025-06-01"
        assert _site(f"{NCT.lower()}-nantes") is not None  # a new location, added
        types = db.session.scalars(db.select(Event.type).where(Event.site_id == lyon.id)).all()
        assert "site.status_changed" in types  # announced, as an admin's change is
    again = run(runner, "refresh", "--api-url", url)
    assert "1 record(s): 1 unchanged" in again.output
    with app.app_context():  # the timer's run, for /metrics
        job = db.session.get(JobRun, STUDIES_REFRESH)
        assert job.last_success_at is not None and job.last_failure_at is None


def test_refresh_reports_a_record_it_cannot_read(app, runner, tmp_path, registry):
    url, _ = registry
    assert run(runner, "import-ctgov", write(tmp_path, _study(NCT, _lyon()))).exit_code == 0
    before = counts(app)
    result = run(runner, "refresh", "--api-url", url)  # the fake API has no record for it
    assert result.exit_code == 1
    assert "has no study" in result.output and "1 refused" in result.output
    assert counts(app) == before
    with app.app_context():  # a failed run, as /metrics shows it
        job = db.session.get(JobRun, STUDIES_REFRESH)
        assert job.last_failure_at is not None and job.last_success_at is None


def test_refresh_is_off_without_an_api(app, runner, monkeypatch):
    monkeypatch.delenv("SITEDIR_CTGOV_URL", raising=False)
    app.config["CTGOV_URL"] = None
    result = run(runner, "refresh")
    assert result.exit_code != 0 and "fetching from ClinicalTrials.gov is off" in result.output
