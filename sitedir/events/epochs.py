"""Feed cursors that survive a restore of older data.

A cursor is a position in the outbox (the last event id a reader saw). Restoring a backup
takes the outbox back to an older last id M, and the ids after M are handed out again to
new events: a reader whose cursor is past M would skip them all, silently, until the
sequence caught up with its cursor.

So `flask feed restored`, run once after a restore, opens a new *epoch* that starts after
M, and every cursor handed out carries its epoch: a cursor of an earlier timeline (an
epoch older than a restore) resumes at most from that restore's M, and gets every event
written since. Events the restored data lost are lost for everyone; nothing new is ever
skipped. An epoch is the minute it was opened (minutes since ORIGIN), so that two
timelines (a restore of a restore) never share a number.

A cursor stays one base-36 number: epoch × 2**31 + event id (ids are 32-bit); epoch 0,
before any restore, gives the cursors already handed out.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sitedir.domain.clock import utc_now
from sitedir.extensions import db

if TYPE_CHECKING:
    from sitedir.events.models import FeedEpoch

ID_BITS = 31
ID_MASK = (1 << ID_BITS) - 1
ORIGIN = datetime(2026, 12, 2, tzinfo=UTC)


def split(position: int) -> tuple[int, int]:
    """(epoch, event id) of a decoded cursor."""
    return position >> ID_BITS, position & ID_MASK


def join(epoch: int, event_id: int) -> int:
    """The number a cursor encodes for this epoch and event id."""
    return (epoch << ID_BITS) | event_id


def _epochs() -> "Sequence[FeedEpoch]":
    from sitedir.events.models import FeedEpoch

    return db.session.scalars(db.select(FeedEpoch).order_by(FeedEpoch.epoch)).all()


def current_epoch() -> int:
    """The epoch cursors are handed out in now (0 before any restore)."""
    from sitedir.events.models import FeedEpoch

    return db.session.scalar(db.select(db.func.max(FeedEpoch.epoch))) or 0


def resume_after(epoch: int, event_id: int) -> tuple[int, int]:
    """(the event id a cursor (epoch, event_id) resumes after in today's outbox, the epoch
    cursors are handed out in now), from one read of the epochs.

    Capped by the first restore opened after its epoch: what that cursor saw past the
    restored last id is gone, and every id after it is a new event for this reader.
    """
    opened = _epochs()
    now = opened[-1].epoch if opened else 0
    for later in opened:
        if later.epoch > epoch:
            return min(event_id, later.starts_after), now
    return event_id, now


def open_epoch() -> tuple[int, int]:
    """After a restore: a new epoch starting after the outbox's last id. (epoch, that id)"""
    from sitedir.events.models import FeedEpoch
    from sitedir.models import Event

    last = db.session.scalar(db.select(db.func.max(Event.id))) or 0
    epoch = int((utc_now() - ORIGIN).total_seconds() // 60)
    epoch = max(epoch, current_epoch() + 1, 1)
    db.session.add(FeedEpoch(epoch=epoch, starts_after=last, created_at=utc_now()))
    db.session.commit()
    return epoch, last
