"""Normalisation and French rules, one table each."""

import pytest

from sitedir.places.french import (
    arrondissement_code,
    expand_abbreviations,
    split_department_hint,
    strip_article,
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


DEPARTMENTS = {"drome": "26", "oise": "60", "puy de dome": "63"}


@pytest.mark.parametrize(
    ("key", "split"),
    [
        ("saint denis 93", ("saint denis", "93")),
        ("saint denis 974", ("saint denis", "974")),
        ("ajaccio 2a", ("ajaccio", "2A")),
        ("valence drome", ("valence", "26")),
        ("clermont oise", ("clermont", "60")),
        ("thiers puy de dome", ("thiers", "63")),
        ("vichy", None),
    ],
)
def test_split_department_hint(key, split):
    assert split_department_hint(key, DEPARTMENTS) == split
