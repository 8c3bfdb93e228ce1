"""Seeds: validated on load, loaded once into an empty database, never over data."""

import shutil

import marshmallow as ma
import pytest
import yaml

from sitedir.app import create_app
from sitedir.extensions import db
from sitedir.models import Contact, Site, Study
from sitedir.schemas import Pattern
from sitedir.seeding import SEED_FILES, SeedError, read_seeds
from tests.helpers import SHIPPED_SEEDS, TEST_SEEDS
from tests.seeded_db import close_app
from tests.test_strict_patterns import VALID

# The data-honesty tests read the shipped seeds; the validator's tests change records of
# the tests' frozen copy, whose order they know.
SEEDS = str(SHIPPED_SEEDS)


@pytest.fixture
def shipped():
    """An app seeded from the shipped seeds/, not the tests' frozen copy."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SEEDS_DIR": SEEDS})
    yield app
    close_app(app)


def test_the_shipped_seeds_are_valid():
    data = read_seeds(SEEDS)
    assert len(data["studies.yaml"]) == 1
    assert len(data["sites.yaml"]) == 9


def _copy_seeds(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(TEST_SEEDS, target)
    return target


def _rewrite(path, change):
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(records)
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")


def test_a_bad_field_names_the_file_record_and_field(tmp_path):
    seeds = _copy_seeds(tmp_path)
    _rewrite(seeds / "sites.yaml", lambda r: r[2].update(status="open-ish"))
    with pytest.raises(SeedError) as caught:
        read_seeds(str(seeds))
    message = str(caught.value)
    assert "sites.yaml" in message
    assert "record 3" in message
    assert "status" in message


def test_an_unknown_field_is_refused(tmp_path):
    seeds = _copy_seeds(tmp_path)
    _rewrite(seeds / "institutions.yaml", lambda r: r[0].update(colour="blue"))
    with pytest.raises(SeedError, match=r"institutions\.yaml, record 1.*colour"):
        read_seeds(str(seeds))


def _patterned(schema, prefix=()):
    """(field path, pattern) for each patterned field of a seed schema, nested lists too."""
    for name, field in schema.fields.items():
        for validator in field.validators:
            if isinstance(validator, Pattern):
                yield (*prefix, name), validator.regex.pattern
        inner = field.inner if isinstance(field, ma.fields.List) else field
        if isinstance(inner, ma.fields.Nested):
            yield from _patterned(inner.schema, (*prefix, name))


# Values for the patterns only seeds use, where every shipped record says null.
SEED_VALID = {**VALID, r"^[0-9AB]{9}$": "630780989", r"^[a-z_]+$": "screening"}
PATTERNED = [
    (filename, path, pattern)
    for filename, schema, _ in SEED_FILES
    for path, pattern in _patterned(schema())
]


@pytest.mark.parametrize(
    ("filename", "path", "pattern"),
    PATTERNED,
    ids=[f"{filename}:{'.'.join(path)}" for filename, path, _ in PATTERNED],
)
def test_a_trailing_newline_is_refused_in_every_seed_pattern(tmp_path, filename, path, pattern):
    """A key ending in a newline is one no URL reaches, a department one no filter finds."""
    seeds = _copy_seeds(tmp_path)

    def change(records):
        record = records[0]
        for name in path[:-1]:
            record = record[name][0]  # the first contact, the first pathway step
        record[path[-1]] = (record.get(path[-1]) or SEED_VALID[pattern]) + "\n"

    _rewrite(seeds / filename, change)
    with pytest.raises(SeedError, match=rf"(?s){filename}, record 1.*{path[-1]}"):
        read_seeds(str(seeds))


def test_a_dangling_reference_is_refused(tmp_path):
    seeds = _copy_seeds(tmp_path)
    _rewrite(seeds / "sites.yaml", lambda r: r[0].update(institution="nowhere"))
    with pytest.raises(SeedError, match="field institution: unknown institution"):
        read_seeds(str(seeds))


def test_a_bad_seed_stops_start_up(tmp_path):
    seeds = _copy_seeds(tmp_path)
    _rewrite(seeds / "sites.yaml", lambda r: r[0].update(status=None))
    with pytest.raises(SeedError, match=r"sites\.yaml"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SEEDS_DIR": str(seeds)})


def test_every_record_carries_provenance(shipped):
    with shipped.app_context():
        for model in (Study, Site, Contact):
            for record in db.session.scalars(db.select(model)):
                assert record.source
                assert record.verified in (True, False)


def test_no_contact_detail_is_invented(shipped):
    """Nothing in the press release gives an email or a phone: none may appear."""
    with shipped.app_context():
        for contact in db.session.scalars(db.select(Contact)):
            assert contact.email is None and contact.phone is None


def test_only_clermont_is_verified(shipped):
    with shipped.app_context():
        verified = {s.slug for s in db.session.scalars(db.select(Site)) if s.verified}
    assert verified == {"clermont-ferrand"}


def test_second_start_changes_nothing_and_data_is_never_overwritten(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with first.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        site.status = "suspended"
        db.session.commit()
        db.engine.dispose()
    second = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with second.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Site)) == 9
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        assert site.status == "suspended"
        db.engine.dispose()


def test_the_tests_load_their_own_frozen_seeds(app):
    """A correction to seeds/ (a centre confirming its hospital) breaks no other test."""
    assert app.config["SEEDS_DIR"] == str(TEST_SEEDS) != SEEDS
    assert read_seeds(str(TEST_SEEDS))["sites.yaml"]
