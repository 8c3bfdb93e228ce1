"""Nearest-site ranking, as pure functions."""

from dataclasses import dataclass

import pytest
from geopy.distance import geodesic

from sitedir.routing import distance_km, rank_nearest


@dataclass(frozen=True)
class Point:
    name: str
    latitude: float
    longitude: float
    is_open: bool = True


CLERMONT = Point("clermont", 45.7597, 3.1003)
PARIS = Point("paris", 48.8386, 2.3622)
MARSEILLE = Point("marseille", 43.2903, 5.3946)
VICHY = (46.1278, 3.4256)


def test_distance_is_geodesic():
    assert distance_km(*VICHY, CLERMONT.latitude, CLERMONT.longitude) == pytest.approx(
        geodesic(VICHY, (CLERMONT.latitude, CLERMONT.longitude)).km
    )


def test_open_sites_come_nearest_first():
    answer = rank_nearest(*VICHY, [MARSEILLE, PARIS, CLERMONT], limit=3)
    assert [r.item.name for r in answer.results] == ["clermont", "paris", "marseille"]
    assert answer.nearer_not_open == []


def test_limit_cuts_the_results():
    answer = rank_nearest(*VICHY, [MARSEILLE, PARIS, CLERMONT], limit=1)
    assert [r.item.name for r in answer.results] == ["clermont"]


def test_closed_site_nearer_than_first_open_one_is_reported():
    closed = Point("clermont", CLERMONT.latitude, CLERMONT.longitude, is_open=False)
    answer = rank_nearest(*VICHY, [MARSEILLE, PARIS, closed], limit=3)
    assert [r.item.name for r in answer.results] == ["paris", "marseille"]
    assert [r.item.name for r in answer.nearer_not_open] == ["clermont"]


def test_closed_site_farther_than_first_open_one_is_not_reported():
    closed = Point("marseille", MARSEILLE.latitude, MARSEILLE.longitude, is_open=False)
    answer = rank_nearest(*VICHY, [closed, PARIS, CLERMONT], limit=3)
    assert answer.nearer_not_open == []


def test_radius_excludes_far_sites():
    answer = rank_nearest(*VICHY, [MARSEILLE, PARIS, CLERMONT], radius_km=100)
    assert [r.item.name for r in answer.results] == ["clermont"]


def test_nothing_open_within_radius_lists_closed_ones_within_it():
    closed = Point("clermont", CLERMONT.latitude, CLERMONT.longitude, is_open=False)
    answer = rank_nearest(*VICHY, [MARSEILLE, PARIS, closed], radius_km=100)
    assert answer.results == []
    assert [r.item.name for r in answer.nearer_not_open] == ["clermont"]
