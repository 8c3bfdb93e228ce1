"""Where a record's location stands: exact readings of the town only, the postcode's first."""

import pytest

from sitedir.ctgov.mapping import is_french, phase, population, site_status
from sitedir.ctgov.placing import NotPlaced, locate


@pytest.mark.parametrize(
    ("city", "postcode", "insee"),
    [
        ("Clermont-Ferrand", "63000", "63113"),
        ("CLERMONT FERRAND", "63003", "63113"),  # a CEDEX code: the name, in its département
        ("Paris", "75013", "75113"),  # an arrondissement's postcode
        ("Paris", "75651", "75056"),  # Paris CEDEX 13: the city
        ("Saint-Denis", "97400", "97411"),  # not Saint-Denis (93)
        ("Saint-Denis", "93200", "93066"),
        ("Pointe-à-Pitre", None, "97120"),
    ],
)
def test_locates_towns(city, postcode, insee):
    assert locate(city, postcode).place.insee == insee


def test_an_ambiguous_town_without_postcode_is_read_and_noted():
    located = locate("Saint-Denis", None)
    assert located.note and "also possible" in located.note


@pytest.mark.parametrize(
    ("city", "postcode", "reason"),
    [
        ("Xyzzyville", None, "not found in the gazetteer"),
        ("Clermont-Ferand", "63000", "not found"),  # a typo is not guessed
        ("Lyon", "13005", "not found in the gazetteer for postcode 13005"),
        (None, "63000", "no town"),
        ("Papeete", "98714", "belongs to no INSEE région"),
    ],
)
def test_refuses_what_it_cannot_place(city, postcode, reason):
    with pytest.raises(NotPlaced, match=reason):
        locate(city, postcode)


def test_french_countries():
    assert all(is_french(c) for c in ("France", "Reunion", "Réunion", "French Guiana", "Mayotte"))
    assert not any(is_french(c) for c in ("Germany", "Belgium", None, ""))


@pytest.mark.parametrize(
    ("location", "overall", "status"),
    [
        (None, "RECRUITING", "not_yet_recruiting"),
        (None, None, "not_yet_recruiting"),
        (None, "SUSPENDED", "suspended"),
        (None, "ENROLLING_BY_INVITATION", "not_yet_recruiting"),
        ("AVAILABLE", "RECRUITING", "not_yet_recruiting"),  # not a site's status
        ("ENROLLING_BY_INVITATION", "RECRUITING", "active_not_recruiting"),
    ],
)
def test_a_site_status_is_never_recruiting_by_guess(location, overall, status):
    found, reason = site_status(location, overall)
    assert found == status and reason


def test_phase_and_population_words():
    assert phase(["PHASE2", "PHASE3"]) == "2/3"
    assert phase(["NA"]) == "n/a" and phase([]) == "unknown"
    assert population({"minimumAge": "1 Year", "sex": "FEMALE"}) == (
        "1 an et plus; femmes uniquement",
        "1 year and older; female only",
    )
    assert population({}) == ("Âge non précisé par la fiche", "Age not stated in the record")
