"""The settings table (sitedir/config.py): each setting parsed once, typos refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitedir.config import BY_KEY, SETTINGS, SettingError, from_environment, parse_environment

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"SITEDIR_ENV": "production", "SECRET_KEY": "k" * 32}


def test_each_setting_is_declared_once():
    assert len({s.key for s in SETTINGS}) == len(SETTINGS)
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)
    assert all(s.help and s.group in {"app", "server"} for s in SETTINGS)


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.default not in (None, "", [])])
def test_each_default_is_a_value_of_its_type(setting):
    """The default, written as an operator would, parses back to itself."""
    default = setting.default
    if isinstance(default, bool):
        text = str(default).lower()
    elif isinstance(default, list):
        text = ",".join(map(str, default))
    else:
        text = str(default)
    assert setting.kind.parse(text) == default


@pytest.mark.parametrize("value", ["ture", "flase", "2", "oui", "enabled"])
def test_a_typo_in_a_boolean_is_an_error_not_false(value):
    with pytest.raises(SettingError, match=f"SITEDIR_RATELIMIT='{value}': expected true or"):
        parse_environment({"SITEDIR_RATELIMIT": value})


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("Yes", True), (" off ", False), ("FALSE", False)]
)
def test_booleans_in_their_usual_spellings(value, expected):
    assert parse_environment({"SITEDIR_RATELIMIT": value})["RATELIMIT_ENABLED"] is expected


@pytest.mark.parametrize(
    ("name", "value", "wanted"),
    [
        ("SITEDIR_SMTP_PORT", "abc", "a whole number"),
        ("SITEDIR_SMTP_PORT", "70000", "at most 65535"),
        ("SITEDIR_FRESHNESS_MS", "-1", "at least 0"),
        ("SITEDIR_FRESHNESS_MS", "1.5", "a whole number"),
        ("SITEDIR_REDIS_TIMEOUT", "nan", "a number of at least"),
        ("SITEDIR_REDIS_TIMEOUT", "0", "a number of at least"),
        ("SITEDIR_GEOCODER", "google", "one of ban, nominatim"),
        ("SITEDIR_RATELIMIT_PUBLIC", "lots", "a rate limit"),
        ("SITEDIR_METRICS_ALLOW", "10.0.0.0/8,intranet", "addresses or networks"),
        ("SITEDIR_PUBLIC_URL", "annuaire.example.fr", "an http:// or https:// address"),
        ("SITEDIR_PUBLIC_URL", "https://:80", "with a host name"),
        ("SITEDIR_PUBLIC_URL", "https://annuaire.example.fr:port", "with a host name"),
        ("SITEDIR_TRUSTED_HOSTS", "annuaire.example.fr,*.example.fr", "not '*.example.fr'"),
    ],
)
def test_a_value_that_does_not_parse_names_its_variable(name, value, wanted):
    with pytest.raises(SettingError) as refused:
        parse_environment({name: value})
    assert f"{name}={value!r}: expected" in str(refused.value) and wanted in str(refused.value)


def test_every_refusal_is_named_at_once():
    with pytest.raises(SettingError) as refused:
        parse_environment({"SITEDIR_RATELIMIT": "ture", "SITEDIR_STALE_DAYS": "x"})
    assert "SITEDIR_RATELIMIT=" in str(refused.value) and "SITEDIR_STALE_DAYS=" in str(
        refused.value
    )


def test_values_are_parsed_and_empty_counts_as_unset():
    config = parse_environment(
        {
            "SITEDIR_FRESHNESS_MS": " 250 ",
            "SITEDIR_REDIS_TIMEOUT": "0.5",
            "SITEDIR_PUBLIC_URL": "https://annuaire.example.fr/",
            "SITEDIR_TRUSTED_HOSTS": "Annuaire.Example.fr, .chu.example",
            "SITEDIR_SMTP_HOST": "  ",
            "SITEDIR_STALE_DAYS": "",
        }
    )
    assert config["FRESHNESS_MS"] == 250 and config["REDIS_TIMEOUT"] == 0.5
    assert config["PUBLIC_URL"] == "https://annuaire.example.fr"
    assert config["TRUSTED_HOSTS"] == ["annuaire.example.fr", ".chu.example"]
    assert config["SMTP_HOST"] is None
    assert config["STALE_DAYS"] == BY_KEY["STALE_DAYS"].default


def test_the_server_settings_are_apart():
    assert "BIND" not in parse_environment({})
    assert parse_environment({"SITEDIR_THREADS": "4"}, group="server")["THREADS"] == 4


def test_a_missing_secret_key_stops_production(tmp_path):
    with pytest.raises(SettingError, match="SECRET_KEY is not set"):
        from_environment(str(tmp_path), environ={"SITEDIR_ENV": "production"})
    config = from_environment(str(tmp_path), environ=PRODUCTION)
    assert config["SECRET_KEY"] == "k" * 32


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_tests_get_a_random_key(tmp_path, environment):
    first = from_environment(str(tmp_path), environ={"SITEDIR_ENV": environment})
    second = from_environment(str(tmp_path), environ={"SITEDIR_ENV": environment})
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] != second["SECRET_KEY"]


def test_create_apps_own_settings_win(tmp_path):
    config = from_environment(
        str(tmp_path),
        overrides={"TESTING": True, "FRESHNESS_MS": 0},
        environ={"SITEDIR_ENV": "production", "SITEDIR_FRESHNESS_MS": "500"},
    )
    assert config["FRESHNESS_MS"] == 0 and config["SECRET_KEY"]  # TESTING: a random key


def _server(env: dict) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SITEDIR_ENV"}}
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env={**environ, "DATABASE_URL": "sqlite://", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_server_stops_with_one_line():
    """wsgi.py, the servers' entry point: no traceback, the line that says what to set."""
    missing = _server({"SITEDIR_ENV": "production"})
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("sitedir cannot start: SECRET_KEY is not set")
    typo = _server({"SITEDIR_ENV": "production", "SECRET_KEY": "x", "SITEDIR_POSTGIS": "ture"})
    assert typo.returncode == 1
    assert typo.stderr.strip() == (
        "sitedir cannot start: SITEDIR_POSTGIS='ture': expected true or false "
        "(also 1/0, yes/no, on/off)"
    )


