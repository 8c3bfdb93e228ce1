"""Flask extensions, created unbound so any module can import them without cycles.

flask-smorest's Api is the exception: it holds one OpenAPI spec per instance, so
create_app makes a fresh one for each app (tests build many apps in one process).
"""

from typing import cast

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CursorResult
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def changed_one_row(statement) -> bool:
    """Run a conditional UPDATE in the session; True when it changed exactly one row.

    How a write happens once: of two requests racing to make the same change (delete,
    disable, revoke, spend a link), the database lets one through; the other's WHERE no
    longer matches, so it changes nothing, and its caller writes no audit entry.
    """
    statement = statement.execution_options(synchronize_session=False)
    # An UPDATE answers a CursorResult (its rowcount); execute() is typed for any statement.
    return cast(CursorResult, db.session.execute(statement)).rowcount == 1
