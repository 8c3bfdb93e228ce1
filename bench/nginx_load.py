"""The shipped deployment under load: nginx (deploy/nginx) + gunicorn, against a bare hello.

    .venv/bin/python bench/nginx_load.py [--duration 15] [--connections 8 32]
                                         [--port 8444] [--mix realistic]

Starts gunicorn (wsgi.py, gunicorn.conf.py, SITEDIR_PROXY_HOPS=1, limits on and counted in
Redis: REDIS_URL, DB 11 by default, with a public limit no run reaches, since every
request comes from wrk's one address), nginx with deploy/nginx/sitedir.conf as
tests/test_nginx.py renders it (TLS with a self-signed certificate, the 1 s micro-cache),
and the bare hello app under the same gunicorn settings. wrk sends bench/load.py's mix over
HTTPS to nginx, then asks the hello app directly over plain HTTP, at each concurrency.
Prints a Markdown table: the ratio is nginx+gunicorn's requests/s over hello's.
"""

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load import MIXES, ROOT, scripts, start, stop, wrk  # beside this script

sys.path.insert(0, str(ROOT))
from tests.test_nginx import render  # the tests' rendering of the shipped file

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def start_nginx(work: Path, app_port: int, https: int, plain: int, log) -> subprocess.Popen:
    """nginx with deploy/nginx/sitedir.conf as the tests render it, a self-signed
    certificate for localhost, everything in `work`; in front of 127.0.0.1:app_port."""
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
            *("-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    (work / "cache").mkdir()
    conf = render((ROOT / "deploy/nginx/sitedir.conf").read_text(), work, app_port, https, plain)
    (work / "sitedir.conf").write_text(conf)
    user = "user root;" if os.geteuid() == 0 else ""
    (work / "nginx.conf").write_text(
        f"{user}\nworker_processes auto;\npid {work}/nginx.pid;\n"
        f"error_log {work}/nginx-error.log warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {work}/body;\n"
        f" proxy_temp_path {work}/proxy;\n fastcgi_temp_path {work}/fastcgi;\n"
        f" uwsgi_temp_path {work}/uwsgi;\n scgi_temp_path {work}/scgi;\n"
        f" include {work}/sitedir.conf;\n}}\n"
    )
    proxy = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    time.sleep(1)
    return proxy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--port", type=int, default=8444, help="the first of four ports")
    parser.add_argument("--mix", choices=sorted(MIXES), default="realistic")
    args = parser.parse_args()
    if not shutil.which("wrk") or not os.path.exists(NGINX):
        sys.exit("wrk and nginx are needed: apt-get install wrk nginx")
    app_port, https, plain, hello_port = range(args.port, args.port + 4)
    work = Path(tempfile.mkdtemp(prefix="sitedir-nginx-load-"))
    run_scripts = scripts(work, args.connections, args.mix)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'sitedir.sqlite3'}",
        "SECRET_KEY": "bench",
        "SITEDIR_ACCESS_LOG": "true",
        "SITEDIR_RATELIMIT": "true",
        "SITEDIR_RATELIMIT_PUBLIC": "100000000 per minute",
        "SITEDIR_RATELIMIT_PREFIX": f"sitedir-nginx-load-{os.getpid()}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"),
        "SITEDIR_PROXY_HOPS": "1",
    }
    with open(work / "servers.log", "w") as log:
        sitedir = start("wsgi:app", app_port, env, log)
        hello = start("bench.hello_app:app", hello_port, env, log)
        proxy = start_nginx(work, app_port, https, plain, log)
        rows = []
        try:
            for connections, (script, _) in zip(args.connections, run_scripts, strict=True):
                proxied = wrk(f"https://localhost:{https}", connections, args.duration, str(script))
                base = wrk(f"http://127.0.0.1:{hello_port}/", connections, args.duration, None)
                rows.append((connections, proxied, base))
        finally:
            os.killpg(proxy.pid, signal.SIGTERM)
            proxy.wait(timeout=30)
            stop(sitedir)
            stop(hello)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" nginx (deploy/nginx, HTTPS, 1 s micro-cache) + gunicorn sync,"
        f" {os.environ.get('WEB_CONCURRENCY', os.cpu_count() * 2 + 1)} workers; hello: gunicorn"
        f" directly; {args.duration} s per run; mix: {args.mix}; limits on (Redis); access log"
        f" on; load {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print(
        "| connections | nginx+gunicorn req/s | hello req/s | ratio | p50 ms | p99 ms"
        " | hello p99 ms | errors (proxied/hello) | 404s (made-up words) | answered by nginx |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for connections, proxied, base in rows:
        print(
            f"| {connections} | {proxied['rps']:.0f} | {base['rps']:.0f} |"
            f" {proxied['rps'] / base['rps']:.2f} | {proxied['p50']:.2f} | {proxied['p99']:.2f} |"
            f" {base['p99']:.2f} | {proxied['errors']}/{base['errors']} | {proxied['not_found']} |"
            f" {proxied['hits'] / proxied['requests']:.0%} |"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
