"""What test_ipcd.py needs besides the cases: TAP output, a real daemon in
a private directory, and a fake server that says whatever a case wants.

Every wait here is bounded, and every process started is killed when the
program exits, however it exits.
"""
import asyncio
import atexit
import gc
import logging
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
CASE_SECONDS = 30	# the most any one case may take
TOTAL_SECONDS = 300	# the most the whole program may take

ROOT = tempfile.mkdtemp(prefix="ipcd-python-test.")
_daemons = []


class CaseTimeout(BaseException):
    """A case ran past CASE_SECONDS (a BaseException, so that no
    `except Exception` in the code under test swallows it)."""


def _cleanup():
    for d in _daemons:
        d.kill()
    if os.environ.get("KEEP"):
        print("# kept %s" % ROOT, flush=True)
    else:
        shutil.rmtree(ROOT, ignore_errors=True)


def _on_signal(signum, frame):
    print("Bail out! stopped by signal %d" % signum, flush=True)
    sys.exit(1)		# runs the atexit cleanup


def _on_alarm(signum, frame):
    raise CaseTimeout("the case ran for more than %d s" % CASE_SECONDS)


def _watchdog():
    print("Bail out! the tests ran for more than %d s" % TOTAL_SECONDS,
          flush=True)
    for d in _daemons:
        d.kill()
    shutil.rmtree(ROOT, ignore_errors=True)
    os._exit(1)


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGALRM, _on_alarm)
_dog = threading.Timer(TOTAL_SECONDS, _watchdog)
_dog.daemon = True
_dog.start()


def diag(text):
    for line in str(text).rstrip("\n").split("\n"):
        print("# " + line, flush=True)


class _LogCatcher(logging.Handler):
    """Records what the library logs: an exception in a callback."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


# -- cases and TAP --

_cases = []


def case(description):
    """Register the decorated function as one TAP case."""
    def register(fn):
        _cases.append((description, fn))
        return fn
    return register


def run_cases():
    """Run every case, print TAP, and return the exit status."""
    catcher = _LogCatcher()
    logging.getLogger("ipcd").addHandler(catcher)
    print("1..%d" % len(_cases), flush=True)
    failed = 0
    for n, (description, fn) in enumerate(_cases, 1):
        catcher.records.clear()
        start = time.monotonic()
        signal.alarm(CASE_SECONDS)
        try:
            fn()
            if catcher.records:
                raise AssertionError("the library logged:\n"
                                     + "\n".join(catcher.records))
            result = None
        except (Exception, CaseTimeout):
            result = traceback.format_exc()
        finally:
            signal.alarm(0)
        gc.collect()
        took = time.monotonic() - start
        if result is None:
            print("ok %d - %s" % (n, description), flush=True)
        else:
            failed += 1
            print("not ok %d - %s" % (n, description), flush=True)
            diag(result)
            for d in _daemons:
                log = d.failed_case_log()
                if log:
                    diag("log of %s:\n%s" % (d.name, log))
        if took > 5:
            diag("case %d took %.1f s" % (n, took))
    return 1 if failed else 0


# -- checks --

def check(condition, message="check failed"):
    if not condition:
        raise AssertionError(message)


def equal(got, expected, what="value"):
    if got != expected:
        raise AssertionError("%s: expected %r, got %r"
                             % (what, expected, got))


def raises_error(code, fn, *args, **kwargs):
    """Call fn; it must raise ipcd.Error with this code. Returns it."""
    import ipcd
    try:
        value = fn(*args, **kwargs)
    except ipcd.Error as e:
        if e.code != code:
            raise AssertionError("expected ipcd.Error %r, got %r"
                                 % (code, e)) from e
        return e
    raise AssertionError("expected ipcd.Error %r, got the value %r"
                         % (code, value))


async def araises_error(code, awaitable):
    import ipcd
    try:
        value = await awaitable
    except ipcd.Error as e:
        if e.code != code:
            raise AssertionError("expected ipcd.Error %r, got %r"
                                 % (code, e)) from e
        return e
    raise AssertionError("expected ipcd.Error %r, got the value %r"
                         % (code, value))


def poll_until(what, fn, seconds=10):
    """Call fn every 10 ms until it returns a true value; return it."""
    end = time.monotonic() + seconds
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("timed out waiting: " + what)
        time.sleep(0.01)


async def apoll_until(what, fn, seconds=10):
    """As poll_until, for a coroutine function fn."""
    end = time.monotonic() + seconds
    while True:
        value = await fn()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("timed out waiting: " + what)
        await asyncio.sleep(0.01)


def run_async(coro_fn, seconds=20):
    """Run coro_fn() on a new event loop, bounded, and fail if the loop
    reported an exception nobody handled (a future's exception never
    retrieved, an exception in a callback)."""
    problems = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(
            lambda loop, context: problems.append(context.get("message")
                                                  + ": " + repr(context)))
        try:
            return await asyncio.wait_for(coro_fn(), seconds)
        finally:
            gc.collect()
            await asyncio.sleep(0)

    value = asyncio.run(main())
    if problems:
        raise AssertionError("the event loop reported:\n"
                             + "\n".join(problems))
    return value


# -- the real daemon --

def daemon_path():
    return os.environ.get("IPCD") or os.path.join(
        HERE, "..", "..", "..", "daemon", "ipcd")


class Daemon:
    """ipcd in a directory of its own, with its own config and socket."""

    def __init__(self, name, *settings):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=name + ".", dir=ROOT)
        self.sock = os.path.join(self.dir, "ipcd.sock")
        self.conf = os.path.join(self.dir, "ipcd.conf")
        self.logfile = os.path.join(self.dir, "ipcd.log")
        self.proc = None
        self._log_at = 0
        with open(self.conf, "w") as f:
            f.write("[ipcd]\nsocket = %s\n" % self.sock)
            for kv in settings:
                f.write(kv + "\n")
        _daemons.append(self)

    def start(self, workers=2):
        """Run ipcd and return once `workers` workers are ready."""
        with open(self.logfile, "ab") as log:
            self.proc = subprocess.Popen(
                [daemon_path(), "-f", self.conf], stdin=subprocess.DEVNULL,
                stdout=log, stderr=log)
        self.wait_ready(workers)
        return self

    def ready_workers(self):
        import ipcd
        if self.proc.poll() is not None:
            raise RuntimeError("ipcd exited with status %s:\n%s"
                               % (self.proc.returncode, self.log()))
        try:
            with ipcd.connect(self.sock, timeout=2) as c:
                st = c.status()
        except ipcd.Error:
            return 0
        return sum(1 for w in st["workers"] if w["state"] == "ready")

    def wait_ready(self, workers):
        poll_until("%d ready workers in %s" % (workers, self.name),
                   lambda: self.ready_workers() == workers)

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def failed_case_log(self):
        """The part of the log written since the last call."""
        text = self.log()
        new, self._log_at = text[self._log_at:], len(text)
        return new.strip()

    def signal(self, sig):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait_exit(self, seconds=10):
        return self.proc.wait(timeout=seconds)

    def kill(self):
        """SIGKILL the master and its workers: the processes whose command
        line names this daemon's own config."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for pid in self._our_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def _our_pids(self):
        conf = self.conf.encode()
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if conf in args:
                pids.append(int(entry))
        return pids


