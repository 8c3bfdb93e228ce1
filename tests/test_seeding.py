"""Seeds: validated on load, loaded once into an empty database, never over data."""

import shutil

import pytest
import yaml

from sitedir import create_app
from sitedir.extensions import db
from sitedir.models import Contact, Site, Study
from sitedir.seeding import SeedError, read_seeds

SEEDS = "seeds"


def test_the_shipped_seeds_are_valid():
    data = read_seeds(SEEDS)
    assert len(data["studies.yaml"]) == 1
    assert len(data["sites.yaml"]) == 9


def _copy_seeds(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
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


def test_every_record_carries_provenance(app):
    with app.app_context():
        for model in (Study, Site, Contact):
            for record in db.session.scalars(db.select(model)):
                assert record.source
                assert record.verified in (True, False)


def test_no_contact_detail_is_invented(app):
    """Nothing in the press release gives an email or a phone: none may appear."""
    with app.app_context():
        for contact in db.session.scalars(db.select(Contact)):
            assert contact.email is None and contact.phone is None


def test_only_clermont_is_verified(app):
    with app.app_context():
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
