#!/usr/bin/python3
"""Tests of the ipcd Python client, against the real daemon and a fake
server; prints TAP.

    IPCD=/path/to/ipcd /usr/bin/python3 clients/python/tests/test_ipcd.py

IPCD defaults to ../../daemon/ipcd relative to clients/python. Each daemon
runs in a temporary directory of its own and is killed at exit.
"""
import asyncio
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))	# the ipcd package beside tests/

import ipcd  # noqa: E402
from harness import (Daemon, FakeServer, apoll_until,  # noqa: E402
                     araises_error, case, check, daemon_path, diag, equal,
                     pack_frame, poll_until, raises_error, run_async,
                     run_cases)

MAIN = Daemon("main", "workers = 2")
# One worker, so that a job waits behind another: its server-side time
# starts late, and a local timeout comes well before the daemon's.
SOLO = Daemon("solo", "workers = 1")
# A queue of one job: the third job sent at once is refused with busy.
TINY = Daemon("tiny", "workers = 1", "queue_limit = 1")


def connect(daemon, **kwargs):
    return ipcd.connect(daemon.sock, **kwargs)


def counter_of(daemon, name):
    with connect(daemon, timeout=5) as c:
        return c.status()[name]


# -- sync: basics --

@case("sync: submit returns the result")
def _():
    with connect(MAIN) as c:
        equal(c.submit("double", 10), 20)
        equal(c.submit("double", -2.5), -5.0)
        equal(c.submit("sha256", b"abc"), "ba7816bf8f01cfea414140de5dae2223"
              "b00361a396177a9cb410ff61f20015ad")


@case("sync: connect() takes $IPCD_SOCKET, the argument wins over it")
def _():
    old = os.environ.get("IPCD_SOCKET")
    try:
        os.environ["IPCD_SOCKET"] = MAIN.sock
        with ipcd.connect() as c:
            equal(c.path, MAIN.sock, "path")
            equal(c.submit("double", 1), 2)
        e = raises_error("closed", ipcd.connect, MAIN.dir + "/nosuch.sock")
        check("nosuch.sock" in e.message, e.message)
        os.environ["IPCD_SOCKET"] = MAIN.dir + "/other.sock"
        with ipcd.connect(MAIN.sock) as c:
            equal(c.path, MAIN.sock, "path")
        del os.environ["IPCD_SOCKET"]
        try:
            with ipcd.connect(ping=False) as c:
                equal(c.path, ipcd.DEFAULT_SOCKET, "path")
        except ipcd.Error as e:
            check(ipcd.DEFAULT_SOCKET in e.message, e.message)
    finally:
        if old is None:
            os.environ.pop("IPCD_SOCKET", None)
        else:
            os.environ["IPCD_SOCKET"] = old


@case("sync: the with block closes; later calls fail with 'closed' at once")
def _():
    with connect(MAIN) as c:
        equal(c.submit("double", 3), 6)
    check(c.closed, "not closed after the with block")
    start = time.monotonic()
    raises_error("closed", c.submit, "double", 1)
    raises_error("closed", c.send, "double", 1)
    raises_error("closed", c.status)
    raises_error("closed", c.ping)
    check(time.monotonic() - start < 0.5, "a call on a closed connection "
          "waited")


@case("sync: ping and status; PONG's version and max_message are kept")
def _():
    with connect(MAIN) as c:
        rtt = c.ping()
        check(isinstance(rtt, float) and rtt > 0, "ping returned %r" % rtt)
        st = c.status()
        check(isinstance(st["pid"], int) and st["pid"] > 0, repr(st))
        check("type" not in st and "id" not in st, "envelope in %r" % st)
        equal(len(st["workers"]), 2, "workers")
        equal(st["workers"][0]["state"], "ready", "state")
        equal(st["pools"][0]["name"], "builtin", "pool")
        equal(c.status(pool="builtin")["pools"][0]["name"], "builtin")
        check(c.version is None or isinstance(c.version, str), c.version)
        check(c.max_message is None or c.max_message >= 1024,
              c.max_message)
        diag("daemon version %r, max_message %r"
             % (c.version, c.max_message))


@case("sync: replies are matched by id, not order (send/result)")
def _():
    with connect(MAIN) as c:
        slow = c.send("sleep", 400)
        fast = c.send("double", 21)
        equal(fast.result(timeout=5), 42)
        check(not slow.done(), "the slow job finished before the fast one")
        equal(slow.result(timeout=5), 400)
        check(slow.done() and fast.done(), "done() is false")
        try:
            c.send("sleep", 300).result(timeout=0.05)
            raise AssertionError("result(timeout=) did not time out")
        except TimeoutError:
            pass
        check(not c.closed, "a wait that timed out closed the connection")


