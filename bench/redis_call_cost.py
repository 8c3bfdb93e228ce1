"""What one counted request's Redis round trip costs sitedir's process, in CPU.

    .venv/bin/python bench/redis_call_cost.py [--calls 20000] [--redis redis://127.0.0.1:6379/11]

Issue 27 §1 asks for sitedir's hooks at 0.8x a bare hello: with a bare hello at about
600 µs of CPU a request under gunicorn, that leaves about 150 µs for every hook. A
counted request makes one EVALSHA (sitedir/web/ratelimit_strategy.py); this measures
redis-py's side of such a call (the process's CPU time, not the wall time, so that the
Redis server's own work is not counted), and of a PING, the cheapest round trip.
"""

import argparse
import time

import redis

INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], 60000) end
return count
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    client = redis.Redis.from_url(args.redis)
    script = client.register_script(INCREMENT)
    for _ in range(500):  # the script loaded, the connection made
        script(keys=["sitedir-bench:warm"])
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(args.calls):
        script(keys=[f"sitedir-bench:{i % 2000}"])
    script_cpu = (time.process_time() - cpu) / args.calls * 1e6
    script_wall = (time.perf_counter() - wall) / args.calls * 1e6
    cpu = time.process_time()
    for _ in range(args.calls):
        client.ping()
    ping_cpu = (time.process_time() - cpu) / args.calls * 1e6
    print(f"EVALSHA (redis-py): {script_cpu:.0f} µs of CPU, {script_wall:.0f} µs of wall a call")
    print(f"PING (redis-py): {ping_cpu:.0f} µs of CPU a call")


if __name__ == "__main__":
    main()
