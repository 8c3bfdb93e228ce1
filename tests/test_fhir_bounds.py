"""FHIR search does bounded work per request, whatever the query (issue 21, point 1).

The worst case a maximum-length URL can ask for is built here at 10,000 sites and its work
counted (comparisons, folds): a bound on work, not on time (timing is bench/fhir_worst.py).
"""

from urllib.parse import parse_qsl, urlencode

import pytest
from werkzeug.datastructures import MultiDict

from sitedir.fhir import search as fhir_search
from sitedir.fhir.catalogue import Catalogue, Record
from sitedir.fhir.errors import FhirError
from tests.test_fhir import outcome

SITES = 10_000
# gunicorn's default limit_request_line: the longest request line a client can send.
MAX_REQUEST_LINE = 4094


def _catalogue(sites: int = SITES) -> Catalogue:
    """A catalogue of `sites` Locations (and a role for each), as build() makes them."""
    locations, roles = {}, {}
    for n in range(sites):
        slug = f"site-{n:05d}"
        locations[slug] = Record(
            type="Location",
            id=slug,
            draft={"resourceType": "Location", "id": slug},
            last_updated=None,
            strings={
                "name": (f"Centre hospitalier Saint-Étienne {n}",),
                "address-city": (f"Ville {n % 500}",),
                "address-postalcode": (f"{10000 + n % 900}",),
            },
            tokens={"status": (("http://hl7.org/fhir/location-status", "active"),)},
            refs={"organization": (f"Organization/org-{n}",)},
            study="cart-lupus",
            point=(43 + (n % 100) / 20, 1 + (n // 100) / 20),
        )
        roles[str(n)] = Record(
            type="PractitionerRole",
            id=str(n),
            draft={"resourceType": "PractitionerRole", "id": str(n)},
            last_updated=None,
            refs={"location": (f"Location/{slug}",)},
        )
    return Catalogue({"Location": locations, "PractitionerRole": roles})


@pytest.fixture(scope="module")
def big():
    return _catalogue()


def _within_request_line(pairs: list[tuple[str, str]]) -> str:
    """The query string, checked to fit in one request line (`GET /fhir/Location?… HTTP/1.1`)."""
    query = urlencode(pairs)
    assert len(f"GET /fhir/Location?{query} HTTP/1.1") <= MAX_REQUEST_LINE
    return query


def _worst_queries() -> dict[str, str]:
    """Queries built to cost the most within a request line, each a different way."""
    one_letter = ",".join("e" * (1 + i % 2) for i in range(fhir_search.MAX_ALTERNATIVES))
    many_params = [("name:contains", one_letter)] * 19 + [("near", "45|3")]
    many_values = [("name:contains", ",".join(f"z{i:03d}" for i in range(1340)))]
    revinclude = [("_revinclude", "PractitionerRole:location")] * fhir_search.MAX_PARAMETERS
    mixed = [
        ("name", ",".join("centre"[: 1 + i % 6] for i in range(32))),
        ("address-city:contains", ",".join("v" for _ in range(32))),
        ("_lastUpdated", "ne2026-01-01"),
        ("_revinclude", "PractitionerRole:location"),
    ] * 4 + [("near", "45|3"), ("_count", "100")]
    return {
        "many string filters that all match, and near": _within_request_line(many_params),
        "1,340 alternatives (issue 21's query)": urlencode(many_values),
        "twenty _revinclude": _within_request_line(revinclude),
        "a mix": _within_request_line(mixed),
    }


def _run(catalogue, query):
    return fhir_search.search("Location", catalogue, MultiDict(parse_qsl(query)), False)


@pytest.mark.parametrize("label", list(_worst_queries()))
def test_the_worst_query_a_request_line_holds_does_bounded_work_at_10000_sites(
    big, label, monkeypatch
):
    """Each worst case is answered within the budget, or refused before doing more."""
    calls = {"fold": 0, "match": 0}
    real_fold, real_matches = fhir_search.fold, fhir_search._matches

    def counting_fold(text):
        calls["fold"] += 1
        return real_fold(text)

    def counting_matches(record, f):
        calls["match"] += 1
        return real_matches(record, f)

    monkeypatch.setattr(fhir_search, "fold", counting_fold)
    monkeypatch.setattr(fhir_search, "_matches", counting_matches)
    query = _worst_queries()[label]
    try:
        result = _run(big, query)
        work = result.work
    except FhirError as error:
        assert error.status == 400 and error.code == "too-costly", error.diagnostics
        work = None
    # Folded once per request: at most one fold per alternative sent, never per record.
    assert calls["fold"] <= fhir_search.MAX_PARAMETERS * fhir_search.MAX_ALTERNATIVES
    # Records examined, each against at most MAX_ALTERNATIVES values: within the budget.
    assert calls["match"] * 1 <= fhir_search.WORK_BUDGET
    if work is not None:
        assert work <= fhir_search.WORK_BUDGET


def test_the_budget_is_a_few_normal_searches_at_10000_sites(big):
    """Normal searches fit far inside the budget; the worst case is a bounded multiple."""
    normal = _run(big, "name=centre&_count=20").work
    near = _run(big, "near=45|3|50|km").work
    assert normal == SITES  # one comparison per site
    assert near <= SITES * (1 + fhir_search.NEAR_COST)
    assert fhir_search.WORK_BUDGET <= 20 * normal


def test_issue_21s_query_is_a_400_before_any_record_is_read(big, monkeypatch):
    """1,340 alternatives: refused while parsing, no record compared."""
    monkeypatch.setattr(fhir_search, "_matches", lambda *a: pytest.fail("a record was read"))
    with pytest.raises(FhirError) as caught:
        _run(big, _worst_queries()["1,340 alternatives (issue 21's query)"])
    assert caught.value.code == "too-costly"
    assert caught.value.expression == "name:contains"


def test_values_are_folded_once_per_request_not_per_record(big, monkeypatch):
    calls = []
    real_fold = fhir_search.fold
    monkeypatch.setattr(fhir_search, "fold", lambda text: calls.append(text) or real_fold(text))
    result = _run(big, "name:contains=Étienne,HOSPITALIER&address-city=ville 1")
    assert sorted(calls) == ["HOSPITALIER", "ville 1", "Étienne"]
    assert result.total == 111 * 20  # Ville 1, 10 to 19 and 100 to 199: 20 sites each


def test_too_many_parameters_or_alternatives_are_400_operation_outcomes(client):
    many = "&".join(["name=a"] * (fhir_search.MAX_PARAMETERS + 1))
    body = outcome(client, f"/fhir/Location?{many}", 400)
    assert body["issue"][0]["code"] == "too-costly"
    values = ",".join(["a"] * (fhir_search.MAX_ALTERNATIVES + 1))
    body = outcome(client, f"/fhir/Organization?name:contains={values}", 400)
    assert body["issue"][0]["code"] == "too-costly"
    assert body["issue"][0]["expression"] == ["name:contains"]
    # At the caps, answered.
    values = ",".join(["a"] * fhir_search.MAX_ALTERNATIVES)
    response = client.get(f"/fhir/Organization?name:contains={values}")
    assert response.status_code == 200


def test_a_search_beyond_the_budget_is_a_400_too_costly(client, monkeypatch):
    monkeypatch.setattr(fhir_search, "WORK_BUDGET", 10)  # 9 sites
    body = outcome(client, "/fhir/Location?name:contains=a,e,i", 400)
    assert body["issue"][0]["code"] == "too-costly"
    assert client.get("/fhir/Location?_id=clermont-ferrand").status_code == 200
