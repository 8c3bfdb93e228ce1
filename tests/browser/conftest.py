"""Browser fixtures: the app on a live localhost server, a host page on another origin,
and Debian's Chromium driven by Playwright (never a downloaded browser).

Without Chromium these tests are skipped; in CI (CI=true) they fail instead.
"""

import os
import shutil
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from sitedir.app import create_app
from tests.helpers import serve_in_thread
from tests.seeded_db import SqliteTemplate

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need(condition: bool, why: str):
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, through Playwright."""
    _need(Path(CHROMIUM).exists(), "Debian's chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's script, from the pinned npm package in this folder."""
    path = HERE / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        _need(shutil.which("npm") is not None, "npm is needed to install axe-core")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return path.read_text(encoding="utf-8")


class LiveServer:
    """A WSGI app served from a thread on 127.0.0.1, on a free port."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.stop = serve_in_thread(self.server)


@pytest.fixture(scope="session")
def seeded_sqlite():
    """The seeded SQLite database, migrated and seeded once per worker (on SQLite whatever
    the suite's database: these tests are never run on PostgreSQL)."""
    template = SqliteTemplate()
    yield template
    template.close()


@pytest.fixture
def live(tmp_path, seeded_sqlite):
    """sitedir, seeded, on a temporary SQLite file, served on localhost.

    The file is a copy of the seeded template: the app's own start-up would migrate and
    seed it the same way, at four times the CPU. The app's settings are a server's, not
    the `app` fixture's test ones (rate limits on, TESTING off).
    """
    path = tmp_path / "live.sqlite3"
    seeded_sqlite.copy_to_file(path)
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "ACCESS_LOG": False}
    app = create_app({**settings, "SEED_ON_START": False})
    app.config["SEED_ON_START"] = True  # as if it had seeded the file itself
    server = LiveServer(app)
    yield server
    server.stop()


HOST_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Réseau lupus — page hôte</title>
<meta http-equiv="Content-Security-Policy"
      content="default-src 'self'; script-src 'self' {app}; frame-src {app}; style-src 'self'">
</head><body>
<h1>Un réseau régional</h1>
<p>Premier widget, en français, limité à la région 84 :</p>
<script src="{app}/widget/embed.js" data-study="cart-lupus" data-lang="fr" data-region="84"
        data-limit="3" async></script>
<p>Second widget, en anglais, sans région :</p>
<script src="{app}/widget/embed.js" data-lang="en" data-accent="#6a1b9a" async></script>
<p>Fin de la page hôte.</p>
</body></html>
"""


@pytest.fixture
def host_page(live, serve_host):
    """A page on another origin (another port) that embeds two widgets, under a strict CSP."""
    return serve_host(HOST_PAGE.format(app=live.url))


@pytest.fixture
def page_factory(browser):
    """New pages that record every request, so a test can assert none left 127.0.0.1."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.requested = []
        context.on("request", lambda request: page.requested.append(request.url))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(page_factory):
    """A French doctor's (or admin's) browser, on Paris time."""
    return lambda: page_factory(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900}
    )


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


LOCAL = ("http://127.0.0.1:", "data:", "about:")


def assert_all_local(page):
    """No request of the page, its frames and their scripts left 127.0.0.1."""
    assert page.requested, "nothing was recorded"
    strays = [url for url in page.requested if not url.startswith(LOCAL)]
    assert strays == []


def search_with_keyboard(scope, page, typed="vich"):
    """Focus the search box, type, arrow down to the first suggestion, press Enter."""
    box = scope.locator("#place")
    box.focus()
    page.keyboard.type(typed, delay=40)
    scope.locator("#suggestions [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert scope.locator("#suggestions [aria-selected=true]").count() == 1
    page.keyboard.press("Enter")
    scope.locator("#results .site").first.wait_for()


@pytest.fixture
def serve_host():
    """Serve any HTML on another origin (another port): a network's page embedding the tag."""
    stops = []

    def serve(html: str) -> str:
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        stops.append(serve_in_thread(server))
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for stop in stops:
        stop()


def answer_text(scope) -> str:
    """The answer's text content (hidden print-only lines included), spaces normalised."""
    return " ".join(scope.locator("#answer-body").text_content().split())


def site_names(scope) -> list[str]:
    return scope.locator("#results .site h3").all_inner_texts()


def type_and_submit(scope, text: str):
    """Type a town and press Enter without choosing a suggestion: the form's own search."""
    box = scope.locator("#place")
    box.fill(text)
    box.press("Enter")