@case("sync: 10,000 jobs in flight through a pipeline, all correct")
def _():
    with connect(MAIN) as c:
        p = c.pipeline()
        jobs = [p.send("double", n) for n in range(10000)]
        p.flush()
        check(c.outstanding > 5000, "only %d jobs outstanding after the "
              "flush" % c.outstanding)
        results = p.execute()
        equal(results, [2 * n for n in range(10000)], "results")
        check(all(j.done() for j in jobs), "a job not done")
        equal(c.outstanding, 0, "outstanding")


@case("sync: submit_many: 10,000 jobs, window 256, results in order")
def _():
    with connect(MAIN) as c:
        most = []
        real_pump = c._pump

        def pump(deadline):
            most.append(c.outstanding)
            real_pump(deadline)
        c._pump = pump
        results = c.submit_many((("double", n) for n in range(10000)),
                                window=256)
        equal(results, [2 * n for n in range(10000)], "results")
        check(most and max(most) == 256, "at most %s outstanding"
              % (max(most) if most else 0))
        out = c.submit_many([("double", 1), ("nosuch", 1)],
                            return_exceptions=True)
        equal(out[0], 2)
        check(isinstance(out[1], ipcd.Error)
              and out[1].code == "unknown_task", repr(out[1]))
        raises_error("unknown_task", c.submit_many, [("nosuch", 1)])


@case("sync: 200 echo jobs of 64 KiB pipelined (more than the socket holds)")
def _():
    blob = os.urandom(65536)
    with connect(MAIN) as c:
        p = c.pipeline()
        for n in range(200):
            p.send("echo", [n, blob])
        results = p.execute()
        check(all(r == [n, blob] for n, r in enumerate(results)),
              "an echo came back wrong")


@case("sync: bytes, str, maps with int keys round trip through echo")
def _():
    value = {1: "one", "b": b"\x00\xff\x80", "s": "h\u00e9llo",
             "l": [None, True, False, 1.5, -7, 2 ** 64 - 1],
             "m": {b"k": [b""]}}
    with connect(MAIN) as c:
        out = c.submit("echo", value)
        equal(out, value, "echo")
        check(type(out["b"]) is bytes, "bytes came back as %r"
              % type(out["b"]))
        check(type(out["s"]) is str, "str came back as %r" % type(out["s"]))
        equal(c.submit("echo", b"raw"), b"raw")


@case("sync: unknown_task and unknown_pool; the connection goes on")
def _():
    with connect(MAIN) as c:
        e = raises_error("unknown_task", c.submit, "nosuch", 1)
        check("nosuch" in e.message, "message %r" % e.message)
        e = raises_error("unknown_pool", c.submit, "double", 1, pool="nope")
        check("nope" in e.message, "message %r" % e.message)
        raises_error("unknown_pool", c.scale, 2, pool="nope")
        raises_error("unknown_pool", c.status, pool="nope")
        equal(c.submit("double", 4), 8)


@case("sync: a job above max_message is refused locally with 'too_large'")
def _():
    with connect(MAIN) as c:
        limit = c.max_message or ipcd.DEFAULT_MAX_MESSAGE
        e = raises_error("too_large", c.send, "echo", b"x" * limit)
        check(str(limit) in e.message, e.message)
        equal(c.outstanding, 0, "outstanding")
        # had it been sent, ipcd would have closed the connection
        equal(c.submit("double", 5), 10)
        check(not c.closed, "closed")


@case("sync: scale and reload answer OK")
def _():
    with connect(MAIN) as c:
        equal(c.scale(3), None)
        pool = c.status()["pools"][0]
        equal((pool["size"], pool["ready"]), (3, 3), "size, ready")
        c.scale(2)
        equal(c.status()["pools"][0]["size"], 2, "size")
        equal(c.reload(), None)
        equal(c.submit("double", 6), 12)


@case("sync: busy with a queue of one, and the rest still run")
def _():
    with connect(TINY) as c:
        jobs = [c.send("sleep", 200) for _ in range(8)]
        outcomes = []
        for j in jobs:
            e = j.exception(timeout=10)
            outcomes.append(e.code if e else j.result())
        check("busy" in outcomes, "no busy in %r" % outcomes)
        check(200 in outcomes, "no job ran: %r" % outcomes)
        check(set(outcomes) <= {"busy", 200}, repr(outcomes))


