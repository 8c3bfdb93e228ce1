"""The widget on a phone network: Debian's Chromium, "Slow 4G" and a CPU four times slower.

    .venv/bin/python bench/widget_throttled.py [--port 8448] [--runs 3] [--direct]

sitedir runs as shipped: gunicorn (wsgi.py) behind nginx (deploy/nginx, HTTPS, the
micro-cache; `--direct`: gunicorn alone over plain HTTP). A host page on another origin
embeds the widget with its one <script> tag. Playwright drives Chromium; through CDP each
page gets Network.emulateNetworkConditions (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up)
and Emulation.setCPUThrottlingRate 4. A fresh browser context per run: nothing cached.
Per run it prints:

- embed: the embed script's load, from the host page's navigation (resource timing);
- frame paint: the frame's first contentful paint, from the host page's navigation;
- answer: typing a town in the frame and pressing Enter, to the first result shown
  (from the Enter key to `#results .site` in the DOM);
- LCP: the largest contentful paint of a shared answer URL (`/?q=Vichy`) opened cold;
- bytes: everything a first search on the search page transferred (headers included,
  as compressed on the wire), from the page's navigation to its first answer.

Targets (issue 27 §4): answer ≤ 1.5 s after Enter, LCP ≤ 2.5 s, a first search < 150 KB.
"""

import argparse
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from load import start, stop  # beside this script
from nginx_load import start_nginx

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The frame comes from another site: kept in the page's process, so that the page's
# emulated network and CPU apply to it too.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process",
]
SLOW_4G = {
    "offline": False,
    "latency": 150,  # ms, round trip
    "downloadThroughput": 1.6e6 / 8,  # bytes/s
    "uploadThroughput": 750e3 / 8,
}
HOST_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Réseau lupus</title></head><body>
<h1>Un réseau régional</h1>
<script src="{app}/widget/embed.js" data-study="cart-lupus" data-lang="fr" async></script>
</body></html>
"""
TOWN = "Vichy"


def serve_host(html: str) -> tuple[ThreadingHTTPServer, str]:
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def throttled_page(browser):
    """A new context and page on Slow 4G with a 4x slower CPU; the bytes it receives."""
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    received = {"bytes": 0}
    cdp.on(
        "Network.loadingFinished",
        lambda event: received.__setitem__("bytes", received["bytes"] + event["encodedDataLength"]),
    )
    return context, page, received


def embed_and_answer(browser, host_url: str) -> dict:
    """The embed script, the frame's first paint, and a first answer in the frame."""
    context, page, _ = throttled_page(browser)
    page.goto(host_url)
    frame_element = page.wait_for_selector("iframe", timeout=60_000)
    frame = frame_element.content_frame()
    frame.wait_for_selector("#place", timeout=60_000)
    frame.wait_for_function(
        "performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')",
        timeout=60_000,
    )
    embed_ms = page.evaluate(
        "performance.getEntriesByType('resource').find(e => e.name.includes('/widget/embed.js'))"
        ".responseEnd"
    )
    # The frame's paint on the host page's clock.
    frame_paint_ms = frame.evaluate(
        "performance.timeOrigin + performance.getEntriesByType('paint')"
        ".find(e => e.name === 'first-contentful-paint').startTime"
    ) - page.evaluate("performance.timeOrigin")
    frame.wait_for_load_state("load")
    box = frame.locator("#place")
    box.focus()
    page.keyboard.type(TOWN, delay=60)
    began = time.perf_counter()
    page.keyboard.press("Enter")
    frame.locator("#results .site").first.wait_for(timeout=60_000)
    answer_ms = (time.perf_counter() - began) * 1000
    context.close()
    return {"embed": embed_ms, "frame paint": frame_paint_ms, "answer": answer_ms}


def shared_answer_lcp(browser, app_url: str) -> float:
    """The largest contentful paint of a shared answer URL, opened cold."""
    context, page, _ = throttled_page(browser)
    page.goto(f"{app_url}/?q={TOWN}", wait_until="load", timeout=60_000)
    page.wait_for_selector("#results .site", timeout=60_000)
    lcp = page.evaluate(
        """() => new Promise(resolve => {
            new PerformanceObserver(list => {
                const entries = list.getEntries();
                resolve(entries[entries.length - 1].startTime);
            }).observe({type: 'largest-contentful-paint', buffered: true});
        })"""
    )
    context.close()
    return lcp


def first_search_bytes(browser, app_url: str) -> int:
    """Bytes received for the search page and a first search, to its first answer."""
    context, page, received = throttled_page(browser)
    page.goto(f"{app_url}/", wait_until="load", timeout=60_000)
    page.locator("#place").focus()
    page.keyboard.type(TOWN, delay=60)
    page.keyboard.press("Enter")
    page.locator("#results .site").first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    total = received["bytes"]
    context.close()
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8448, help="the first of three ports")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--direct", action="store_true", help="gunicorn alone, no nginx")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    app_port, https, plain = range(args.port, args.port + 3)
    work = Path(tempfile.mkdtemp(prefix="sitedir-widget-throttled-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'sitedir.sqlite3'}",
        "SECRET_KEY": "bench",
        "SITEDIR_RATELIMIT": "false",
        "SITEDIR_PROXY_HOPS": "0" if args.direct else "1",
    }
    env.pop("REDIS_URL", None)
    host_server, host_url = None, None
    with open(work / "servers.log", "w") as log:
        app = start("wsgi:app", app_port, env, log)
        proxy = None if args.direct else start_nginx(work, app_port, https, plain, log)
        app_url = f"http://127.0.0.1:{app_port}" if args.direct else f"https://localhost:{https}"
        host_server, host_url = serve_host(HOST_PAGE.format(app=app_url))
        rows = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for _ in range(args.runs):
                    row = embed_and_answer(browser, host_url)
                    row["LCP"] = shared_answer_lcp(browser, app_url)
                    row["bytes"] = first_search_bytes(browser, app_url)
                    rows.append(row)
                browser.close()
        finally:
            host_server.shutdown()
            if proxy is not None:
                os.killpg(proxy.pid, signal.SIGTERM)
                proxy.wait(timeout=30)
            stop(app)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {'gunicorn alone (HTTP)' if args.direct else 'nginx (HTTPS) + gunicorn'};"
        f" Chromium, 150 ms RTT, 1.6 Mbit/s down, CPU x4; town {TOWN!r};"
        f" load {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print(
        "| run | embed script ms | frame first paint ms | answer after Enter ms | LCP ms | bytes |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for number, row in enumerate(rows, 1):
        print(
            f"| {number} | {row['embed']:.0f} | {row['frame paint']:.0f} | {row['answer']:.0f} |"
            f" {row['LCP']:.0f} | {row['bytes']:,} |"
        )
    medians = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
    print(
        f"| median | {medians['embed']:.0f} | {medians['frame paint']:.0f} |"
        f" {medians['answer']:.0f} | {medians['LCP']:.0f} | {medians['bytes']:,.0f} |"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
