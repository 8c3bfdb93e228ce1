"""The suite's own per-test database on PostgreSQL: each test finds the template's rows and
sequence values whatever the previous test wrote, and its schema whatever it altered
(tests/seeded_db.py puts the rows back, or makes a new copy when the schema moved)."""

import pytest
from sqlalchemy import text

from sitedir.extensions import db
from tests.helpers import ON_POSTGRES
from tests.seeded_db import close_app

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's per-test copy")

COUNTS = (
    "SELECT (SELECT count(*) FROM site), (SELECT count(*) FROM site WHERE status = 'closed'),"
    " (SELECT count(*) FROM status_change)"
)


def _read(app, statement: str):
    with app.app_context():
        return db.session.execute(text(statement)).one()


def _write(app, *statements: str) -> None:
    with app.app_context():
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()


def test_the_next_test_finds_the_template_rows_and_sequences(app, seeded_template, request):
    seeded = _read(app, COUNTS)
    next_id = _read(app, "SELECT last_value FROM site_id_seq")
    _write(
        app,
        "DELETE FROM status_change",
        "UPDATE site SET status = 'closed'",
        "SELECT nextval('site_id_seq')",
        "SELECT nextval('site_id_seq')",
    )
    assert _read(app, COUNTS) != seeded
    close_app(app)

    again = seeded_template.app(request.node.nodeid + "[next]")  # as the next test's `app`
    try:
        assert _read(again, COUNTS) == seeded
        assert _read(again, "SELECT last_value FROM site_id_seq") == next_id
    finally:
        close_app(again)


def test_a_schema_a_test_altered_is_made_again(app, seeded_template, request):
    _write(app, "ALTER TABLE study ADD COLUMN left_behind integer")
    close_app(app)
    # The rows alone cannot be put back into another schema: a new copy is made.
    assert not seeded_template.seeded.put_back(seeded_template.libpq_url)

    again = seeded_template.app(request.node.nodeid + "[next]")
    try:
        query = (
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'study' AND column_name = 'left_behind'"
        )
        assert _read(again, query) == (0,)
        assert _read(again, "SELECT count(*) FROM site") == (9,)
    finally:
        close_app(again)