@case("sync: local timeout: 'timeout' on time, late reply dropped, "
      "the connection goes on")
def _():
    timed_out = counter_of(SOLO, "timed_out")
    with connect(SOLO) as c:
        first = c.send("sleep", 400)
        start = time.monotonic()
        late = c.send("sleep", 1000, timeout=0.1)
        e = raises_error("timeout", late.result, timeout=5)
        took = time.monotonic() - start
        check(took < 0.45, "the timeout came after %.3f s" % took)
        check(0.09 < took, "the timeout came after %.3f s" % took)
        equal(first.result(timeout=5), 400)
        equal(c.submit("double", 7, timeout=5), 14)
        # ipcd answers the job itself ('timeout', 100 ms after it starts):
        # once its counter shows that, the late reply has reached us.
        poll_until("ipcd's own timeout",
                   lambda: c.status()["timed_out"] > timed_out)
        c.ping()
        check(not c.closed, "the late reply closed the connection")
        raises_error("timeout", late.result)
        del e
    SOLO.wait_ready(1)


@case("sync: Job.cancel: 'cancelled', late reply dropped, connection on")
def _():
    with connect(SOLO) as c:
        done = counter_of(SOLO, "done")
        job = c.send("sleep", 100)
        check(job.cancel(), "cancel() returned False")
        check(not job.cancel(), "a second cancel() returned True")
        raises_error("cancelled", job.result)
        poll_until("the cancelled job's result",
                   lambda: c.status()["done"] > done)
        equal(c.submit("double", 8), 16)


@case("sync: close() fails each outstanding job with 'closed', once")
def _():
    c = connect(MAIN)
    calls = {}

    def called(job):
        calls[job.id] = calls.get(job.id, 0) + 1
    jobs = [c.send("sleep", 100) for _ in range(5)]
    for j in jobs:
        j.add_done_callback(called)
    c.close()
    for j in jobs:
        raises_error("closed", j.result)
    equal(sorted(calls.values()), [1] * 5, "callbacks per job")
    c.close()
    equal(sorted(calls.values()), [1] * 5, "callbacks after a 2nd close")


@case("sync: ipcd killed mid-flight: every job fails 'closed' exactly once")
def _():
    doomed = Daemon("doomed-sync", "workers = 2").start()
    c = connect(doomed)
    calls = []
    jobs = [c.send("sleep", 1000) for _ in range(20)]
    for j in jobs:
        j.add_done_callback(calls.append)
    c.ping()
    doomed.signal(signal.SIGKILL)
    for j in jobs:
        raises_error("closed", j.result, timeout=5)
    equal(len(calls), 20, "callbacks")
    equal(len(set(id(j) for j in calls)), 20, "distinct jobs called back")
    start = time.monotonic()
    raises_error("closed", c.submit, "double", 1)
    check(time.monotonic() - start < 0.5, "a later call waited")
    doomed.kill()


@case("sync: shutdown is answered, then ipcd exits")
def _():
    d = Daemon("stopping", "workers = 1").start(1)
    with connect(d) as c:
        equal(c.shutdown(), None)
        equal(d.wait_exit(10), 0, "exit status")
        raises_error("closed", c.submit, "double", 1, timeout=5)


# -- asyncio --

@case("asyncio: submit, ping, status, async with")
def _():
    async def main():
        async with await ipcd.open_connection(MAIN.sock) as conn:
            equal(await conn.submit("double", 10), 20)
            check(await conn.ping() > 0, "ping")
            st = await conn.status()
            equal(len(st["workers"]), 2, "workers")
            equal(await conn.submit("echo", {1: b"\x01", "x": "y"}),
                  {1: b"\x01", "x": "y"})
        check(conn.closed, "not closed by async with")
        await araises_error("closed", conn.submit("double", 1))
    run_async(main)


@case("asyncio: 10,000 concurrent jobs on one connection, all correct")
def _():
    async def main():
        conn = await ipcd.open_connection(MAIN.sock)
        futures = [conn.send("double", n) for n in range(10000)]
        equal(conn.outstanding, 10000, "outstanding")
        equal(await asyncio.gather(*futures),
              [2 * n for n in range(10000)], "results")
        results = await asyncio.gather(
            *(conn.submit("double", n) for n in range(2000)))
        equal(results, [2 * n for n in range(2000)], "submit results")
        await conn.close()
    run_async(main)


