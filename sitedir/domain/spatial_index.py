"""An in-memory spatial index of sites: candidates for ranking, without a pass over them all.

Each point is a unit vector on the sphere; the straight-line (chord) distance between two
unit vectors grows with the great-circle distance, so a k-d tree over them (SciPy's
cKDTree) finds the nearest points, and the points within a distance, in the same order as
the haversine. The index only picks candidates, which are then measured with exact WGS 84
geodesics: the answer is the one ranking.rank_nearest gives over every site.

Sites are grouped by key (a study and whether the site is open, and the same per region),
one tree per group, so "the 3 nearest open sites" reads the open sites' tree even when
nine sites in ten are closed. A change does not rebuild the trees: a snapshot's index is
the trees plus a small overlay (the sites taken out, the sites added, measured one by one)
until the overlay grows past a bound, when the trees are built again.

Pure: no Flask, no database.
"""

import math
import operator
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

import numpy as np
from scipy.spatial import cKDTree

from sitedir.domain.ranking import (
    EARTH_RADIUS_KM,
    SPHERE_MARGIN,
    Locatable,
    NearestAnswer,
    Ranked,
    T,
    distance_km,
    sphere_km,
)

# Chords and kilometres go back and forth through sin/asin: widen every cut by a hair so
# rounding never leaves out a candidate right on it (a wider set gives the same answer).
SLACK = 1 + 1e-9
ALL = 2.0 + 1e-9  # longer than any chord of the unit sphere: every point


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    """Return the point on the unit sphere at this latitude and longitude (degrees)."""
    phi, lam = math.radians(latitude), math.radians(longitude)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def chord_for_km(km: float) -> float:
    """Return the chord that spans `km` along the sphere (ALL beyond half a turn)."""
    if math.isinf(km):
        return ALL
    angle = km * SLACK / EARTH_RADIUS_KM
    if angle >= math.pi:
        return ALL
    return 2 * math.sin(angle / 2) * SLACK + 1e-12


# A point on the unit sphere (unit_vector), as the trees hold them.
Vector = tuple[float, float, float]


def _chord(u: Vector, item: Locatable) -> float:
    v = unit_vector(item.latitude, item.longitude)
    return math.dist(u, v)


class _Tree:
    """A k-d tree over some items' unit vectors, and where each item sits in it."""

    __slots__ = ("_position", "ident", "items", "tree")

    def __init__(self, items: Sequence, ident: Callable):
        self.items = tuple(items)
        self.ident = ident
        # Where an item sits: found by bisection when the items come in the order of their
        # ids (a snapshot's rows do), so that no table of positions (a dict entry per item
        # and group, for what only a change reads) is kept.
        self._position: dict | None = None
        if not _in_id_order(self.items, ident):
            self._position = {ident(item): at for at, item in enumerate(self.items)}
        n = len(self.items)
        lat = np.radians(np.fromiter((i.latitude for i in self.items), float, n))
        lon = np.radians(np.fromiter((i.longitude for i in self.items), float, n))
        points = np.column_stack(
            (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat))
        )
        # Unbalanced, uncompacted: several times quicker to build, about as quick to query.
        self.tree = (
            cKDTree(points, balanced_tree=False, compact_nodes=False) if self.items else None
        )

    def position(self, ident: Any) -> int | None:  # Any: bisection compares the ids
        """Where the item of this id sits among `items`, or None when none has it."""
        if self._position is not None:
            return self._position.get(ident)
        at = bisect_left(self.items, ident, key=self.ident)
        if at < len(self.items) and self.ident(self.items[at]) == ident:
            return at
        return None


