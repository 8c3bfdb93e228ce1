"""Nearest-site ranking, as pure functions."""

import random
from dataclasses import dataclass

import pytest
from geopy.distance import geodesic

from sitedir.domain.ranking import distance_km, rank_nearest
from tests.helpers import coverage_paused


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


def test_distance_agrees_with_geopy_to_the_millimetre_everywhere():
    """PROJ's solver and geopy's are one algorithm: any pair, overseas and far apart too."""
    rng = random.Random(7)
    pairs = [((46.1278, 3.4256), (46.1278, 3.4256)), ((-20.88, 55.45), (48.84, 2.36))]
    pairs += [
        (
            (rng.uniform(-60, 60), rng.uniform(-180, 180)),
            (rng.uniform(-60, 60), rng.uniform(-180, 180)),
        )
        for _ in range(500)
    ]
    for a, b in pairs:
        assert abs(distance_km(*a, *b) - geodesic(a, b).km) < 1e-6, (a, b)


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


@pytest.mark.slow
def test_ranking_is_the_same_as_measuring_every_candidate():
    """The spherical pre-selection never changes the answer (random points, seeded)."""
    import random

    rng = random.Random(7)
    sites = [
        Point(f"s{i}", rng.uniform(41, 51), rng.uniform(-5, 9), is_open=rng.random() < 0.7)
        for i in range(300)
    ]
    for _ in range(50):
        lat, lon = rng.uniform(41, 51), rng.uniform(-5, 9)
        limit = rng.randint(1, 10)
        radius = rng.choice([None, 50, 200, 800])
        # 300 of geopy's pure-Python geodesics per point: no line of sitedir's, and under
        # coverage's tracer (called on every function call, measured or not) five times
        # as long.
        with coverage_paused():
            every = sorted(
                (geodesic((lat, lon), (s.latitude, s.longitude)).km, s.name) for s in sites
            )
        if radius is not None:
            every = [(d, n) for d, n in every if d <= radius]
        open_names = {s.name for s in sites if s.is_open}
        expected = [(round(d, 6), n) for d, n in every if n in open_names][:limit]
        answer = rank_nearest(lat, lon, sites, limit=limit, radius_km=radius)
        got = [(round(r.distance_km, 6), r.item.name) for r in answer.results]
        assert got == expected
        first_open = expected[0][0] if expected else float("inf")
        closed = [n for d, n in every if n not in open_names and round(d, 6) < first_open]
        assert [r.item.name for r in answer.nearer_not_open] == closed


def test_sphere_distance_is_within_the_margin_of_the_geodesic():
    from sitedir.domain.ranking import SPHERE_MARGIN, sphere_km

    for a, b in [
        (VICHY, (CLERMONT.latitude, CLERMONT.longitude)),
        ((41.9, 8.7), (50.6, 3.0)),
        ((-21.1, 55.5), (48.8, 2.3)),
        ((16.2, -61.5), (43.3, 5.4)),
    ]:
        exact = geodesic(a, b).km
        rough = sphere_km(*a, *b)
        assert exact / SPHERE_MARGIN <= rough <= exact * SPHERE_MARGIN
