"""Where a record's location stands: exact readings of the town only, the postcode's first."""

import pytest

from sitedir.ctgov.mapping import UnknownStatus, is_french, phase, population, site_status
from sitedir.ctgov.placing import NotPlaced, locate


@pytest.mark.parametrize(
    ("city", "postcode", "country", "insee"),
    [
        ("Clermont-Ferrand", "63000", "France", "63113"),
        ("CLERMONT FERRAND", "63003", "France", "63113"),  # a CEDEX code: the name, in its dép.
        ("Paris", "75013", "France", "75113"),  # an arrondissement's postcode
        ("Paris", "75651", "France", "75056"),  # Paris CEDEX 13: the city
        ("Saint-Denis", "97400", "Réunion", "97411"),  # not Saint-Denis (93)
        ("Saint-Denis", None, "Réunion", "97411"),  # the country alone settles it
        ("Saint-Denis", "93200", "France", "93066"),
        ("Saint-Denis", "93205", "France", "93066"),  # Saint-Denis CEDEX (93)
        ("Pointe-à-Pitre", None, "Guadeloupe", "97120"),
        ("Clermont-Ferrand Cedex 1", "63003", "France", "63113"),
        ("Clermont-Ferrand", "63003 CEDEX 1", "France", "63113"),
    ],
)
def test_locates_towns(city, postcode, country, insee):
    assert locate(city, postcode, country).place.insee == insee


def test_france_is_metropolitan_france():
    """Issue 20: "Centre hospitalier de Saint-Denis", France, no postcode, was placed in 974."""
    located = locate("Saint-Denis", None, "France", "Centre hospitalier de Saint-Denis")
    assert located.place.department == "93"
    # The others of that name are said, not hidden.
    assert "Saint-Denis (11)" in located.note and "974" not in located.note


def test_a_postcode_that_contradicts_the_country_is_refused():
    with pytest.raises(NotPlaced, match="not in France: the record contradicts itself"):
        locate("Saint-Denis", "97400", "France")
    with pytest.raises(NotPlaced, match="not in Réunion"):
        locate("Saint-Denis", "93200", "Réunion")


def test_a_town_that_stays_ambiguous_is_refused_with_its_candidates():
    # Marly (59) and Marly (57): about as many inhabitants each; nothing says which.
    with pytest.raises(NotPlaced, match="is ambiguous") as refused:
        locate("Marly", None, "France", "Centre hospitalier")
    assert set(refused.value.candidates) == {"Marly (59)", "Marly (57)"}


@pytest.mark.parametrize(
    ("postcode", "facility", "department"),
    [
        ("57155", "Centre hospitalier", "57"),  # the postcode's département
        (None, "Hôpital de Marly, Moselle", "57"),  # the facility names the département
        (None, "Clinique Exemple Hauts-de-France", "59"),  # ... or the région
    ],
)
def test_the_postcode_or_the_facility_settles_an_ambiguous_town(postcode, facility, department):
    assert locate("Marly", postcode, "France", facility).place.department == department


@pytest.mark.parametrize(
    ("postcode", "stored"),
    [("63000", "63000"), ("63003", None), ("63003 CEDEX 1", None), ("６３０００", None)],
)
def test_a_cedex_postcode_is_not_an_address_postcode(postcode, stored):
    assert locate("Clermont-Ferrand", postcode, "France").postcode == stored


def test_the_town_is_spelt_as_the_gazetteer_spells_it():
    assert locate("CLERMONT-FERRAND", "63000", "France").town == "Clermont-Ferrand"
    assert locate("paris", "75013", "France").town == "Paris"  # not "Paris 13e Arrondissement"


@pytest.mark.parametrize(
    ("city", "postcode", "country", "reason"),
    [
        ("Xyzzyville", None, "France", "not found in the gazetteer"),
        ("Clermont-Ferand", "63000", "France", "not found"),  # a typo is not guessed
        ("Lyon", "13005", "France", "not found in the gazetteer for postcode 13005"),
        (None, "63000", "France", "no town"),
        ("Papeete", "98714", "French Polynesia", "belongs to no INSEE région"),
        ("Pointe-à-Pitre", None, "France", "not found in the gazetteer in France"),
        ("Berlin", "10117", "Germany", "not France"),
    ],
)
def test_refuses_what_it_cannot_place(city, postcode, country, reason):
    with pytest.raises(NotPlaced, match=reason):
        locate(city, postcode, country)


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
        ("SUSPENDED", "RECRUITING", "suspended"),  # with a reason: the record gives none
        ("ENROLLING_BY_INVITATION", "RECRUITING", "active_not_recruiting"),
    ],
)
def test_a_site_status_is_never_recruiting_by_guess(location, overall, status):
    found, reason = site_status(location, overall)
    assert found == status and reason


def test_an_unknown_status_is_refused_for_that_location():
    with pytest.raises(UnknownStatus, match="unknown status 'PAUSED'"):
        site_status("PAUSED", "RECRUITING")


def test_phase_and_population_words():
    assert phase(["PHASE2", "PHASE3"]) == "2/3"
    assert phase(["NA"]) == "n/a" and phase([]) == "unknown"
    assert population({"minimumAge": "1 Year", "sex": "FEMALE"}) == (
        "1 an et plus; femmes uniquement",
        "1 year and older; female only",
    )
    assert population({}) == ("Âge non précisé par la fiche", "Age not stated in the record")