def test_a_database_url_that_does_not_parse_is_refused_without_its_password():
    with pytest.raises(SettingError) as refused:
        parse_environment({"DATABASE_URL": "postgresql://sitedir:s3cret@:port/db"})
    assert "DATABASE_URL (value not shown): expected an SQLAlchemy URL" in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_a_primary_and_its_standby_in_one_url_as_libpq_writes_it():
    """Issue 24.15: `host1:port1,host2:port2` (libpq's failover list) is accepted, and
    psycopg is given every host, in order, with target_session_attrs."""
    from sqlalchemy import create_engine

    url = "postgresql://sitedir:pw@db-a:5432,db-b:5433/sitedir?target_session_attrs=read-write"
    parsed = parse_environment({"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(parsed)
    params = engine.dialect.create_connect_args(engine.url)[1]
    assert (params["host"], params["port"]) == ("db-a,db-b", "5432,5433")
    assert params["target_session_attrs"] == "read-write"
    assert (params["dbname"], params["user"], params["password"]) == ("sitedir", "sitedir", "pw")
    one = parse_environment({"DATABASE_URL": "postgresql://u@db:5432/d"})
    assert one["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/d"


def test_retired_keys_are_read_without_the_spaces_around_them():
    keys = parse_environment({"SECRET_KEY_FALLBACKS": "old-one, old-two ,"})
    assert keys["SECRET_KEY_FALLBACKS"] == ["old-one", "old-two"]


def _command(environ: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITEDIR_")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "sitedir.app", *args],
        cwd=ROOT,
        env={**env, "SITEDIR_ENV": "development", **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_flask_command_stops_with_one_line_not_a_traceback():
    """Every admin and cron command the README gives goes through the factory."""
    typo = _command({"SITEDIR_PROXY_HOPS": "abc", "SITEDIR_LOG_FORMAT": "txt"}, "drain", "status")
    assert typo.returncode == 1
    assert "Traceback" not in typo.stderr
    assert typo.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "SITEDIR_LOG_FORMAT='txt': expected one of json, text" in typo.stderr


def test_gunicorn_stops_with_one_line_naming_every_bad_variable():
    checked = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, "SITEDIR_THREADS": "abc", "SITEDIR_TIMEOUT": "x"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert checked.stderr.strip() == (
        "sitedir cannot start: SITEDIR_THREADS='abc': expected a whole number; "
        "SITEDIR_TIMEOUT='x': expected a whole number"
    )


def test_gunicorns_hooks_read_the_parsed_settings_not_their_arbiter_argument(tmp_path, monkeypatch):
    # The hooks' parameter is gunicorn's arbiter; the parsed settings must not be shadowed
    # by it (a `server[...]` in a hook stopped gunicorn at its first start).
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_1.db").write_bytes(b"")
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hooks["when_ready"](object())
    assert not list(tmp_path.glob("*.db"))
    hooks["child_exit"](object(), type("Worker", (), {"pid": 12345})())
