"""Pages of the snapshot's sites, in id order, filtered without a pass over them all.

A page starts after the last id of the one before (a cursor: the id, base64url, so
clients treat it as opaque), so a site added or removed between two pages never shifts
the rest. Each filter's matching rows are listed once per snapshot (positions in id
order, built on the first list request after a change); a page walks the shortest list
that applies, from the cursor on, and checks the other filters row by row.

Pure: no Flask.
"""

import base64
import binascii
from bisect import bisect_left, bisect_right

# Query parameter -> the row attribute it filters on.
FILTERS = {
    "study": "study",
    "status": "status",
    "open": "is_open",
    "region": "region",
    "department": "department",
}


class BadCursor(ValueError):
    """A cursor this server did not make."""


def encode_cursor(site_id: str) -> str:
    return base64.urlsafe_b64encode(site_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(cursor) from exc


class RowLists:
    """For one snapshot's rows (sorted by id): their ids, and per filter value the
    positions of the rows that have it, each list made on first use."""

    def __init__(self, rows: tuple, ids: list[str] | None = None):
        self.rows = rows
        self._ids = ids  # given when the rows' ids are the same as another list's
        self._postings: dict[str, dict] = {}

    @property
    def ids(self) -> list[str]:
        if self._ids is None:
            self._ids = [row.id for row in self.rows]
        return self._ids

    def postings(self, attribute: str) -> dict:
        found = self._postings.get(attribute)
        if found is None:
            found = {}
            for position, row in enumerate(self.rows):
                found.setdefault(getattr(row, attribute), []).append(position)
            self._postings[attribute] = found
        return found

    def page(self, filters: dict, after: str | None, limit: int) -> tuple[list, bool]:
        """The rows passing every filter with an id after `after`, at most `limit`, and
        whether more follow."""
        wanted = {FILTERS[name]: value for name, value in filters.items() if value is not None}
        start = bisect_right(self.ids, after) if after is not None else 0
        if wanted:
            lists = [self.postings(attr).get(value, []) for attr, value in wanted.items()]
            walk = min(lists, key=len)
            positions = walk[bisect_left(walk, start) :]
        else:
            positions = range(start, len(self.rows))
        found = []
        for position in positions:
            row = self.rows[position]
            if all(getattr(row, attr) == value for attr, value in wanted.items()):
                found.append(row)
                if len(found) > limit:
                    return found[:limit], True
        return found, False