def _in_id_order(items: Sequence, ident: Callable) -> bool:
    """Whether the items come in strictly increasing order of their ids."""
    ids = map(ident, items)
    previous = next(ids, None)
    try:
        for current in ids:
            if not previous < current:
                return False
            previous = current
    except TypeError:  # ids that do not compare (mixed types): not in an order
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Group:
    """One group's tree as a snapshot sees it: some of its items taken out, some added."""

    base: _Tree
    removed: frozenset[int] = frozenset()  # positions in the tree
    added: tuple = ()

    def __len__(self) -> int:
        return len(self.base.items) - len(self.removed) + len(self.added)

    def nearest_items(self, u: Vector, k: int, max_chord: float) -> list:
        """The k items nearest to u (by chord, so by spherical distance) within max_chord."""
        pairs = [(c, item) for item in self.added if (c := _chord(u, item)) <= max_chord]
        tree = self.base.tree
        if tree is not None and k > 0:
            ask = min(k + len(self.removed), tree.n)
            found, where = tree.query(u, k=ask, distance_upper_bound=max_chord)
            items = self.base.items
            pairs.extend(
                (float(c), items[i])
                for c, i in zip(np.atleast_1d(found), np.atleast_1d(where).tolist(), strict=True)
                if i < tree.n and i not in self.removed
            )
        pairs.sort(key=lambda pair: pair[0])
        return [item for _, item in pairs[:k]]

    def within(self, u: Vector, chord: float) -> list:
        """The items no farther than `chord` (every item when chord is ALL)."""
        items = self.base.items
        if chord >= ALL:
            found = [item for i, item in enumerate(items) if i not in self.removed]
        elif self.base.tree is None:
            found = []
        else:
            found = [
                items[i] for i in self.base.tree.query_ball_point(u, chord) if i not in self.removed
            ]
        found.extend(item for item in self.added if _chord(u, item) <= chord)
        return found


def chord_inside_km(km: float) -> float:
    """The chord of `km` along the sphere, narrowed by a hair: every point within it is
    surely within `km` (the inner bound of count_within)."""
    angle = km / EARTH_RADIUS_KM
    if angle >= math.pi:
        return ALL
    return 2 * math.sin(angle / 2) * (1 - 1e-9)


def count_within(
    group: "_Group", u: Vector, inner: float, outer: float, exact: Callable[[Locatable], bool]
) -> int:
    """How many of the group's items are within a distance, without a Python object per
    item: those within the `inner` chord are counted by the tree, those between `inner`
    and `outer` (a thin ring, where the spherical and exact distances can disagree) are
    measured by `exact(item)`."""
    tree, items = group.base.tree, group.base.items
    count = sum(1 for item in group.added if _chord(u, item) <= outer and exact(item))
    if tree is None:
        return count
    near = tree.query_ball_point(u, outer)
    if not near:
        return count
    positions = np.asarray(near)
    inside = np.linalg.norm(tree.data[positions] - np.asarray(u), axis=1) <= inner
    count += int(inside.sum())
    for position in group.removed:  # taken out since the trees were built
        if math.dist(tree.data[position], u) <= inner:
            count -= 1
    for position in positions[~inside].tolist():
        if position not in group.removed and exact(items[position]):
            count += 1
    return count


@dataclass(frozen=True, slots=True)
class SpatialIndex(Generic[T]):
    """Items grouped by key, each group a k-d tree with an overlay of changes.

    `keys(item)` names the groups an item belongs to; each key ends with the item's
    `is_open`, so a query reads the open and the not-open items of a group apart.
    `ident(item)` is its stable id (the order among equally distant items).
    """

    keys: Callable[[T], Iterable[Hashable]]
    ident: Callable[[T], Hashable]
    groups: dict = field(default_factory=dict)
    overlay: int = 0  # items taken out or added since the trees were built

    @classmethod
    def build(
        cls,
        items: Iterable[T],
        keys: Callable[[T], Iterable[Hashable]],
        ident: Callable[[T], Hashable],
    ) -> "SpatialIndex[T]":
        members: dict[Hashable, list[T]] = {}
        for item in items:
            for key in keys(item):
                members.setdefault(key, []).append(item)
        # Groups of the same items share one tree (with one study, "every study's open
        # sites" are that study's open sites): built and kept once.
        trees: dict[int, list[tuple[list[T], _Tree]]] = {}
        groups = {}
        for key, group in members.items():
            same = trees.setdefault(len(group), [])
            tree = next((t for other, t in same if all(map(operator.is_, other, group))), None)
            if tree is None:
                tree = _Tree(group, ident)
                same.append((group, tree))
            groups[key] = _Group(tree)
        return cls(keys, ident, groups)

    def replace(self, old: Iterable[T], new: Iterable[T]) -> "SpatialIndex[T]":
        """Return the index with the `old` items taken out and the `new` ones put in."""
        groups = dict(self.groups)
        count = self.overlay
        for item in old:
            for key in self.keys(item):
                group = groups[key]
                position = group.base.position(self.ident(item))
                if position is not None and group.base.items[position] is item:
                    group = _Group(group.base, group.removed | {position}, group.added)
                else:  # added since the trees were built
                    kept = tuple(x for x in group.added if x is not item)
                    group = _Group(group.base, group.removed, kept)
                groups[key] = group
                count += 1
        for item in new:
            for key in self.keys(item):
                group = groups.get(key) or _Group(_Tree((), self.ident))
                groups[key] = _Group(group.base, group.removed, (*group.added, item))
                count += 1
        return SpatialIndex(self.keys, self.ident, groups, count)

    def nearest(
        self,
        latitude: float,
        longitude: float,
        key: tuple,
        limit: int = 3,
        radius_km: float | None = None,
    ) -> NearestAnswer[T]:
        """rank_nearest's answer over the items of group `key` (without its open flag),
        measuring exactly only the few items that can be part of it (see answer_from)."""
        empty = _Group(_Tree((), self.ident))
        open_ones = self.groups.get((*key, True), empty)
        closed = self.groups.get((*key, False), empty)
        u = unit_vector(latitude, longitude)
        return answer_from(
            latitude,
            longitude,
            Candidates(
                nearest_open=lambda k, km: open_ones.nearest_items(u, k, chord_for_km(km)),
                open_within=lambda km: open_ones.within(u, chord_for_km(km)),
                closed_within=lambda km: closed.within(u, chord_for_km(km)),
                ident=self.ident,
            ),
            limit,
            radius_km,
        )


