"""Origin resolution, the domain function behind /api/v1/nearest, the page and FHIR near-place."""

import pytest

from sitedir.places.online import Address
from sitedir.places.origin import AddressSearchOff, OriginNotFound, resolve_origin
from sitedir.places.search import QueryTooLong


@pytest.mark.parametrize(
    ("args", "source", "insee", "match"),
    [
        ({"q": "Vichy"}, "q", "03310", "exact"),
        ({"insee": "63113"}, "insee", "63113", "insee"),
        ({"postcode": "63000"}, "postcode", "63113", "postcode"),
    ],
)
def test_a_place_resolves_to_its_commune(args, source, insee, match):
    origin = resolve_origin(args)
    assert (origin.source, origin.place.insee, origin.match) == (source, insee, match)
    assert (origin.latitude, origin.longitude) == (origin.place.latitude, origin.place.longitude)
    assert origin.label == origin.place.label


def test_a_postcode_of_several_communes_offers_the_others_without_a_score():
    origin = resolve_origin({"postcode": "63190"})  # Lezoux, Orléat, ...
    assert origin.alternatives
    assert all(m.unranked and m.match == "postcode" for m in origin.alternatives)


def test_an_ambiguous_name_keeps_the_places_about_as_likely():
    origin = resolve_origin({"q": "Saint-Denis"})
    assert origin.alternatives and all(m.score is not None for m in origin.alternatives)


def test_coordinates_are_their_own_origin():
    origin = resolve_origin({"lat": 45.78, "lon": 3.08})
    assert (origin.source, origin.precision, origin.place, origin.alternatives) == (
        "coordinates",
        "coordinates",
        None,
        (),
    )


def test_what_matches_nothing_says_what_was_looked_up():
    with pytest.raises(OriginNotFound) as missing:
        resolve_origin({"insee": "99999"})
    assert (missing.value.source, missing.value.suggestions) == ("insee", ())
    with pytest.raises(OriginNotFound) as missing:
        resolve_origin({"q": "Vichyy sur allierr"})
    assert missing.value.source == "q"


def test_a_typed_query_with_nothing_to_search_is_a_value_error():
    with pytest.raises(ValueError):
        resolve_origin({"q": "..."})
    with pytest.raises(QueryTooLong):
        resolve_origin({"q": "a " * 60})


class FakeGeocoder:
    service = "ban"

    def locate(self, address):
        return (
            Address("1 Rue Montalembert 63000 Clermont-Ferrand", 45.77, 3.09)
            if "1" in address
            else None
        )


def test_an_address_needs_a_geocoder_and_is_a_point():
    with pytest.raises(AddressSearchOff):
        resolve_origin({"address": "1 rue Montalembert"})
    origin = resolve_origin({"address": "1 rue Montalembert"}, geocoder=FakeGeocoder())
    assert (origin.source, origin.precision, origin.match) == ("address", "address", "ban")
    with pytest.raises(OriginNotFound):
        resolve_origin({"address": "nowhere"}, geocoder=FakeGeocoder())


@pytest.mark.parametrize(
    ("typed", "likeliest", "others"),
    [
        ("Saint-Denis", "97411", {"93066"}),
        ("St Pierre", "97416", {"97502", "97225"}),
        ("Valence", "26362", {"82186"}),
        ("Moulins", "03190", {"35198"}),
    ],
)
def test_a_name_several_comparable_communes_bear_is_ambiguous(typed, likeliest, others):
    origin = resolve_origin({"q": typed})
    assert origin.ambiguous is True
    assert origin.place.insee == likeliest
    assert others <= {m.place.insee for m in origin.alternatives}


@pytest.mark.parametrize(
    "args",
    [
        {"q": "Saint-Denis 93"},
        {"q": "Saint-Denis Réunion"},
        {"q": "Saint-Denis 93200"},
        {"q": "Valence Drôme"},
        {"insee": "93066"},
        {"postcode": "93200"},
        {"q": "Vichy"},
        {"q": "Le Port"},  # 34,000 in La Réunion, 169 in Ariège: no real doubt
        {"q": "Clermont-Ferrand"},
    ],
)
def test_a_hint_a_code_or_a_clear_favourite_settles_it(args):
    assert resolve_origin(args).ambiguous is False


def test_a_place_that_is_not_a_commune_resolves_to_its_commune_saying_so():
    origin = resolve_origin({"q": "Val Thorens"})
    # GeoNames' PPLL row, admin4 73257: Saint-Martin-de-Belleville, now Les Belleville.
    assert (origin.place.insee, origin.match, origin.locality) == (
        "73257",
        "locality",
        "Val Thorens",
    )
    assert origin.precision == "commune" and not origin.ambiguous
    assert resolve_origin({"q": "val thorens 73"}).place.insee == "73257"
    assert resolve_origin({"q": "Montfavet"}).place.name == "Avignon"


def test_a_commune_name_wins_over_a_locality_of_the_same_name():
    # "Saint-Pierre" is also a district of Marseille in GeoNames.
    assert resolve_origin({"q": "Saint-Pierre"}).place.department == "974"
