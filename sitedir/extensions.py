"""Flask extensions, created unbound so any module can import them without cycles.

flask-smorest's Api is the exception: it holds one OpenAPI spec per instance, so
create_app makes a fresh one for each app (tests build many apps in one process).
"""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
