"""Normalisation and French rules, one table each."""

import pytest

from sitedir.places.french import (
    arrondissement_code,
    expand_abbreviations,
    split_hint,
    strip_article,
    where_hints,
)
from sitedir.places.normalize import fold


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Clermont-Ferrand", "clermont ferrand"),
        ("  LE   PUY-EN-VELAY ", "le puy en velay"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Chalon s/ Saône", "chalon sur saone"),
        ("Saint-Étienne", "saint etienne"),
        ("Montluçon", "montlucon"),
        ("«Paris»!?", "paris"),
        ("---", ""),
    ],
)
def test_fold(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("key", "expanded"),
    [
        ("st flour", "saint flour"),
        ("ste maxime", "sainte maxime"),
        ("stes maries de la mer", "saintes maries de la mer"),
        ("s flour", "saint flour"),
        ("clermont fd", "clermont ferrand"),
        ("mt de marsan", "mont de marsan"),
        ("nd de monts", "notre dame de monts"),
        ("brest", "brest"),
        ("s", "s"),
    ],
)
def test_expand_abbreviations(key, expanded):
    assert expand_abbreviations(key) == expanded


@pytest.mark.parametrize(
    ("key", "stripped"),
    [
        ("le puy en velay", "puy en velay"),
        ("l hay les roses", "hay les roses"),
        ("le", "le"),
        ("lens", "lens"),
    ],
)
def test_strip_article(key, stripped):
    assert strip_article(key) == stripped


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("paris 13", "75113"),
        ("paris 13e", "75113"),
        ("paris xiiie", "75113"),
        ("paris 1er", "75101"),
        ("paris 20eme arrondissement", "75120"),
        ("marseille 5eme", "13205"),
        ("marseille 16", "13216"),
        ("lyon 3e", "69383"),
        ("lyon iii", "69383"),
        ("lyon 10", None),
        ("paris 21", None),
        ("vichy 3", None),
    ],
)
def test_arrondissement_code(key, code):
    assert arrondissement_code(key) == code


HINTS = where_hints(
    {
        "26": "Drôme",
        "60": "Oise",
        "63": "Puy-de-Dôme",
        "974": "La Réunion",
        "987": "Polynésie française",
    },
    {"84": "Auvergne-Rhône-Alpes", "04": "La Réunion", "987": "Polynésie française"},
    {"26": "84", "63": "84", "60": "32", "974": "04", "987": "987"},
)


@pytest.mark.parametrize(
    ("key", "split"),
    [
        ("saint denis 93", ("saint denis", {"93"})),
        ("saint denis 974", ("saint denis", {"974"})),
        ("ajaccio 2a", ("ajaccio", {"2A"})),
        ("ajaccio 20", ("ajaccio", {"2A", "2B"})),
        ("papeete 987", ("papeete", {"987"})),
        ("valence drome", ("valence", {"26"})),
        ("clermont oise", ("clermont", {"60"})),
        ("thiers puy de dome", ("thiers", {"63"})),
        ("saint denis la reunion", ("saint denis", {"974"})),
        ("saint denis reunion", ("saint denis", {"974"})),
        ("saint denis a la reunion", ("saint denis", {"974"})),
        ("saint denis de la reunion", ("saint denis", {"974"})),
        ("papeete polynesie", ("papeete", {"987"})),
        ("papeete tahiti", ("papeete", {"987"})),
        ("thiers auvergne rhone alpes", ("thiers", {"26", "63"})),
        ("thiers aura", ("thiers", {"26", "63"})),
        ("thiers auvergne", ("thiers", {"03", "15", "43", "63"})),  # the former région
        ("vichy", None),
        ("drome", None),  # a hint alone is no town
        ("la reunion", None),
        ("saint denis 99999", None),  # not a département number
    ],
)
def test_split_hint(key, split):
    found = split_hint(key, HINTS)
    assert (found if found is None else (found[0], set(found[1]))) == split


def test_hints_keep_a_department_before_a_region_of_the_same_name():
    hints = where_hints({"971": "Guadeloupe"}, {"01": "Guadeloupe"}, {"971": "01"})
    assert hints.codes["guadeloupe"] == {"971"}