@dataclass(frozen=True, slots=True)
class Candidates(Generic[T]):
    """Where one query's candidates come from, by spherical distance in kilometres (each
    bound already widened by SPHERE_MARGIN): the k nearest open items within a reach, the
    open items within a distance, the not-open ones within a distance (every one of them
    for math.inf). A k-d tree answers them here; PostGIS in sitedir/directory/postgis.py."""

    nearest_open: Callable[[int, float], Iterable[T]]
    open_within: Callable[[float], Iterable[T]]
    closed_within: Callable[[float], Iterable[T]]
    ident: Callable[[T], Hashable]  # an item's id, the last key of their order


def answer_from(
    latitude: float,
    longitude: float,
    candidates: Candidates[T],
    limit: int = 3,
    radius_km: float | None = None,
) -> NearestAnswer[T]:
    """rank_nearest's answer, measuring exactly only the candidates that can be part of it.

    The answer is the `limit` open items nearest by geodesic (within the radius), and
    the not-open ones nearer than the first of them. A spherical distance is within
    SPHERE_MARGIN of the geodesic one either way, so: the geodesics of the `limit`
    spherically nearest open items bound the answer's last one (G); any open item
    that can beat it is spherically within G times the margin; any not-open item
    nearer than the first open one is spherically within that one's geodesic times the
    margin. Equally distant items come in rank_nearest's order (its spherical
    distance, then the id).
    """
    ident = candidates.ident
    reach = math.inf if radius_km is None else radius_km * SPHERE_MARGIN
    measured: dict = {}

    def ranked(items: Iterable[T]) -> list[Ranked[T]]:
        out = []
        for item in items:
            found = measured.get(ident(item))
            if found is None:
                found = measured[ident(item)] = Ranked(
                    item, distance_km(latitude, longitude, item.latitude, item.longitude)
                )
            out.append(found)
        return out

    first = ranked(candidates.nearest_open(limit, reach))
    if len(first) >= limit:
        bound = max(r.distance_km for r in first) * SPHERE_MARGIN
        first = ranked(candidates.open_within(min(bound, reach)))
    if radius_km is not None:
        first = [r for r in first if r.distance_km <= radius_km]
    order = _order(latitude, longitude, ident)
    results = sorted(first, key=order)[:limit]
    nearest_open = results[0].distance_km if results else math.inf
    reach_closed = min(nearest_open * SPHERE_MARGIN, reach)
    nearer = [
        r
        for r in ranked(candidates.closed_within(reach_closed))
        if r.distance_km < nearest_open and (radius_km is None or r.distance_km <= radius_km)
    ]
    return NearestAnswer(results=results, nearer_not_open=sorted(nearer, key=order))


def _order(
    latitude: float, longitude: float, ident: Callable[[T], Hashable]
) -> Callable[[Ranked[T]], tuple]:
    # rank_nearest sorts by spherical distance, then (stably) by geodesic distance,
    # over items in id order: the same order as this key.
    def key(r: Ranked[T]) -> tuple:
        item = r.item
        rough = sphere_km(latitude, longitude, item.latitude, item.longitude)
        return (r.distance_km, rough, ident(item))

    return key
