"""The spatial index answers exactly as a pass over every site, and a change costs one site.

The reference is routing.rank_nearest over every candidate (itself checked against a
plain geodesic pass in test_routing.py): results and nearer_not_open, in order, with their
distances, for random origins in metropolitan France and overseas, with a region filter,
radii and limits, before and after changes that the index takes as an overlay.
"""

import random
from dataclasses import dataclass

import pytest

from sitedir.directory.sites import filter_rows
from sitedir.domain.ranking import rank_nearest
from sitedir.domain.spatial_index import SpatialIndex, _in_id_order
from sitedir.extensions import db
from sitedir.models import Institution, Site, Study
from sitedir.readmodel import snapshot as snapshot_module
from sitedir.readmodel.snapshot import current_snapshot

# Where synthetic sites cluster: a few cities, and overseas (Guadeloupe, La Réunion).
CENTRES = [
    ((48.86, 2.35), "11", 0.35),
    ((45.76, 4.84), "84", 0.15),
    ((43.30, 5.37), "93", 0.15),
    ((50.63, 3.06), "32", 0.1),
    ((16.25, -61.55), "01", 0.05),
    ((-21.11, 55.53), "04", 0.05),
]


@dataclass(frozen=True)
class Point:
    id: str
    study: str
    region: str
    latitude: float
    longitude: float
    is_open: bool


def synthetic_points(count: int, rng: random.Random, open_share: float = 0.2) -> list[Point]:
    """Points clustered around cities (a share overseas), the rest spread over France."""
    points = []
    for i in range(count):
        pick = rng.random()
        for (lat, lon), centre_region, weight in CENTRES:
            if pick < weight:
                point = (rng.gauss(lat, 0.3), rng.gauss(lon, 0.4))
                region = centre_region
                break
            pick -= weight
        else:
            region = "76"
            point = (rng.uniform(42.5, 51), rng.uniform(-4.5, 8))
        # A few sites share a point with another one: equally distant, ordered by id.
        if points and rng.random() < 0.02:
            point = (points[-1].latitude, points[-1].longitude)
        study = "car-t" if rng.random() < 0.8 else "other"
        points.append(Point(f"s{i:05d}", study, region, *point, rng.random() < open_share))
    return sorted(points, key=lambda p: p.id)


def origins(rng: random.Random, count: int) -> list[tuple[float, float]]:
    found = []
    for i in range(count):
        if i % 6 == 0:  # overseas, around one of the island centres or far from any
            lat, lon = rng.choice([(16.25, -61.55), (-21.11, 55.53), (4.9, -52.3)])
            found.append((rng.gauss(lat, 0.5), rng.gauss(lon, 0.5)))
        else:
            found.append((rng.uniform(41.5, 51.5), rng.uniform(-5.5, 9.5)))
    return found


def keys(point: Point) -> tuple:
    return ((point.study, None, point.is_open), (point.study, point.region, point.is_open))


def as_list(ranked) -> list[tuple[str, float]]:
    return [(r.item.id, r.distance_km) for r in ranked]


def assert_same(index, points, lat, lon, study, region, limit, radius):
    got = index.nearest(lat, lon, (study, region), limit, radius)
    candidates = [p for p in points if p.study == study and region in (None, p.region)]
    expected = rank_nearest(lat, lon, candidates, limit=limit, radius_km=radius)
    where = (lat, lon, study, region, limit, radius)
    assert as_list(got.results) == as_list(expected.results), where
    assert as_list(got.nearer_not_open) == as_list(expected.nearer_not_open), where


def test_index_answers_as_a_pass_over_every_site():
    rng = random.Random(15)
    points = synthetic_points(3000, rng)
    index = SpatialIndex.build(points, keys, lambda p: p.id)
    for lat, lon in origins(rng, 300):
        assert_same(
            index,
            points,
            lat,
            lon,
            study=rng.choice(["car-t", "car-t", "other", "absent"]),
            region=rng.choice([None, None, None, "11", "01", "76"]),
            limit=rng.choice([1, 3, 3, 10]),
            radius=rng.choice([None, None, 2, 25, 150, 1000]),
        )


