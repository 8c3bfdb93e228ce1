"""Place search: what doctors type, and the commune they mean."""

import random

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
    ("15014", "15014", "insee"),
    ("63113", "63279", "postcode"),  # Picherande's postcode, then Clermont-Ferrand's INSEE
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


# A where-hint after the town: département number or name, région (current or former),
# overseas territory by its usual name; with or without accents and articles.
HINTED = [
    ("saint-denis la réunion", "97411"),
    ("Saint-Denis La Reunion", "97411"),
    ("saint denis reunion", "97411"),
    ("saint-denis (la réunion)", "97411"),
    ("Saint-Denis à la Réunion", "97411"),
    ("saint denis de la reunion", "97411"),
    ("saint-denis 974", "97411"),
    ("saint-denis 97400", "97411"),  # a postcode as hint
    ("saint-denis seine saint denis", "93066"),
    ("saint-denis île-de-france", "93066"),
    ("saint denis idf", "93066"),
    ("saint-pierre réunion", "97416"),
    ("saint-pierre la réunion", "97416"),
    ("saint-pierre martinique", "97225"),
    ("saint-pierre saint pierre et miquelon", "97502"),
    ("saint-pierre st pierre et miquelon", "97502"),
    ("saint-pierre spm", "97502"),
    ("le robert martinique", "97222"),
    ("robert martinique", "97222"),
    ("le robert en martinique", "97222"),
    ("le robert la martinique", "97222"),
    ("sainte-marie martinique", "97228"),
    ("sainte-marie réunion", "97418"),
    ("sainte-anne guadeloupe", "97128"),
    ("sainte-anne martinique", "97226"),
    ("le gosier guadeloupe", "97113"),
    ("cayenne guyane", "97302"),
    ("kourou guyane française", "97304"),
    ("mamoudzou mayotte", "97611"),
    ("nouméa nouvelle-calédonie", "98818"),
    ("noumea nouvelle caledonie", "98818"),
    ("papeete polynésie", "98735"),
    ("papeete polynesie francaise", "98735"),
    ("valence drome", "26362"),
    ("valence drôme", "26362"),
    ("valence la drome", "26362"),
    ("valence auvergne-rhône-alpes", "26362"),
    ("valence rhone alpes", "26362"),
    ("valence 26", "26362"),
    ("valence tarn et garonne", "82186"),
    ("valence occitanie", "82186"),
    ("clermont oise", "60157"),
    ("clermont hauts de france", "60157"),
    ("clermont picardie", "60157"),
    ("saint-flour auvergne", "15187"),
    ("ajaccio corse", "2A004"),
    ("ajaccio 20", "2A004"),
    ("bastia corse", "2B033"),
    ("rennes bretagne", "35238"),
    ("lyon auvergne rhone alpes", "69123"),
    ("moulins allier", "03190"),
    ("moulins auvergne", "03190"),
]


@pytest.mark.parametrize(("typed", "insee"), HINTED)
def test_a_where_hint_after_the_town_chooses_among_its_namesakes(typed, insee):
    [first, *_] = search(typed, limit=5)
    assert first.place.insee == insee, [(m.place.insee, m.place.name) for m in search(typed)]


def test_a_town_the_hinted_area_lacks_is_still_found_elsewhere():
    # No commune of Guadeloupe is called Sainte-Marie: the Sainte-Maries, not a 404.
    found = search("sainte-marie guadeloupe", limit=5)
    assert found and {m.place.name for m in found} == {"Sainte-Marie"}


def test_a_typo_and_a_hint_together():
    [first, *_] = search("saint-piere réunion", limit=5)
    assert first.place.insee == "97416"


def test_a_hint_alone_is_no_town_of_its_own():
    # The département, région or territory names are not turned into hints on their own.
    assert search("la reunion")[0].match in ("exact", "prefix", "fuzzy", "former_name")


def test_a_code_that_is_both_means_the_postcode_first_then_the_insee_code():
    found = search("13005", limit=5)
    assert [(m.place.insee, m.match) for m in found] == [("13205", "postcode"), ("13005", "insee")]
    found = search("63113", limit=5)
    assert [(m.place.insee, m.match) for m in found] == [("63279", "postcode"), ("63113", "insee")]
    # A postcode shared by several communes: all of them, then the INSEE reading.
    found = search("03310", limit=10)
    assert [m.match for m in found] == ["postcode"] * (len(found) - 1) + ["insee"]
    assert found[-1].place.name == "Vichy"


