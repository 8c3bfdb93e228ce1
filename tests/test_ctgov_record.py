"""A malformed ClinicalTrials.gov file stops the import, names the field, and changes nothing."""

import json

import pytest

from sitedir.ctgov.record import RecordError, parse_json
from tests.ctgov_records import counts, record, write


def _with(path: str, value):
    """The fictional record with the value at a dotted path (list positions as numbers)."""
    data = record()
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


LOCATIONS = "protocolSection.contactsLocationsModule.locations"
CASES = [
    ("{not json", "(record): not JSON"),
    ([record()], "(record): expected an object"),
    ({"studies": [record()]}, "protocolSection: missing"),
    ({"protocolSection": "x"}, "protocolSection: expected an object"),
    (_with(f"{LOCATIONS}.3.geoPoint", {"lat": "16.2", "lon": -61.5}),
     f"{LOCATIONS}[3].geoPoint.lat: expected a number"),
    (_with(f"{LOCATIONS}.3.geoPoint", {"lat": 16.2}), f"{LOCATIONS}[3].geoPoint.lon: missing"),
    (_with(f"{LOCATIONS}.0.geoPoint", {"lat": 145.0, "lon": 3.0}),
     f"{LOCATIONS}[0].geoPoint.lat: expected a latitude"),
    (_with(f"{LOCATIONS}.12", "Lyon"), f"{LOCATIONS}[12]: expected an object"),
    (_with(LOCATIONS, {"facility": "x"}), f"{LOCATIONS}: expected a list"),
    (_with(f"{LOCATIONS}.1.city", 69003), f"{LOCATIONS}[1].city: expected a string"),
    (_with(f"{LOCATIONS}.1.status", "OPEN"), f"{LOCATIONS}[1].status: expected one of"),
    (_with(f"{LOCATIONS}.0.contacts.0.role", "BOSS"),
     f"{LOCATIONS}[0].contacts[0].role: expected one of"),
    (_with("protocolSection.identificationModule.nctId", "NCT123"),
     "protocolSection.identificationModule.nctId: expected an NCT number"),
    (_with("protocolSection.identificationModule.briefTitle", KeyError),
     "protocolSection.identificationModule.briefTitle: missing"),
    (_with("protocolSection.designModule.phases", ["PHASE9"]),
     "protocolSection.designModule.phases[0]: expected one of"),
    (_with("protocolSection.eligibilityModule.healthyVolunteers", "no"),
     "protocolSection.eligibilityModule.healthyVolunteers: expected true or false"),
    (_with("protocolSection.statusModule.lastUpdatePostDateStruct.date", "14/03/2025"),
     "protocolSection.statusModule.lastUpdatePostDateStruct.date: expected a date"),
    # Odd values JSON allows: an integer too large for a float, one too long for Python to
    # read, a lone surrogate escape (no database stores it).
    (json.dumps(record()).replace('"lat": 45.7797', '"lat": 1' + "0" * 400),
     f"{LOCATIONS}[0].geoPoint.lat: expected a finite number"),
    (json.dumps(record()).replace('"lat": 45.7797', '"lat": 1' + "0" * 5000),
     "(record): not JSON"),
    (json.dumps(_with(f"{LOCATIONS}.1.facility", "H\ud800pital")),
     f"{LOCATIONS}[1].facility: expected text"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), CASES)
def test_a_malformed_file_names_its_field_and_changes_nothing(app, runner, tmp_path, data, message):
    before = counts(app)
    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, data)])
    assert result.exit_code != 0
    assert "not imported, nothing changed" in result.output
    assert message in result.output
    assert counts(app) == before


def test_every_problem_is_listed_not_only_the_first():
    data = _with(f"{LOCATIONS}.3.geoPoint", {"lat": "16.2", "lon": None})
    data["protocolSection"]["designModule"]["phases"] = "PHASE1"
    with pytest.raises(RecordError) as caught:
        parse_json(__import__("json").dumps(data))
    assert caught.value.problems == [
        f"{LOCATIONS}[3].geoPoint.lat: expected a number",
        f"{LOCATIONS}[3].geoPoint.lon: expected a number, not null",
        "protocolSection.designModule.phases: expected a list",
    ]


def test_a_missing_file_is_a_message(runner, tmp_path):
    result = runner.invoke(args=["studies", "import-ctgov", str(tmp_path / "none.json")])
    assert result.exit_code != 0
    assert "none.json" in result.output and "Traceback" not in result.output


def test_parts_it_does_not_read_are_ignored():
    data = record()
    data["derivedSection"] = {"anything": [1, 2]}
    data["protocolSection"]["contactsLocationsModule"]["locations"][0]["state"] = "Auvergne"
    data["protocolSection"]["contactsLocationsModule"]["locations"][0]["extra"] = {"x": 1}
    assert parse_json(__import__("json").dumps(data))["protocolSection"]


def test_a_file_past_the_limit_is_refused_without_reading_it_all(runner):
    # /dev/zero never ends: only the limit's worth is read, then refused.
    result = runner.invoke(args=["studies", "import-ctgov", "/dev/zero"])
    assert result.exit_code != 0
    assert "(record): larger than 10 MB" in result.output