@pytest.mark.slow
def test_index_with_changes_overlaid_answers_as_a_pass_over_every_site():
    rng = random.Random(16)
    points = synthetic_points(2000, rng, open_share=0.1)
    index = SpatialIndex.build(points, keys, lambda p: p.id)
    by_id = {p.id: p for p in points}
    for _ in range(5):  # status flips, a move, a site gone, a site added, then again
        changed = rng.sample(sorted(by_id), 20)
        old = [by_id[i] for i in changed]
        new = [Point(p.id, p.study, p.region, p.latitude, p.longitude, not p.is_open) for p in old]
        moved = new.pop()
        new.append(Point(moved.id, moved.study, "76", 47.0, 2.0, True))
        gone = by_id.pop(old.pop(0).id)
        new.pop(0)
        born = Point(f"z{len(by_id)}", "car-t", "11", 48.85, 2.36, True)
        index = index.replace([gone, *old], [*new, born])
        by_id.update({p.id: p for p in [*new, born]})
        current = sorted(by_id.values(), key=lambda p: p.id)
        for lat, lon in origins(rng, 60):
            limit, radius = rng.choice([1, 3, 5]), rng.choice([None, 30, 300])
            assert_same(index, current, lat, lon, "car-t", None, limit, radius)
            assert_same(index, current, lat, lon, "car-t", "11", limit, radius)


def test_groups_of_the_same_items_share_one_tree_and_change_apart():
    # One study only: "every study" holds that study's items, so its groups are built once.
    rng = random.Random(18)
    points = [p for p in synthetic_points(600, rng) if p.study == "car-t"]

    def with_every_study(point: Point) -> tuple:
        return (*keys(point), (None, None, point.is_open))

    index = SpatialIndex.build(points, with_every_study, lambda p: p.id)
    for is_open in (True, False):
        every_study = index.groups[(None, None, is_open)]
        assert index.groups[("car-t", None, is_open)].base is every_study.base
    # A change reaches both groups, through the one tree they share.
    old = points[:5]
    new = [Point(p.id, p.study, p.region, p.latitude, p.longitude, not p.is_open) for p in old]
    index = index.replace(old, new)
    current = sorted([*new, *points[5:]], key=lambda p: p.id)
    for lat, lon in origins(rng, 40):
        assert_same(index, current, lat, lon, "car-t", None, 3, None)
        got = index.nearest(lat, lon, (None, None), 3, None)
        assert as_list(got.results) == as_list(rank_nearest(lat, lon, current, limit=3).results)


@pytest.mark.parametrize("order", ["by id", "shuffled", "reversed"])
def test_an_item_is_found_for_a_change_whatever_the_order_of_its_items(order):
    # By id, positions are found by bisection; otherwise from a table built with the tree.
    rng = random.Random(19)
    points = synthetic_points(400, rng)
    if order == "shuffled":
        rng.shuffle(points)
    elif order == "reversed":
        points.reverse()
    index = SpatialIndex.build(points, keys, lambda p: p.id)
    old = rng.sample(points, 30)
    new = [Point(p.id, p.study, p.region, p.latitude, p.longitude, not p.is_open) for p in old]
    index = index.replace(old, new)
    # Each changed item was found in its tree (taken out there, not kept beside it).
    assert sum(len(g.removed) for g in index.groups.values()) == 2 * len(old)
    changed = {p.id for p in old}
    current = sorted([*new, *(p for p in points if p.id not in changed)], key=lambda p: p.id)
    for lat, lon in origins(rng, 30):
        assert_same(index, current, lat, lon, "car-t", None, 3, 200)


def test_ids_that_do_not_compare_are_not_taken_for_an_order():
    assert _in_id_order([1, 2, 3], int)
    assert not _in_id_order([1, 3, 2], int)
    assert not _in_id_order([1, "2"], lambda x: x)  # TypeError: positions from a table
    assert _in_id_order([], int)