@pytest.mark.parametrize(
    ("typed", "insee"),
    [
        ("Vichyyyy", "03310"),
        ("Clairmont-Ferrant", "63113"),
        ("hôpital de Vichy", "03310"),
        ("CHU Clermont-Ferrand", "63113"),
        ("Montluçon Allier France", "03185"),
        ("Perpigan", "66136"),
        ("Aurilac", "15014"),
    ],
)
def test_did_you_mean_offers_the_intended_town(typed, insee):
    assert insee in [p.insee for p in suggest(typed)]


def test_gibberish_has_no_suggestion_worth_showing():
    assert suggest("xqzwvbk") == []


def test_a_look_alike_that_only_shares_letters_is_not_suggested():
    # Before, "Val Thorens" (a ski resort) offered Florensac, Val-Couesnon, Le Thoronet.
    assert suggest("Val Thorens") == []
    assert "Besse (38)" in [p.label for p in suggest("Super Besse")]  # a name inside


def test_a_query_longer_than_any_place_is_refused():
    from sitedir.places.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS, QueryTooLong

    longest = "saint " * 20  # 20 words
    with pytest.raises(QueryTooLong):
        search(longest)
    with pytest.raises(QueryTooLong):
        search("a" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryTooLong):
        search(" ".join(["ab"] * (MAX_QUERY_WORDS + 1)))
    assert suggest("a" * (MAX_QUERY_CHARS + 1)) == []
    # Punctuation and spaces do not count: only what is left once folded.
    assert search("Vichy" + " -" * 90)[0].place.insee == "03310"
    # The longest real name, with a long hint, is well within the bounds.
    assert (
        search(
            "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson terres australes et antarctiques"
            " françaises"
        )
        is not None
    )


def test_typos_are_found_as_by_a_full_scan():
    """The trigram blocks only skip names that cannot be within the edit budget."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from sitedir.places.search import get_index

    index = get_index()
    rng = random.Random(7)
    typed = []
    for name in rng.sample(index.sorted_keys, 60):  # each with one or two random edits
        for _ in range(rng.choice((1, 2))):
            i = rng.randrange(len(name))
            name = rng.choice(
                (
                    name[:i] + name[i + 1 :],
                    name[:i] + rng.choice("aeiourst") + name[i:],
                    name[:i] + rng.choice("aeiourst") + name[i + 1 :],
                    name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :],
                )
            )
        typed.append(name.strip() or "a")
    for key in ["vichi", "clermon ferand", "ncie", "aurilac", "xqzwvbk", "le pyu", *typed]:
        budget = 1 if len(key) <= 6 else 2
        lengths = range(len(key) - budget, len(key) + budget + 1)
        scan = [k for n in lengths for k in index.by_length.get(n, ())]
        expected = process.extract(key, scan, scorer=OSA.distance, score_cutoff=budget, limit=None)
        blocked = index.blocks.within(key, lengths, budget)
        found = process.extract(key, blocked, scorer=OSA.distance, score_cutoff=budget, limit=None)
        assert sorted(f[:2] for f in found) == sorted(e[:2] for e in expected), key


def test_repeated_queries_are_answered_from_the_process_cache(monkeypatch):
    from sitedir.places import search as module

    search("Xqzwvbkz typed twice")
    suggest("Xqzwvbkz typed twice")
    monkeypatch.setattr(module, "collect", lambda *a: pytest.fail("searched again"))
    monkeypatch.setattr(module.PlaceIndex, "suggestions", lambda *a: pytest.fail("again"))
    # The same normalised query, however typed.
    assert search("XQZWVBKZ  typed-twice") == []
    assert suggest("xqzwvbkz typed twice!") == suggest("Xqzwvbkz typed twice")


@pytest.mark.slow
def test_warming_the_trigram_groups_changes_no_answer():
    from sitedir.places.search import PlaceIndex, collect, get_index

    lazy = get_index()
    warm = PlaceIndex(lazy.gazetteer)
    warm.blocks.warm()
    assert set(warm.blocks._groups) == set(warm.by_length)
    for typed in ["clermon ferand", "vichyyyy", "xqzwvbk", "aurilac", "saint piere reunion"]:
        assert collect(warm, typed) == collect(lazy, typed)
        assert warm.suggestions(typed, 5) == lazy.suggestions(typed, 5)
