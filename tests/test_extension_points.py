"""The extension points are tables: app.py's FEATURES and place search's STEPS."""

import inspect

import pytest

from sitedir.app import FEATURES
from sitedir.places.search import STEPS, Query, collect, get_index, normalise


def test_every_feature_registers_the_same_way():
    for register in FEATURES:
        assert list(inspect.signature(register).parameters)[:2] == ["app", "api"], register


def test_features_are_registered_once_each():
    assert len(set(FEATURES)) == len(FEATURES)


def _answering_step(query: str) -> str | None:
    """The name of the first step that finds something for this query."""
    state = Query(get_index(), normalise(query))
    for step in STEPS:
        if step(state):
            return step.__name__
    return None


# One query per step that only that step (and none before it) answers.
@pytest.mark.parametrize(
    ("typed", "step"),
    [
        ("63000", "codes"),
        ("Paris 12", "arrondissement"),
        ("Vichy", "exact_names"),
        ("Val Thorens", "localities"),
        ("Saint-Denis La Réunion", "hinted"),
        ("Clermont-Ferant", "prefixes_and_typos"),
        ("Sainte-Marie Guadeloupe", "town_elsewhere"),
        ("Zzyzx Qwvbn", None),
    ],
)
def test_each_step_answers_what_the_earlier_ones_cannot(typed, step):
    assert _answering_step(typed) == step
    found = collect(get_index(), normalise(typed))
    assert bool(found) == (step is not None)


def test_the_steps_are_in_their_stated_order():
    assert [s.__name__ for s in STEPS] == [
        "codes",
        "arrondissement",
        "exact_names",
        "localities",
        "hinted",
        "prefixes_and_typos",
        "town_elsewhere",
    ]