def add_sites(count: int, rng: random.Random) -> None:
    """Synthetic institutions and sites in the test database (two studies' worth)."""
    study = db.session.scalar(db.select(Study))
    for p in synthetic_points(count, rng):
        institution = Institution(
            key=f"synthetic-{p.id}",
            name=f"Synthetic hospital {p.id}",
            city="Synthetic",
            insee="00000",
            department="00",
            region=p.region,
            latitude=p.latitude,
            longitude=p.longitude,
            source="tests/test_scale_index.py",
            verified=False,
        )
        status = "recruiting" if p.is_open else rng.choice(["suspended", "completed"])
        db.session.add(
            Site(
                slug=f"synthetic-{p.id}",
                study=study,
                institution=institution,
                city="Synthetic",
                status=status,
                units=[],
                source="tests/test_scale_index.py",
                verified=False,
            )
        )
    db.session.commit()


@pytest.fixture
def big_app(app):
    with app.app_context():
        add_sites(1000, random.Random(17))
    return app


def test_snapshot_nearest_answers_as_a_pass_over_every_row(big_app):
    rng = random.Random(18)
    with big_app.app_context():
        snapshot = current_snapshot()
        study = snapshot.studies[0]
        for lat, lon in origins(rng, 100):
            region = rng.choice([None, None, "11", "84"])
            limit, radius = rng.choice([1, 3, 10]), rng.choice([None, 20, 200])
            got = snapshot.nearest(lat, lon, study, region, limit, radius)
            rows = filter_rows(snapshot.rows, study=study, region=region)
            expected = rank_nearest(lat, lon, rows, limit=limit, radius_km=radius)
            assert as_list(got.results) == as_list(expected.results)
            assert as_list(got.nearer_not_open) == as_list(expected.nearer_not_open)


def test_a_status_change_serialises_that_site_only(big_app, monkeypatch):
    with big_app.app_context():
        before = current_snapshot()
        dumps = []
        serialise = snapshot_module._serialise
        monkeypatch.setattr(
            snapshot_module, "_serialise", lambda site: dumps.append(site.slug) or serialise(site)
        )
        site = db.session.scalar(
            db.select(Site).where(Site.status == "recruiting").order_by(Site.slug)
        )
        site.status = "suspended"
        db.session.commit()
        after = current_snapshot()
        assert dumps == [site.slug]
        assert after.fingerprint != before.fingerprint
        assert after.index is not before.index
        changed = {r.id: r for r in after.rows}[site.slug]
        assert changed.data["status"] == "suspended" and not changed.is_open
        # Every other row is the very object the previous snapshot held.
        assert sum(a is not b for a, b in zip(before.rows, after.rows, strict=True)) == 1
        # The index sees the change: the site is no longer an open answer near itself...
        answer = after.nearest(changed.latitude, changed.longitude, changed.study, limit=3)
        assert site.slug not in [r.item.id for r in answer.results]
        # ...and it answers as a full pass does.
        rows = filter_rows(after.rows, study=changed.study)
        expected = rank_nearest(changed.latitude, changed.longitude, rows, limit=3)
        assert as_list(answer.results) == as_list(expected.results)
        assert as_list(answer.nearer_not_open) == as_list(expected.nearer_not_open)
        # A site added is one dump too.
        dumps.clear()
        db.session.add(
            Site(
                slug="synthetic-new",
                study=site.study,
                institution=site.institution,
                city="Synthetic",
                status="recruiting",
                units=[],
                source="tests/test_scale_index.py",
                verified=False,
            )
        )
        db.session.commit()
        latest = current_snapshot()
        assert dumps == ["synthetic-new"]
        assert [r.id for r in latest.rows] == sorted(r.id for r in latest.rows)
        answer = latest.nearest(site.latitude, site.longitude, changed.study, limit=1)
        assert [r.item.id for r in answer.results] == ["synthetic-new"]
