"""Place search: what doctors type, and the commune they mean."""

import pytest

from sitedir.places.search import search, suggest

# (typed, INSEE code expected first, how it should match)
CASES = [
    ("Vichy", "03310", "exact"),
    ("vichy", "03310", "exact"),
    ("VICHY", "03310", "exact"),
    ("vich", "03310", "prefix"),
    ("Vichi", "03310", "fuzzy"),
    ("clermont fd", "63113", "exact"),
    ("Clermont-Fd", "63113", "exact"),
    ("Clermon-Ferand", "63113", "fuzzy"),
    ("St Flour", "15187", "exact"),
    ("Saint-Flour", "15187", "exact"),
    ("le puy", "43157", "prefix"),
    ("Le Puy-en-Velay", "43157", "exact"),
    ("Puy en Velay", "43157", "exact"),
    ("Chalon sur saone", "71076", "exact"),
    ("Chalon s/ Saône", "71076", "exact"),
    ("Montlucon", "03185", "exact"),
    ("Paris 13e", "75113", "arrondissement"),
    ("Paris XIIIe", "75113", "arrondissement"),
    ("Marseille 5ème", "13205", "arrondissement"),
    ("Lyon 3e", "69383", "arrondissement"),
    ("75013", "75113", "postcode"),
    ("63000", "63113", "postcode"),
    ("63 000", "63113", "postcode"),
    ("63113", "63113", "insee"),
    ("2A004", "2A004", "insee"),
    ("2a004", "2A004", "insee"),
    ("Saint-Denis 93", "93066", "exact"),
    ("Saint-Denis (974)", "97411", "exact"),
    ("Valence Drôme", "26362", "exact"),
    ("Clermont Oise", "60157", "exact"),
    ("Cherbourg-Octeville", "50129", "former_name"),
    ("Ajaccio", "2A004", "exact"),
]


@pytest.mark.parametrize(("typed", "insee", "match"), CASES)
def test_the_intended_place_comes_first(typed, insee, match):
    [first, *_] = search(typed, limit=5)
    assert (first.place.insee, first.match) == (insee, match)


def test_an_ambiguous_name_resolves_to_the_likeliest_and_keeps_the_others():
    found = search("Saint-Denis", limit=10)
    codes = [m.place.insee for m in found]
    assert codes[0] == "97411"  # Saint-Denis (Réunion), the most populous
    assert "93066" in codes[:3]
    assert [m.match for m in found[:2]] == ["exact", "exact"]


def test_former_name_says_which_name_matched():
    [first, *_] = search("Cherbourg-Octeville")
    assert first.former_name == "Cherbourg-Octeville"
    assert first.place.name == "Cherbourg-en-Cotentin"


def test_scores_are_ordered_and_bounded():
    found = search("saint", limit=20)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert len(found) == 20


def test_nothing_found_is_an_empty_list_with_suggestions_apart():
    assert search("Xqzwvbk") == []
    assert isinstance(suggest("Xqzwvbk"), list)
    assert [p.insee for p in suggest("Vichyyyy")][:1] == ["03310"]


@pytest.mark.parametrize("typed", ["", "   ", "---", "''"])
def test_nothing_searchable_is_a_value_error(typed):
    with pytest.raises(ValueError):
        search(typed)
