"""PostgreSQL's primary lost under load: failover to its streaming standby, or a restart.

    .venv/bin/python -m bench.faults.postgres_failover [--mode failover|restart]
        [--stop immediate|fast|hang] [--promote-after 2] [--synchronous] [--down 10] [--after 10]

Two clusters of the scenario's own (services.py: initdb in a temporary folder, ports
5512 and 5513), never the machine's server: a primary and a hot standby made from it with
`pg_basebackup -R` (streaming replication, asynchronous unless --synchronous sets
`synchronous_standby_names = '*'` on the primary). sitedir is given both in one libpq URL,
as an operator would:

    postgresql://postgres@127.0.0.1:5512,127.0.0.1:5513/sitedir?target_session_attrs=read-write

libpq tries the hosts in order and keeps the first that accepts writes: the standby is
refused until it is promoted. gunicorn (2 sync workers) and the loop of harness.py (public
reads, an admin write every 10th request).

failover: at 5 s the primary is stopped (`pg_ctl stop -m immediate` by default: a crash,
no goodbye to the standby; `--stop hang`: SIGSTOP, a frozen machine whose kernel still
accepts connections), and --promote-after seconds later the standby is promoted
(`pg_ctl promote`), what an operator or a failover manager does; the old primary stays
down (starting it again would make two primaries). restart: the primary is stopped
(`-m fast` by default here too, as `systemctl restart postgresql` does) and started again
--down seconds later; the standby follows.

Prints answers per second, errors per second until writes are accepted again, the time
from the stop to the first acknowledged write, /readyz, and acknowledged writes against
what the new primary stored.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.faults import harness, services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["failover", "restart"], default="failover")
    parser.add_argument("--stop", choices=["immediate", "fast", "hang"], default=None)
    parser.add_argument("--promote-after", type=float, default=2)
    parser.add_argument("--down", type=float, default=10, help="restart: seconds down")
    parser.add_argument("--after", type=float, default=10, help="seconds of load once back")
    parser.add_argument("--synchronous", action="store_true")
    parser.add_argument("--port", type=int, default=5512)
    parser.add_argument("--http-port", type=int, default=18616)
    args = parser.parse_args()
    stop = args.stop or ("immediate" if args.mode == "failover" else "fast")
    if stop == "hang" and args.mode == "restart":
        parser.error("a hung server is not restarted: see bench/faults/postgres_hang.py")
    with (
        services.postgres_cluster(args.port, "faults-primary") as primary,
        services.standby_cluster(primary, args.port + 1) as standby,
    ):
        if args.synchronous:
            primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'")
            primary.sql("SELECT pg_reload_conf()")
            for _ in range(50):  # the walsender takes the new setting within a moment
                state = primary.sql("SELECT sync_state FROM pg_stat_replication")
                if state == "sync":
                    break
                time.sleep(0.1)
            print(f"standby's sync_state: {state}")
        primary.createdb("sitedir")
        url = (
            f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
            "/sitedir?target_session_attrs=read-write"
        )
        env = harness.app_env(url, args.http_port)
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        run = harness.Run(args.http_port, token)
        probe = harness.Readyz(run).start()
        try:
            run.until(5)
            acked_before = len(run.acknowledged)
            first_write: list[float] = []

            def during() -> None:
                if not first_write and len(run.acknowledged) > acked_before:
                    first_write.append(run.now())

            stopped_at = run.now()
            if stop == "hang":
                primary.hang()  # a frozen machine: connections accepted, never answered
            else:
                primary.pg_ctl("stop", "-m", stop)
            if args.mode == "failover":
                run.until(stopped_at + args.promote_after, during)
                began = run.now()
                standby.pg_ctl("promote")
                promoted = run.now()
                print(
                    f"primary {'hung (SIGSTOP)' if stop == 'hang' else f'stopped (-m {stop})'}"
                    f" at {stopped_at:.1f} s; standby promoted "
                    f"at {began:.1f} s (pg_ctl promote took {promoted - began:.2f} s)"
                )
                back = promoted
            else:
                run.until(stopped_at + args.down, during)
                began = run.now()
                primary.pg_ctl("start")
                back = run.now()
                print(
                    f"primary stopped (-m {stop}) at {stopped_at:.1f} s; started again at "
                    f"{began:.1f} s (ready at {back:.1f} s)"
                )
            run.until(back + args.after, during)
        finally:
            probe.stop()
            server.stop()
        if first_write:
            print(
                f"first acknowledged write {first_write[0] - stopped_at:.2f} s after the stop, "
                f"{first_write[0] - back:.2f} s after the database was back"
            )
        else:
            print("no write acknowledged after the stop")
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        print(
            f"replication: {'synchronous' if args.synchronous else 'asynchronous'}; "
            f"stored counted on the server that accepts writes now"
        )
        run.report(int(stopped_at), int(back) + 1, stored)
        probe.report(int(stopped_at), int(back) + 1)
        print(harness.log_summary(log_path))


if __name__ == "__main__":
    main()