@case("asyncio: submit_many: 10,000 jobs, window 256, results in order")
def _():
    async def main():
        conn = await ipcd.open_connection(MAIN.sock)
        most = []
        send = conn.send

        def counting_send(*args, **kwargs):
            most.append(conn.outstanding)
            return send(*args, **kwargs)
        conn.send = counting_send
        results = await conn.submit_many(
            (("double", n) for n in range(10000)), window=256)
        equal(results, [2 * n for n in range(10000)], "results")
        equal(max(most), 255, "most outstanding before a send")
        out = await conn.submit_many([("nosuch", 0), ("double", 2)],
                                     return_exceptions=True)
        equal((out[0].code, out[1]), ("unknown_task", 4))
        await conn.close()
    run_async(main)


@case("asyncio: 200 echo jobs of 64 KiB at once")
def _():
    blob = os.urandom(65536)

    async def main():
        conn = await ipcd.open_connection(MAIN.sock)
        results = await asyncio.gather(
            *(conn.submit("echo", [n, blob]) for n in range(200)))
        check(all(r == [n, blob] for n, r in enumerate(results)),
              "an echo came back wrong")
        await conn.close()
    run_async(main)


@case("asyncio: unknown_task, unknown_pool, busy, too_large")
def _():
    async def main():
        conn = await ipcd.open_connection(MAIN.sock)
        await araises_error("unknown_task", conn.submit("nosuch"))
        await araises_error("unknown_pool",
                            conn.submit("double", 1, pool="nope"))
        await araises_error("unknown_pool", conn.scale(2, pool="nope"))
        limit = conn.max_message or ipcd.DEFAULT_MAX_MESSAGE
        await araises_error("too_large", conn.submit("echo", b"x" * limit))
        equal(await conn.submit("double", 2), 4)
        await conn.close()
        tiny = await ipcd.open_connection(TINY.sock)
        outcomes = await asyncio.gather(
            *(tiny.submit("sleep", 200) for _ in range(8)),
            return_exceptions=True)
        codes = [o.code if isinstance(o, ipcd.Error) else o
                 for o in outcomes]
        check("busy" in codes and 200 in codes, repr(codes))
        await tiny.close()
    run_async(main)


@case("asyncio: local timeout on time, late reply dropped, connection on")
def _():
    async def main():
        conn = await ipcd.open_connection(SOLO.sock)
        timed_out = (await conn.status())["timed_out"]
        first = conn.send("sleep", 400)
        start = time.monotonic()
        await araises_error("timeout", conn.submit("sleep", 1000,
                                                   timeout=0.1))
        took = time.monotonic() - start
        check(0.09 < took < 0.45, "the timeout came after %.3f s" % took)
        equal(await first, 400)
        equal(await conn.submit("double", 7), 14)

        async def ipcd_timed_out():
            return (await conn.status())["timed_out"] > timed_out
        await apoll_until("ipcd's own timeout", ipcd_timed_out)
        await conn.ping()
        check(not conn.closed, "the late reply closed the connection")
        await conn.close()
    run_async(main)
    SOLO.wait_ready(1)


@case("asyncio: a cancelled task abandons its job; the connection goes on")
def _():
    async def main():
        conn = await ipcd.open_connection(SOLO.sock)
        done = (await conn.status())["done"]
        task = asyncio.ensure_future(conn.submit("sleep", 300))
        await asyncio.sleep(0.02)
        task.cancel()
        try:
            await task
            raise AssertionError("the task was not cancelled")
        except asyncio.CancelledError:
            pass
        future = conn.send("sleep", 50)
        future.cancel()
        try:
            await asyncio.wait_for(conn.submit("sleep", 100), 0.02)
            raise AssertionError("wait_for did not time out")
        except asyncio.TimeoutError:
            pass
        equal(conn.outstanding, 3, "abandoned jobs still awaited")

        async def all_answered():
            return (await conn.status())["done"] >= done + 3
        await apoll_until("the abandoned jobs' results", all_answered)
        equal(conn.outstanding, 0, "outstanding")
        equal(await conn.submit("double", 9), 18)
        check(not conn.closed, "closed")
        await conn.close()
    run_async(main)


