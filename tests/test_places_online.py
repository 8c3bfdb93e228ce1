"""Online address geocoding, against a local stub of the BAN API (never the internet)."""

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from sitedir.app import create_app
from sitedir.places.online import GeocoderUnavailable, OnlineGeocoder
from tests.helpers import assert_problem, serve_in_thread

GABRIEL_MONTPIED = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [3.1003, 45.7597]},
    "properties": {"label": "58 Rue Montalembert 63000 Clermont-Ferrand"},
}


class StubBAN(BaseHTTPRequestHandler):
    """Answers /search like the BAN: one address it knows, nothing for the rest."""

    calls = 0

    def do_GET(self):
        StubBAN.calls += 1
        query = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        if "lent" in query:
            time.sleep(2)
        features = [GABRIEL_MONTPIED] if "montalembert" in query.lower() else []
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubBAN)
    stop = serve_in_thread(server)
    yield f"127.0.0.1:{server.server_address[1]}"
    stop()


def _app(domain, timeout=1.0):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "GEOCODER": "ban",
            "GEOCODER_DOMAIN": domain,
            "GEOCODER_SCHEME": "http",
            "GEOCODER_TIMEOUT": timeout,
        }
    )


def test_an_address_is_geocoded_and_cached(stub):
    geocoder = OnlineGeocoder("ban", domain=stub, scheme="http", timeout=1)
    before = StubBAN.calls
    first = geocoder.locate("58 rue Montalembert, Clermont-Ferrand")
    again = geocoder.locate("58  RUE Montalembert, Clermont-Ferrand")
    assert (first.latitude, first.longitude) == (45.7597, 3.1003)
    assert again == first
    assert StubBAN.calls == before + 1
    assert geocoder.locate("1 rue de Nulle Part") is None


def test_nearest_from_an_address(stub):
    client = _app(stub).test_client()
    body = client.get("/api/v1/nearest?address=58 rue Montalembert Clermont").get_json()
    assert body["origin"]["precision"] == "address"
    assert body["origin"]["label"].startswith("58 Rue Montalembert")
    assert body["results"][0]["id"] == "clermont-ferrand"
    assert body["results"][0]["distance_km"] < 0.5


def test_an_unknown_address_is_a_404(stub):
    assert_problem(_app(stub).test_client().get("/api/v1/nearest?address=1 rue de Nulle Part"), 404)


def test_an_unreachable_service_is_a_503_with_retry_after():
    client = _app("127.0.0.1:9").test_client()  # nothing listens on the discard port
    response = client.get("/api/v1/nearest?address=58 rue Montalembert")
    body = assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) >= 30
    assert "réessayez" in body["detail"]


def test_a_slow_service_times_out_as_a_503(stub):
    geocoder = OnlineGeocoder("ban", domain=stub, scheme="http", timeout=0.3)
    with pytest.raises(GeocoderUnavailable):
        geocoder.locate("rue lente")


def test_off_by_default_and_says_so(client):
    body = assert_problem(client.get("/api/v1/nearest?address=58 rue Montalembert"), 400)
    assert body["invalid_params"][0]["name"] == "address"


def test_an_unknown_service_is_refused():
    with pytest.raises(ValueError, match="unknown geocoding service"):
        OnlineGeocoder("google")
