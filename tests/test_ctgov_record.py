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
    ({"studies": "x"}, "studies: expected a list"),  # a search result that is not one
    ({"protocolSection": "x", "studies": []}, "protocolSection: expected an object"),
    ({"protocolSection": "x"}, "protocolSection: expected an object"),
    (_with(f"{LOCATIONS}.3.geoPoint", {"lat": "16.2", "lon": -61.5}),
     f"{LOCATIONS}[3].geoPoint.lat: expected a number"),
    (_with(f"{LOCATIONS}.3.geoPoint", {"lat": 16.2}), f"{LOCATIONS}[3].geoPoint.lon: missing"),
    (_with(f"{LOCATIONS}.0.geoPoint", {"lat": 145.0, "lon": 3.0}),
     f"{LOCATIONS}[0].geoPoint.lat: expected a latitude"),
    (_with(f"{LOCATIONS}.12", "Lyon"), f"{LOCATIONS}[12]: expected an object"),
    (_with(LOCATIONS, {"facility": "x"}), f"{LOCATIONS}: expected a list"),
    (_with(f"{LOCATIONS}.1.city", 69003), f"{LOCATIONS}[1].city: expected a string"),
    (_with(f"{LOCATIONS}.1.status", 7), f"{LOCATIONS}[1].status: expected a string"),
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
    # Issue 21 (8): what a database, a feed, a mail header or a terminal cannot take.
    (_with(f"{LOCATIONS}.1.facility", "H\x00pital"),
     f"{LOCATIONS}[1].facility: expected one line of text without control characters"),
    (_with(f"{LOCATIONS}.1.city", "Lyon\rParis"),
     f"{LOCATIONS}[1].city: expected one line of text without control characters"),
    (_with(f"{LOCATIONS}.1.city", "Lyon\x1b]52;c;ZXZpbA==\x07"),
     f"{LOCATIONS}[1].city: expected one line"),
    (_with(f"{LOCATIONS}.0.contacts.0.name", "Dr\x9bExemple"),
     f"{LOCATIONS}[0].contacts[0].name: expected one line"),
    (_with("protocolSection.identificationModule.briefTitle", "Titre\uffff"),
     "protocolSection.identificationModule.briefTitle: expected one line"),
    (_with("protocolSection.eligibilityModule.eligibilityCriteria", "Inclusion\x00"),
     "protocolSection.eligibilityModule.eligibilityCriteria: expected text without control"),
    (_with(f"{LOCATIONS}.1.facility", "H" * 301),
     f"{LOCATIONS}[1].facility: longer than 300 characters"),
    (_with("protocolSection.conditionsModule.keywords", ["k"] * 201),
     "protocolSection.conditionsModule.keywords: more than 200 items"),
    (_with(LOCATIONS, [{"facility": "x", "country": "France"}] * 5001),
     f"{LOCATIONS}: more than 5000 items"),
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
    assert "(record): larger than 64 MB" in result.output  # a search result page's limit


def test_one_record_past_its_limit_is_refused(runner, tmp_path):
    data = record()
    data["resultsSection"] = {"padding": "x" * (10 * 1024 * 1024)}  # a part never read
    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, data)])
    assert result.exit_code != 0
    assert "(record): larger than 10 MB" in result.output


def test_multi_line_text_keeps_its_newlines():
    data = _with("protocolSection.eligibilityModule.eligibilityCriteria", "A:\r\n\t* b")
    parsed = parse_json(json.dumps(data))
    assert parsed["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] == "A:\r\n\t* b"


def test_what_the_command_prints_is_escaped(app, runner, tmp_path):
    """A record's text reaches the terminal through the plan: nothing in it is a control."""
    data = record()
    locations = data["protocolSection"]["contactsLocationsModule"]["locations"]
    # Format characters pass the record's rules but would reorder or hide what is read.
    locations[1]["facility"] = "Hôpital \u202eelbisivni\u202c Nord"
    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, data), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.output and "\\u202e" in result.output
    assert all(ch in "\n" or ch.isprintable() for ch in result.output)


def test_printable_escapes_controls():
    from sitedir.ctgov.cli import printable

    assert printable("a\rb\x1b[2Jc\u202e") == "a\\x0db\\x1b[2Jc\\u202e"
    assert printable("Hôpital Nord – Lyon") == "Hôpital Nord – Lyon"
