#!/usr/bin/python3
"""Benchmark of the ipcd Python client: N 'double' jobs, at most W in flight
on one connection, in the blocking flavour and the asyncio one.

    IPCD_SOCKET=/run/ipcd/ipcd.sock ./bench.py [-n N] [-w W] [--latency]
        [--flavour sync|async|both] [-s SOCKET]

Prints one line per run, latencies in microseconds, from a job's send to
the moment its answer is seen:

    python-sync window=256 jobs=100000 jobs/s=... p50=... p99=... p999=...

--latency runs with a window of 1 (one job at a time: the round trip).
"""
import argparse
import asyncio
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ipcd  # noqa: E402

_now = time.perf_counter


def report(flavour, window, jobs, elapsed, latencies):
    latencies.sort()
    n = len(latencies)

    def pct(q):
        return latencies[min(n - 1, int(q * n))] * 1e6
    print("python-%s window=%d jobs=%d jobs/s=%.0f p50=%.1f p99=%.1f "
          "p999=%.1f" % (flavour, window, jobs, jobs / elapsed, pct(0.50),
                         pct(0.99), pct(0.999)), flush=True)


def check(n, value):
    if value != 2 * n:
        sys.exit("bench: double %d gave %r" % (n, value))


def run_sync(conn, jobs, window):
    latencies = []
    inflight = collections.deque()
    pipe = conn.pipeline()
    start = _now()
    for n in range(jobs):
        if len(inflight) >= window:
            job, sent, m = inflight.popleft()
            check(m, job.result())
            latencies.append(_now() - sent)
        inflight.append((pipe.send("double", n), _now(), n))
    while inflight:
        job, sent, m = inflight.popleft()
        check(m, job.result())
        latencies.append(_now() - sent)
    return _now() - start, latencies


async def run_async(conn, jobs, window):
    latencies = []
    inflight = collections.deque()
    start = _now()
    for n in range(jobs):
        if len(inflight) >= window:
            future, sent, m = inflight.popleft()
            check(m, await future)
            latencies.append(_now() - sent)
        inflight.append((conn.send("double", n), _now(), n))
    while inflight:
        future, sent, m = inflight.popleft()
        check(m, await future)
        latencies.append(_now() - sent)
    return _now() - start, latencies


def bench_sync(socket, jobs, window):
    with ipcd.connect(socket) as conn:
        run_sync(conn, min(jobs, 2000), window)		# warm up
        elapsed, latencies = run_sync(conn, jobs, window)
    report("sync", window, jobs, elapsed, latencies)


def bench_async(socket, jobs, window):
    async def main():
        conn = await ipcd.open_connection(socket)
        try:
            await run_async(conn, min(jobs, 2000), window)	# warm up
            return await run_async(conn, jobs, window)
        finally:
            await conn.close()
    elapsed, latencies = asyncio.run(main())
    report("async", window, jobs, elapsed, latencies)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--jobs", type=int, default=100000)
    ap.add_argument("-w", "--window", type=int, default=256)
    ap.add_argument("-s", "--socket", default=None,
                    help="default: $IPCD_SOCKET, else /run/ipcd/ipcd.sock")
    ap.add_argument("--latency", action="store_true",
                    help="a window of 1: one job at a time")
    ap.add_argument("--flavour", choices=("sync", "async", "both"),
                    default="both")
    args = ap.parse_args()
    window = 1 if args.latency else args.window
    if args.jobs < 1 or window < 1:
        ap.error("jobs and window must be at least 1")
    try:
        if args.flavour in ("sync", "both"):
            bench_sync(args.socket, args.jobs, window)
        if args.flavour in ("async", "both"):
            bench_async(args.socket, args.jobs, window)
    except ipcd.Error as e:
        sys.exit("bench: %s" % e)


if __name__ == "__main__":
    main()
