"""A real FHIR client (fhirpy's sync client) against sitedir served over HTTP on localhost:
it reads a site, searches `near` and follows the `next` links the server gives."""

from datetime import UTC, datetime

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound
from werkzeug.serving import make_server

from tests.helpers import serve_in_thread


class Recorded:
    """A WSGI app that remembers the query string and Accept header of every request."""

    def __init__(self, app):
        self.app = app
        self.queries: list[str] = []
        self.accepts: list[str | None] = []

    def __call__(self, environ, start_response):
        self.queries.append(environ.get("QUERY_STRING", ""))
        self.accepts.append(environ.get("HTTP_ACCEPT"))
        return self.app(environ, start_response)


@pytest.fixture
def server(shared_app):
    """sitedir on a free port of 127.0.0.1, served from a thread (a SQLite file it shares)."""
    recorded = Recorded(shared_app)
    httpd = make_server("127.0.0.1", 0, recorded, threaded=True)
    stop = serve_in_thread(httpd)
    recorded.url = f"http://127.0.0.1:{httpd.server_port}/fhir"
    yield recorded
    stop()


def test_a_fhir_client_reads_a_site(server):
    client = SyncFHIRClient(server.url, requests_config={"timeout": 10})
    location = client.reference("Location", "clermont-ferrand").to_resource()
    assert location["name"] == "CHU de Clermont-Ferrand – Hôpital Gabriel-Montpied"
    assert location["status"] == "active"
    organization = location["managingOrganization"].to_resource()
    assert organization["id"] == "chu-clermont-gabriel-montpied"
    with pytest.raises(ResourceNotFound):
        client.reference("Location", "nowhere").to_resource()
    # fhirpy's own Accept, untouched by the test: what its users send.
    assert set(server.accepts) == {"application/fhir+json"}


def test_vread_and_conditional_reads_through_both_clients(server):
    """fhirpy and fhirclient, each with its default headers: a vread of the version a read
    gave, and conditional reads (If-None-Match, If-Modified-Since) answered 304."""
    from email.utils import format_datetime

    from fhirclient import server as fhir_server
    from fhirclient.models.location import Location

    client = SyncFHIRClient(server.url, requests_config={"timeout": 10})
    read = client.reference("Location", "nantes").to_resource()
    version = read["meta"]["versionId"]
    vread = client.execute(f"Location/nantes/_history/{version}", method="get")
    assert vread == read.serialize()
    with pytest.raises(ResourceNotFound):  # older versions are not kept: a 404 outcome
        client.execute(f"Location/nantes/_history/{int(version) + 1}", method="get")
    updated = datetime.strptime(read["meta"]["lastUpdated"], "%Y-%m-%dT%H:%M:%SZ")
    for condition in (
        {"If-None-Match": f'W/"{version}"'},
        {"If-Modified-Since": format_datetime(updated.replace(tzinfo=UTC), usegmt=True)},
    ):
        conditional = SyncFHIRClient(
            server.url, requests_config={"timeout": 10}, extra_headers=condition
        )
        # fhirpy returns None for a 304: nothing to send again.
        assert conditional.execute("Location/nantes", method="get") is None, condition
    stale = SyncFHIRClient(
        server.url, requests_config={"timeout": 10}, extra_headers={"If-None-Match": 'W/"0"'}
    )
    assert stale.execute("Location/nantes", method="get")["id"] == "nantes"
    smart = fhir_server.FHIRServer(None, base_uri=server.url + "/")
    model = Location.read_from(f"Location/nantes/_history/{version}", smart)
    assert model.meta.versionId == version and model.as_json() == Location(vread).as_json()
    assert set(server.accepts) == {"application/fhir+json"}


def test_a_fhir_client_searches_near_and_follows_next_links(server):
    client = SyncFHIRClient(server.url, requests_config={"timeout": 10})
    # Every site is open in the seeds: the JSON API's order is the order to expect.
    api = server.url.removesuffix("/fhir") + "/api/v1/nearest"
    answer = requests.get(api, params={"lat": 45.7772, "lon": 3.087, "limit": 20}, timeout=10)
    expected = [s["id"] for s in answer.json()["results"]]
    assert len(expected) == 9
    search = client.resources("Location").search(near="45.7772|3.0870|20000|km").limit(2)
    assert [r["id"] for r in search.fetch()] == expected[:2]
    assert [r["id"] for r in search.fetch_all()] == expected
    # fetch_all went page by page through the server's next links.
    offsets = [q for q in server.queries if "_offset=" in q and "near=" in q]
    assert {f"_offset={n}" for n in (2, 4, 6, 8)} <= {
        part for q in offsets for part in q.split("&") if part.startswith("_offset=")
    }
    # The open sites within 150 km of a doctor's town, as a doctor types it.
    nearby = (
        client.resources("Location")
        .search(near_place="Vichy", near_distance="150|km", status="active")
        .fetch_all()
    )
    assert [r["id"] for r in nearby] == ["clermont-ferrand"]
    assert client.resources("Location").search(near="45.77|3.08|10|m").count() == 0


def test_fhirclient_reads_searches_and_posts_a_search(server):
    """SMART's fhirclient (R4 models), with its default Accept header: a read, a search
    parsed into its R4 Bundle model, and a POST search sent as a form."""
    from fhirclient import server as fhir_server
    from fhirclient.models.bundle import Bundle
    from fhirclient.models.location import Location

    smart = fhir_server.FHIRServer(None, base_uri=server.url + "/")
    location = Location.read("clermont-ferrand", smart)
    assert location.status == "active" and location.meta.versionId == "1"
    assert location.text.status == "generated"
    bundle = Bundle(smart.request_json("Location?status=active&_count=3"))
    assert bundle.total == 9 and len(bundle.entry) == 3  # every seeded site recruits
    assert set(server.accepts) == {"application/fhir+json"}  # fhirclient's own
    posted = smart.post_as_form(
        server.url + "/Location/_search", {"status": "active", "_count": "3"}
    )
    assert posted.headers["Content-Type"].startswith("application/fhir+json")
    assert Bundle(posted.json()).as_json() == bundle.as_json()


@pytest.mark.parametrize(
    "accept",
    [
        "application/fhir+json; fhirVersion=4.0",  # Firely .NET SDK
        "application/fhir+json;q=1.0, application/json+fhir;q=0.9",  # HAPI's client
        "application/fhir+json; charset=utf-8",
    ],
)
def test_other_clients_default_accept_headers_over_http(server, accept):
    response = requests.get(f"{server.url}/Location/nantes", headers={"Accept": accept}, timeout=10)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    again = requests.get(
        f"{server.url}/Location/nantes",
        headers={"Accept": accept, "If-None-Match": etag},
        timeout=10,
    )
    assert again.status_code == 304
