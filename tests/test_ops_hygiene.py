"""Operations hygiene (issue 21, point 12): tokens masked in every log, 192.0.0.0/24
refused as a webhook target, admin pages never framed, no shared gunicorn control socket."""

import logging
import runpy

import pytest

from sitedir.events import addresses
from sitedir.web.request_log import MaskLinks


def test_one_time_link_tokens_are_masked_in_flask_and_werkzeug_logs(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/admin/password/<token>/boom")
    def boom(token):
        raise RuntimeError("boom")

    with caplog.at_level(logging.INFO):
        app.test_client().get("/admin/password/SECRETTOKEN123/boom")
        logging.getLogger("werkzeug").info('"GET /admin/invitation/SECRETTOKEN456 HTTP/1.1" 200 -')
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Exception on /admin/password/<token>/boom" in text
    assert "/admin/invitation/<token>" in text
    assert "SECRETTOKEN" not in text
    assert any(isinstance(f, MaskLinks) for f in logging.getLogger("werkzeug").filters)


@pytest.mark.parametrize("address", ["192.0.0.1", "192.0.0.170", "::ffff:192.0.0.8"])
def test_ietf_protocol_assignments_are_refused_as_webhook_targets(address):
    assert not addresses._public(address)
    assert addresses._public("192.0.2.1") is False  # TEST-NET stays refused
    assert addresses._public("8.8.8.8")


def test_admin_pages_are_never_framed(client):
    page = client.get("/admin/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in client.get("/").headers  # the widget's page may be framed


def test_gunicorn_has_no_shared_control_socket(monkeypatch):
    monkeypatch.delenv("SITEDIR_GUNICORN_CONTROL_SOCKET", raising=False)
    settings = runpy.run_path("gunicorn.conf.py")
    assert settings["control_socket_disable"] is True
    monkeypatch.setenv("SITEDIR_GUNICORN_CONTROL_SOCKET", "/run/sitedir/a.ctl")
    settings = runpy.run_path("gunicorn.conf.py")
    assert settings["control_socket_disable"] is False
    assert settings["control_socket"] == "/run/sitedir/a.ctl"


def test_gunicorn_refuses_a_public_bind_without_a_public_url(monkeypatch):
    import sys
    import types

    settings = runpy.run_path("gunicorn.conf.py")
    app = types.SimpleNamespace(
        config={"PUBLIC_URL": None, "TRUSTED_HOSTS": ["localhost"], "RATELIMIT_ENABLED": False}
    )
    monkeypatch.setitem(sys.modules, "wsgi", types.SimpleNamespace(app=app))
    logged = []
    log = types.SimpleNamespace(
        error=lambda *a: logged.append(("error", a)), warning=lambda *a: logged.append(a)
    )

    def server(bind):
        return types.SimpleNamespace(log=log, cfg=types.SimpleNamespace(bind=bind, workers=1))

    settings["on_starting"](server(["127.0.0.1:8000"]))  # development: a warning
    with pytest.raises(SystemExit):
        settings["on_starting"](server(["0.0.0.0:8000"]))
    assert logged[-1][0] == "error"
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    settings["on_starting"](server(["0.0.0.0:8000"]))  # production, configured: starts


def test_a_socket_handed_over_is_judged_by_where_it_listens():
    """gunicorn --bind fd://N (systemd, tests): loopback if the inherited socket is."""
    import socket

    loopback = runpy.run_path("gunicorn.conf.py")["_loopback"]
    with socket.socket() as local, socket.socket() as public:
        local.bind(("127.0.0.1", 0))
        public.bind(("0.0.0.0", 0))
        assert loopback(f"fd://{local.fileno()}")
        assert not loopback(f"fd://{public.fileno()}")
        local.listen()  # still open after the check: it only looked at a duplicate
    assert not loopback("fd://not-a-number")