# -- the fake server --

def pack_frame(msg):
    body = msgpack.packb(msg, use_bin_type=True)
    return struct.pack(">I", len(body)) + body


class FakePeer:
    """The server's side of one connection, for a fake server's script."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(10)
        self.buf = b""

    def _read(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the client closed the connection")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next request, decoded."""
        (n,) = struct.unpack(">I", self._read(4))
        return msgpack.unpackb(self._read(n), raw=False,
                               strict_map_key=False)

    def send(self, msg):
        self.sock.sendall(pack_frame(msg))

    def send_raw(self, data):
        self.sock.sendall(data)

    def reply(self, request, type, **fields):
        msg = {"v": 1, "type": type, "id": request["id"]}
        msg.update(fields)
        self.send(msg)

    def answer_ping(self, **fields):
        """Read the client's first request, a PING, and answer PONG."""
        ping = self.recv()
        if ping.get("type") != "PING":
            raise AssertionError("the first request is not a PING: %r"
                                 % (ping,))
        self.reply(ping, "PONG", **fields)
        return ping

    def wait_closed(self, seconds=10):
        """Wait for the client to close its end; True if it did."""
        self.sock.settimeout(seconds)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except OSError:
            return False


class FakeServer:
    """A Unix socket served by a thread that runs script(peer) for one
    connection. Use with `with`; leaving it re-raises the script's failure.
    """
    _n = 0

    def __init__(self, script):
        FakeServer._n += 1
        self.path = os.path.join(ROOT, "fake%d.sock" % FakeServer._n)
        self.script = script
        self.error = None
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        self.listener.settimeout(10)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join(10)
        self.listener.close()
        if self.thread.is_alive():
            raise AssertionError("the fake server's script did not end")
        if self.error is not None and exc[0] is None:
            raise AssertionError("the fake server's script failed:\n"
                                 + self.error)

    def _serve(self):
        conn = None
        try:
            conn, _ = self.listener.accept()
            self.script(FakePeer(conn))
        except BaseException:
            self.error = traceback.format_exc()
        finally:
            if conn is not None:
                conn.close()
