"""argon2's cost is a setting: production keeps the library's defaults, tests the cheapest."""

import subprocess
import sys

import pytest
from argon2 import PasswordHasher

from sitedir.admin.auth import check_password, hash_password
from sitedir.app import create_app
from sitedir.config import from_environment
from sitedir.extensions import db
from tests.helpers import PASSWORD, make_account


def test_the_default_cost_is_argon2_cffis_own(monkeypatch, tmp_path):
    for name in ("TIME_COST", "MEMORY_KIB", "PARALLELISM"):
        monkeypatch.delenv(f"SITEDIR_ARGON2_{name}", raising=False)
    config = from_environment(str(tmp_path))
    library = PasswordHasher()
    assert (
        config["ARGON2_TIME_COST"],
        config["ARGON2_MEMORY_KIB"],
        config["ARGON2_PARALLELISM"],
    ) == (library.time_cost, library.memory_cost, library.parallelism)


def test_hashes_are_made_at_the_configured_cost(app):
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=16, ARGON2_PARALLELISM=1)
    with app.app_context():
        assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=16,t=2,p=1$")


def test_a_hash_made_at_another_cost_still_verifies(app):
    with app.app_context():
        account = make_account("cout@example.org", "site_admin", ["nantes"], password=PASSWORD)
        account.password_hash = PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD)
        db.session.flush()  # the account's defaults (active)
        assert check_password(account, PASSWORD)
        assert not check_password(account, PASSWORD + "!")
        assert not check_password(None, PASSWORD)


@pytest.mark.parametrize(
    "cost",
    [
        {"ARGON2_TIME_COST": 0},
        {"ARGON2_PARALLELISM": 0},
        {"ARGON2_MEMORY_KIB": 4, "ARGON2_PARALLELISM": 1},
        {"ARGON2_MEMORY_KIB": 16, "ARGON2_PARALLELISM": 4},
    ],
)
def test_a_cost_argon2_refuses_stops_the_start(cost):
    with pytest.raises(ValueError, match="SITEDIR_ARGON2"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SEED_ON_START": False, **cost})


def test_the_dummy_hash_is_made_on_the_first_unknown_login_not_at_import():
    code = (
        "from sitedir.admin import auth\n"
        "from sitedir.app import create_app\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SEED_ON_START': False})\n"
        "assert auth._dummy_hash.cache_info().currsize == 0\n"
        "with app.app_context():\n"
        "    assert not auth.check_password(None, 'whatever')\n"
        "assert auth._dummy_hash.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