@case("asyncio: ipcd killed mid-flight: every job fails 'closed' once")
def _():
    doomed = Daemon("doomed-async", "workers = 2").start()

    async def main():
        conn = await ipcd.open_connection(doomed.sock)
        futures = [conn.send("sleep", 1000) for _ in range(20)]
        calls = []
        for f in futures:
            f.add_done_callback(calls.append)
        await conn.ping()
        doomed.signal(signal.SIGKILL)
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        codes = [getattr(o, "code", o) for o in outcomes]
        equal(codes, ["closed"] * 20, "outcomes")
        await asyncio.sleep(0)
        equal(len(calls), 20, "callbacks")
        await araises_error("closed", conn.submit("double", 1))
        await conn.close()
    run_async(main)
    doomed.kill()


# -- a fake server --

def script_then(reply_raw):
    """A fake server that answers the PING, reads one SUBMIT, sends
    reply_raw(request) as raw bytes, and waits for the client to go."""
    def script(peer):
        peer.answer_ping()
        request = peer.recv()
        peer.send_raw(reply_raw(request))
        peer.wait_closed()
    return script


def frame_of(body):
    return len(body).to_bytes(4, "big") + body


BAD_REPLIES = [
    ("a body that is not MessagePack", lambda r: frame_of(b"\xc1")),
    ("a body with bytes left over",
     lambda r: frame_of(pack_frame({"v": 1, "type": "RESULT",
                                    "id": r["id"], "data": 1})[4:]
                        + b"\x00")),
    ("a body that is not a map", lambda r: pack_frame([1, 2, 3])),
    ("a frame of length 0", lambda r: b"\x00\x00\x00\x00"),
    ("an unknown type",
     lambda r: pack_frame({"v": 1, "type": "FOO", "id": r["id"]})),
    ("a reply to an id never asked",
     lambda r: pack_frame({"v": 1, "type": "RESULT", "id": r["id"] + 1000,
                           "data": 1})),
    ("a PONG in answer to a SUBMIT",
     lambda r: pack_frame({"v": 1, "type": "PONG", "id": r["id"]})),
    ("a reply of version 2",
     lambda r: pack_frame({"v": 2, "type": "RESULT", "id": r["id"],
                           "data": 1})),
    ("a header above 64 MiB", lambda r: b"\x04\x00\x00\x01"),
]


@case("sync fake server: malformed replies are 'bad_reply', never a hang")
def _():
    for what, reply in BAD_REPLIES:
        with FakeServer(script_then(reply)) as server:
            c = ipcd.connect(server.path, timeout=5)
            job = c.send("double", 1)
            other = c.send("double", 2)
            try:
                e = raises_error("bad_reply", job.result, timeout=5)
                raises_error("bad_reply", other.result, timeout=5)
                check(c.closed, "still open")
                raises_error("closed", c.submit, "double", 1)
            except AssertionError as e:
                raise AssertionError("%s: %s" % (what, e)) from None
            diag("%s: %s" % (what, e.message))
            c.close()


@case("sync fake server: a truncated reply, then EOF, is 'bad_reply'")
def _():
    def script(peer):
        peer.answer_ping()
        request = peer.recv()
        whole = pack_frame({"v": 1, "type": "RESULT", "id": request["id"],
                            "data": "x" * 100})
        peer.send_raw(whole[:50])
    with FakeServer(script) as server:
        c = ipcd.connect(server.path, timeout=5)
        raises_error("bad_reply", c.submit, "echo", "x" * 100)
        raises_error("closed", c.ping)


@case("sync fake server: EOF between frames is 'closed' for every job")
def _():
    def script(peer):
        peer.answer_ping()
        for _ in range(3):
            peer.recv()
    with FakeServer(script) as server:
        c = ipcd.connect(server.path, timeout=5)
        jobs = [c.send("double", n) for n in range(3)]
        for j in jobs:
            raises_error("closed", j.result, timeout=5)


@case("sync fake server: PONG's max_message refuses a big job locally")
def _():
    got = []

    def script(peer):
        peer.answer_ping(version="9.9.9", max_message=1024)
        request = peer.recv()
        got.append(request)
        peer.reply(request, "RESULT", data=len(request["data"]))
        peer.wait_closed()
    with FakeServer(script) as server:
        c = ipcd.connect(server.path, timeout=5)
        equal((c.version, c.max_message), ("9.9.9", 1024), "learnt")
        raises_error("too_large", c.send, "echo", "x" * 1024)
        equal(c.submit("echo", "y" * 900), 900)
        c.close()
    equal(len(got), 1, "requests that reached the server")
    equal(got[0]["data"], "y" * 900, "the request that reached it")


@case("sync fake server: the requests are what PROTOCOL.md says, "
      "timeouts in ms")
