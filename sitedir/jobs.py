"""When each worker and timer last ran and last succeeded, for /metrics (issue 24.11).

The webhook worker and the timers (reminders, the contact-request purge, the studies'
refresh) are processes of their own, and /metrics is answered by the web workers: the
runs are written to the database (`job_run`, one row per job), read at each scrape. A
timer that stopped running, or that fails every day, shows as an old
`sitedir_job_last_success_timestamp_seconds`: alert on `time() - that > 1.5 days`.
"""

import functools
import logging
import threading
import time
from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from sitedir.domain.clock import utc_now
from sitedir.extensions import Base, db

log = logging.getLogger(__name__)

WEBHOOKS, REMINDERS, CONTACT_PURGE, STUDIES_REFRESH = (
    "webhooks",
    "reminders",
    "contact_purge",
    "studies_refresh",
)
JOBS = (WEBHOOKS, REMINDERS, CONTACT_PURGE, STUDIES_REFRESH)


class JobRun(Base):
    """The last run of one job: when, whether it succeeded, what it counted."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the last run counted ({"sent": 3, "failed": 1} for reminders).
    last_counts: Mapped[dict | None] = mapped_column(JSON)


def record(name: str, ok: bool, counts: dict | None = None) -> None:
    """Write one run of `name` (never raises: a job's own outcome matters more)."""
    for _ in range(2):  # two workers inserting the first row at once: the loser updates
        try:
            db.session.rollback()
            row = db.session.get(JobRun, name)
            now = utc_now()
            if row is None:
                row = JobRun(name=name, last_run_at=now)
                db.session.add(row)
            row.last_run_at = now
            if ok:
                row.last_success_at = now
            else:
                row.last_failure_at = now
            if counts is not None:
                row.last_counts = counts
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
        except Exception:
            db.session.rollback()
            log.warning("run of %s not recorded (the database?)", name)
            return


_counts = threading.local()


def count(**values) -> None:
    """Counts for the run under way (reminders sent and failed...), recorded at its end."""
    _counts.values = {**getattr(_counts, "values", {}), **values}


def tracked(name: str):
    """A click command's callback, its run recorded: success when it returns (or exits
    0), failure when it raises or exits non-zero."""

    def decorate(callback):
        @functools.wraps(callback)
        def wrapper(*args, **kwargs):
            _counts.values = {}
            ok = False
            try:
                result = callback(*args, **kwargs)
                ok = True
                return result
            except SystemExit as exit_:
                ok = exit_.code in (0, None)
                raise
            finally:
                record(name, ok, getattr(_counts, "values", None) or None)

        return wrapper

    return decorate


class Throttled:
    """A long-running worker's runs, written at most once per `every` seconds per
    outcome (the webhook worker makes a round a second)."""

    def __init__(self, name: str, every: float = 30.0):
        self.name, self.every = name, every
        self._last: dict[bool, float] = {}

    def __call__(self, ok: bool) -> None:
        now = time.monotonic()
        if now - self._last.get(ok, -self.every) >= self.every:
            self._last[ok] = now
            record(self.name, ok)
