"""The README's FHIR section and the CapabilityStatement say the same, and the server does
what they say: the interactions, the search and result parameters, nothing more."""

import re
from pathlib import Path

import pytest

from tests.test_fhir import fhir

README = Path(__file__).parent.parent / "README.md"
STRICT = {"Prefer": "handling=strict"}
# R4's TypeRestfulInteraction codes: what a README sentence could claim.
INTERACTION_CODES = {
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
}
RESULT_PARAMETERS = {"_count", "_offset", "_summary", "_elements", "_total", "_sort"}


def _section() -> str:
    return README.read_text(encoding="utf-8").split("\n## FHIR\n", 1)[1].split("\n## ", 1)[0]


def _bullet(title: str) -> set[str]:
    """The code spans of the README's bullet `- **<title>**…`, up to the next bullet."""
    found = re.search(rf"^- \*\*{title}.*?(?=^- \*\*|^$)", _section(), flags=re.M | re.S)
    assert found, title
    return set(re.findall(r"`([^`]+)`", found.group(0)))


@pytest.fixture
def statement(client):
    return fhir(client, "/fhir/metadata")


def test_the_interactions_are_the_ones_the_readme_lists(statement):
    served = {i["code"] for r in statement["rest"][0]["resource"] for i in r.get("interaction", [])}
    assert _bullet("Interactions") & INTERACTION_CODES == served == {"read", "vread", "search-type"}
    for resource in statement["rest"][0]["resource"]:
        if resource["type"] not in ("StructureDefinition", "CodeSystem"):
            assert resource["readHistory"] is False  # the README: older versions not kept
    assert "there is no `_history`" in _section()


@pytest.mark.parametrize(
    "url", ["/fhir/_history", "/fhir/Location/_history", "/fhir/Location/nantes/_history"]
)
def test_no_history_interaction_is_said_as_such(client, url):
    """Not a Location whose id would be `_history`: history is named as not served."""
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    [issue] = response.get_json()["issue"]
    assert issue["code"] == "not-supported"
    assert issue["diagnostics"].startswith("History (_history) is not served")


def test_the_search_parameters_are_the_ones_the_readme_lists(statement):
    listed = {
        name
        for name in _bullet("Search parameters")
        if not name.startswith(":") and name not in ("_include", "_revinclude")
    }
    served = {p["name"] for r in statement["rest"][0]["resource"] for p in r.get("searchParam", [])}
    assert listed == served
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    first = _section().strip().split("\n\n")[0]  # the opening paragraph
    assert {t for t in types if f"`{t}`" in first} == types - {"StructureDefinition", "CodeSystem"}


def test_the_result_parameters_the_readme_lists_are_served_and_stated(client, statement):
    codes = _bullet("Result parameters")
    names = {code.split("=")[0] for code in codes if code.startswith("_")}
    assert names == RESULT_PARAMETERS
    documentation = statement["rest"][0]["documentation"]
    for name in names:
        assert name in documentation
    # Each value the README gives is accepted under strict handling.
    for summary in ("true", "text", "data", "count", "false"):
        assert summary in codes
        fhir(client, f"/fhir/Location?_summary={summary}", 200, STRICT)
    for total in ("accurate", "estimate", "none"):
        assert total in codes
        fhir(client, f"/fhir/Location?_total={total}", 200, STRICT)
    fhir(client, "/fhir/Location?_sort=near&near=45.77|3.08|100|km", 200, STRICT)
    fhir(client, "/fhir/Location?_sort=_id", 200, STRICT)
    fhir(client, "/fhir/Location?_elements=name&_count=100&_offset=1", 200, STRICT)