def _():
    got = []

    def script(peer):
        got.append(peer.answer_ping())
        for _ in range(2):
            request = peer.recv()
            got.append(request)
            peer.reply(request, "RESULT", data=None)
        peer.wait_closed()
    with FakeServer(script) as server:
        with ipcd.connect(server.path, timeout=0.25) as c:
            equal(c.submit("double", 3, pool="p", timeout=1.5), None)
            equal(c.submit("echo"), None)
    ping, first, second = got
    equal(ping, {"v": 1, "type": "PING", "id": 1}, "PING")
    equal(first, {"v": 1, "type": "SUBMIT", "id": 2, "task": "double",
                  "data": 3, "timeout": 1500, "pool": "p"}, "SUBMIT")
    equal(second, {"v": 1, "type": "SUBMIT", "id": 3, "task": "echo",
                   "data": None, "timeout": 250},
          "SUBMIT with the connection's timeout")


@case("sync fake server: a late reply after a local timeout is dropped")
def _():
    def script(peer):
        peer.answer_ping()
        slow = peer.recv()
        fast = peer.recv()	# sent after slow has timed out locally
        peer.reply(slow, "RESULT", data="late")
        peer.reply(fast, "RESULT", data="fast")
        ping = peer.recv()
        peer.reply(ping, "PONG")
        peer.wait_closed()
    with FakeServer(script) as server:
        c = ipcd.connect(server.path)
        slow = c.send("sleep", 1, timeout=0.05)
        raises_error("timeout", slow.result, timeout=5)
        equal(c.submit("double", 1, timeout=5), "fast")
        c.ping()
        check(not c.closed, "the late reply closed the connection")
        raises_error("timeout", slow.result)
        c.close()


@case("sync fake server: an ERROR with id nil at connect fails connect()")
def _():
    def script(peer):
        peer.send({"v": 1, "type": "ERROR", "id": None, "code": "forbidden",
                   "message": "uid 1000 may not use this socket"})
    with FakeServer(script) as server:
        e = raises_error("forbidden", ipcd.connect, server.path, timeout=5)
        equal(e.message, "uid 1000 may not use this socket")


@case("asyncio fake server: malformed replies are 'bad_reply', never a "
      "hang")
def _():
    async def one(what, reply):
        with FakeServer(script_then(reply)) as server:
            conn = await ipcd.open_connection(server.path, timeout=5)
            futures = [conn.send("double", 1), conn.send("double", 2)]
            outcomes = await asyncio.gather(*futures, return_exceptions=True)
            codes = [getattr(o, "code", o) for o in outcomes]
            if codes != ["bad_reply"] * 2:
                raise AssertionError("%s: %r" % (what, outcomes))
            check(conn.closed, "%s: still open" % what)
            await araises_error("closed", conn.submit("double", 1))
            await conn.close()

    async def main():
        for what, reply in BAD_REPLIES:
            await one(what, reply)
    run_async(main)


@case("asyncio fake server: truncated reply, PONG's max_message, late "
      "reply")
def _():
    def truncating(peer):
        peer.answer_ping(max_message=2048)
        request = peer.recv()
        peer.send_raw(pack_frame({"v": 1, "type": "RESULT",
                                  "id": request["id"], "data": 1})[:-1])

    def late(peer):
        peer.answer_ping()
        slow = peer.recv()
        fast = peer.recv()
        peer.reply(slow, "RESULT", data="late")
        peer.reply(fast, "RESULT", data="fast")
        peer.wait_closed()

    async def main():
        with FakeServer(truncating) as server:
            conn = await ipcd.open_connection(server.path, timeout=5)
            equal(conn.max_message, 2048, "max_message")
            await araises_error("too_large", conn.submit("echo", "x" * 2048))
            await araises_error("bad_reply", conn.submit("double", 1))
            await conn.close()
        with FakeServer(late) as server:
            conn = await ipcd.open_connection(server.path)
            await araises_error("timeout", conn.submit("sleep", 1,
                                                       timeout=0.05))
            equal(await conn.submit("double", 1, timeout=5), "fast")
            check(not conn.closed, "the late reply closed the connection")
            await conn.close()
    run_async(main)


def main():
    for d in (MAIN, SOLO, TINY):
        try:
            d.start(2 if d is MAIN else 1)
        except Exception as e:
            print("Bail out! cannot start %s: %s" % (daemon_path(), e))
            return 1
    return run_cases()


if __name__ == "__main__":
    sys.exit(main())
