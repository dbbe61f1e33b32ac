"""The blocking flavour: Connection, Job and Pipeline.

No thread of its own: the socket is non-blocking, and whichever call waits
(Job.result(), submit(), a full socket while writing) reads the replies that
have come, hands each to its Job by id, and expires the jobs whose timeout
has passed.
"""
import heapq
import logging
import select
import socket as _socket
import time

from . import _wire
from ._wire import Error

_POLLIN = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
_POLLOUT = select.POLLOUT | select.POLLHUP | select.POLLERR
_RECV_SIZE = 256 * 1024
_SEND_SIZE = 256 * 1024		# flush the output once this much waits
_monotonic = time.monotonic
_log = logging.getLogger("ipcd")

_PENDING, _RESULT, _FAILED = 0, 1, 2


class Job:
    """One request sent on a Connection, and later its answer.

    Made by Connection.send() and Pipeline.send(). result() waits for the
    answer, reading the connection meanwhile.
    """

    __slots__ = ("_conn", "id", "kind", "_state", "_value", "_deadline",
                 "_callbacks")

    def __init__(self, conn, id, kind):
        self._conn = conn
        self.id = id
        self.kind = kind
        self._state = _PENDING
        self._value = None
        self._deadline = None
        self._callbacks = None

    def __repr__(self):
        state = ("pending", "done", "failed")[self._state]
        return "<ipcd.Job %s id=%s %s>" % (self.kind, self.id, state)

    def done(self):
        """True once the job has its result or its error."""
        return self._state != _PENDING

    def result(self, timeout=None):
        """The job's result; raises ipcd.Error if it failed.

        timeout (seconds) bounds this wait only: when it passes, the builtin
        TimeoutError is raised and the job goes on. The job's own timeout
        (given to send()) fails it with ipcd.Error code 'timeout'.
        """
        if self._state == _PENDING:
            self._conn._wait(self, timeout)
        if self._state == _RESULT:
            return self._value
        raise self._value

    def exception(self, timeout=None):
        """The job's ipcd.Error, or None if it succeeded; waits as result()."""
        if self._state == _PENDING:
            self._conn._wait(self, timeout)
        return self._value if self._state == _FAILED else None

    def cancel(self):
        """Give up on the job: result() raises ipcd.Error code 'cancelled'.

        The daemon still runs it; its reply will be dropped. Returns False
        if the job was already done.
        """
        if self._state != _PENDING:
            return False
        self._fail(Error("cancelled", "the job was cancelled"))
        return True

    def add_done_callback(self, fn):
        """Call fn(job) once the job is done (at once if it is)."""
        if self._state != _PENDING:
            _call(fn, self)
        elif self._callbacks is None:
            self._callbacks = [fn]
        else:
            self._callbacks.append(fn)

    def _resolve(self, value):
        self._state = _RESULT
        self._value = value
        if self._callbacks is not None:
            self._run_callbacks()

    def _fail(self, error):
        self._state = _FAILED
        self._value = error
        if self._callbacks is not None:
            self._run_callbacks()

    def _run_callbacks(self):
        callbacks, self._callbacks = self._callbacks, None
        for fn in callbacks:
            _call(fn, self)


def _call(fn, job):
    try:
        fn(job)
    except Exception:
        _log.exception("ipcd: exception in a Job's done callback")


def _failed_job(conn, error):
    job = Job(conn, None, "SUBMIT")
    job._fail(error)
    return job


def gather(jobs, return_exceptions=False):
    """The results of jobs, in their order, once all are done.

    A failed job raises its ipcd.Error (the first in order), after every
    job is done; with return_exceptions, the Error takes its place in the
    list instead.
    """
    results = []
    first = None
    for job in jobs:
        if job._state == _PENDING:
            job._conn._wait(job, None)
        if job._state == _RESULT:
            results.append(job._value)
        else:
            if first is None:
                first = job._value
            results.append(job._value)
    if first is not None and not return_exceptions:
        raise first
    return results


class Connection:
    """A connection to ipcd's control socket; see ipcd.connect()."""

    def __init__(self, socket=None, timeout=None, *, ping=True,
                 max_message=None):
        self.path = _wire.socket_path(socket)
        self.timeout = _wire.seconds(timeout)
        self.version = None
        self.max_message = None
        self._max_send = max_message
        self._limit_send = max_message or _wire.DEFAULT_MAX_MESSAGE
        self._limit_recv = _wire.PROTOCOL_MAX_MESSAGE
        self._packer = _wire.new_packer()
        self._pending = {}
        self._timers = []
        self._next_id = 1
        self._out = bytearray()
        self._flushing = False
        self._in = bytearray()
        self._closed = None
        self._sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            self._sock.settimeout(self.timeout)
            try:
                self._sock.connect(self.path)
            except _socket.timeout:
                raise Error("timeout", "cannot connect to %s within %g s"
                            % (self.path, self.timeout)) from None
            except OSError as e:
                raise Error("closed", "cannot connect to %s: %s"
                            % (self.path, e.strerror or e)) from None
            self._sock.setblocking(False)
            self._poll = select.poll()
            self._poll.register(self._sock.fileno(), _POLLIN)
            if ping:
                self.ping()
        except BaseException:
            self._sock.close()
            raise

    def __repr__(self):
        return "<ipcd.Connection %s%s>" % (
            self.path, " closed" if self._closed else "")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def closed(self):
        """True once the connection has ended or been closed."""
        return self._closed is not None

    @property
    def outstanding(self):
        """Requests sent and not yet answered (abandoned ones included)."""
        return len(self._pending)

    # -- jobs --

    def submit(self, task, data=None, *, pool=None, timeout=None):
        """Run one job and return its result; raises ipcd.Error."""
        job = self._send(task, data, pool, timeout, True)
        if job._state == _PENDING:
            self._wait(job, None)
        if job._state == _RESULT:
            return job._value
        raise job._value

    def send(self, task, data=None, *, pool=None, timeout=None):
        """Send one job at once and return its Job, without waiting."""
        return self._send(task, data, pool, timeout, True)

    def pipeline(self):
        """A Pipeline: jobs sent through it are written in batches."""
        return Pipeline(self)

    def submit_many(self, jobs, *, pool=None, timeout=None, window=256,
                    return_exceptions=False):
        """Run many jobs, (task, data) pairs, at most window at a time.

        Returns their results in the order of jobs; see gather() for errors.
        """
        if window < 1:
            raise ValueError("window must be at least 1")
        handles = []
        pending = self._pending
        for task, data in jobs:
            while len(pending) >= window:
                self._pump(None)
            try:
                handles.append(self._send(task, data, pool, timeout, False))
            except Error as e:
                handles.append(_failed_job(self, e))
        self._flush(None)
        return gather(handles, return_exceptions)

    # -- control --

    def status(self, pool=None):
        """The STATUS reply's fields as a dict (every pool, or one)."""
        return _wire.body(self._control("STATUS", pool=pool))

    def ping(self):
        """Send PING, wait for PONG; returns the round trip in seconds."""
        start = _monotonic()
        msg = self._control("PING")
        elapsed = _monotonic() - start
        self._learn(msg)
        return elapsed

    def reload(self):
        """Ask ipcd to read its config again; returns once it is applied."""
        self._control("RELOAD")

    def scale(self, count, pool=None):
        """Set the number of workers of a pool (default: the built-in one)."""
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("count must be an int")
        self._control("SCALE", pool=pool, count=count)

    def shutdown(self):
        """Ask ipcd to stop (answered before it drains)."""
        self._control("SHUTDOWN")

    def close(self):
        """Close the connection: outstanding jobs fail with 'closed'."""
        if self._closed is None:
            self._end(Error("closed", "the connection was closed"),
                      "the connection was closed")

    def flush(self):
        """Write every request still waiting in the output buffer."""
        self._flush(None)

    # -- inside --

    def _learn(self, msg):
        self.version, self.max_message = _wire.pong_info(msg)
        if self.max_message is not None:
            if self._max_send is None:
                self._limit_send = self.max_message

    def _check_open(self):
        if self._closed is not None:
            raise Error("closed", self._closed)

    def _new_id(self):
        while True:
            id = self._next_id
            self._next_id = id + 1 if id + 1 < _wire.ID_LIMIT else 1
            if id not in self._pending:
                return id

    def _send(self, task, data, pool, timeout, flush):
        if self._closed is not None:
            raise Error("closed", self._closed)
        _wire.check_task(task, pool)
        timeout = self.timeout if timeout is None else _wire.seconds(timeout)
        id = self._new_id()
        frame = _wire.frame(self._packer,
                            _wire.submit_msg(id, task, data, pool, timeout))
        if len(frame) - 4 > self._limit_send:
            raise _wire.too_large(len(frame) - 4, self._limit_send)
        return self._queue(id, "SUBMIT", frame, timeout, flush)

    def _queue(self, id, kind, frame, timeout, flush):
        job = Job(self, id, kind)
        self._pending[id] = job
        if timeout is not None:
            job._deadline = _monotonic() + timeout
            heapq.heappush(self._timers, (job._deadline, id))
        self._out += frame
        if flush or len(self._out) >= _SEND_SIZE:
            self._flush(None)
        return job

    def _control(self, kind, pool=None, count=None):
        self._check_open()
        if pool is not None and not isinstance(pool, str):
            raise TypeError("pool must be a str or None")
        id = self._new_id()
        frame = _wire.frame(self._packer,
                            _wire.control_msg(id, kind, pool, count))
        job = self._queue(id, kind, frame, self.timeout, True)
        return job.result()

    def _wait(self, job, timeout):
        """Read the connection until job is done, or raise TimeoutError."""
        deadline = None if timeout is None else _monotonic() + timeout
        while job._state == _PENDING:
            self._flush(deadline)
            if job._state != _PENDING:
                break
            self._pump(deadline)
            if (deadline is not None and job._state == _PENDING
                    and _monotonic() >= deadline):
                raise TimeoutError("no answer within %g s" % timeout)

    def _pump(self, deadline):
        """Flush, wait for replies (until deadline or the next job's
        timeout), read what came, and expire the jobs past their time."""
        self._flush(deadline)
        if self._closed is not None:
            return
        until = deadline
        if self._timers and (until is None or self._timers[0][0] < until):
            until = self._timers[0][0]
        if until is None:
            ms = None
        else:
            ms = max(0, int((until - _monotonic()) * 1000) + 1)
        if self._poll.poll(ms):
            self._read()
        if self._timers:
            self._expire(_monotonic())

    def _expire(self, now):
        timers = self._timers
        pending = self._pending
        while timers and timers[0][0] <= now:
            when, id = heapq.heappop(timers)
            job = pending.get(id)
            if job is not None and job._state == _PENDING \
                    and job._deadline == when:
                # It stays in _pending, so that its late reply is dropped.
                job._fail(Error("timeout", "no answer within the job's "
                                "timeout"))

    def _flush(self, deadline):
        """Write the output buffer, reading replies whenever the socket is
        full, so that neither side waits for the other forever."""
        if self._flushing or not self._out or self._closed is not None:
            return
        self._flushing = True
        try:
            # A done callback run while reading may queue more: go on
            # until nothing is left, without ever interleaving two writes.
            while self._out and self._closed is None:
                out, self._out = self._out, bytearray()
                self._write(out, deadline)
        finally:
            self._flushing = False

    def _write(self, out, deadline):
        sent = 0
        view = memoryview(out)
        try:
            while sent < len(out):
                try:
                    sent += self._sock.send(view[sent:sent + _SEND_SIZE])
                    continue
                except BlockingIOError:
                    pass
                ms = None
                if deadline is not None:
                    ms = int((deadline - _monotonic()) * 1000) + 1
                    if ms <= 0:
                        self._out = out[sent:] + self._out
                        raise TimeoutError("the request could not be "
                                           "written in time")
                self._poll.modify(self._sock.fileno(), _POLLIN | _POLLOUT)
                events = self._poll.poll(ms)
                if self._closed is None:
                    self._poll.modify(self._sock.fileno(), _POLLIN)
                if events and events[0][1] & _POLLIN:
                    self._read()
                    if self._closed is not None:
                        return
                    if self._timers:
                        self._expire(_monotonic())
        except TimeoutError:
            raise
        except OSError as e:
            self._lost_writing(e)
        finally:
            view.release()

    def _lost_writing(self, e):
        # The daemon may have said why before it closed (an ERROR with id
        # nil: 'forbidden', 'busy' at connect): read that first.
        try:
            while self._closed is None and self._poll.poll(0):
                self._read()
        except OSError:
            pass
        if self._closed is None:
            self._drop("closed", "the connection ended: %s"
                       % (e.strerror or e,))

    def _read(self):
        try:
            data = self._sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._drop("closed", "the connection ended: %s"
                       % (e.strerror or e,))
            return
        if not data:
            if self._in:
                self._drop("bad_reply", "the connection ended in the middle "
                           "of a frame (a truncated reply)")
            else:
                self._drop("closed", "ipcd closed the connection")
            return
        msgs = []
        try:
            if self._in:
                buf = self._in
                buf += data
                del buf[:_wire.decode(buf, self._limit_recv, msgs)]
            else:
                used = _wire.decode(data, self._limit_recv, msgs)
                if used < len(data):
                    self._in = bytearray(data[used:])
            self._dispatch(msgs)
        except _wire.BadReply as e:
            self._drop("bad_reply", str(e))

    def _dispatch(self, msgs):
        pending = self._pending
        check = _wire.check_reply
        for msg in msgs:
            id, kind = check(msg)
            job = pending.pop(id, None)
            if job is None:
                if id is None and kind == "ERROR":
                    self._nil_error(msg)
                    return
                raise _wire.BadReply("a reply to id %s, which was never "
                                     "asked" % (id,))
            if job._state != _PENDING:
                continue	# abandoned: timed out or cancelled
            if kind == "RESULT" and job.kind == "SUBMIT":
                job._resolve(msg.get("data"))
            elif kind == "ERROR":
                job._fail(_wire.reply_error(msg))
            elif kind == _wire.REPLY_TYPES[job.kind]:
                job._resolve(msg)
            else:
                job._fail(Error("bad_reply", "a %s in answer to a %s"
                                % (kind, job.kind)))
                raise _wire.BadReply("a %s in answer to a %s"
                                     % (kind, job.kind))

    def _nil_error(self, msg):
        # An ERROR the daemon could not give an id to: it refused the
        # connection ('forbidden', 'busy'), or a request it could not tie
        # to an id. No request can be told apart from another any more.
        error = _wire.reply_error(msg)
        self._end(error, "the connection was dropped after an ERROR "
                  "without an id: %s" % (error,))

    def _drop(self, code, message):
        self._end(Error(code, message), message)

    def _end(self, error, reason):
        """Close the socket; fail every outstanding job with error, once."""
        if self._closed is not None:
            return
        self._closed = reason
        self._out = bytearray()
        self._in = bytearray()
        self._timers = []
        try:
            self._poll.unregister(self._sock.fileno())
        except (KeyError, ValueError, AttributeError):
            pass
        self._sock.close()
        pending, self._pending = self._pending, {}
        for job in pending.values():
            if job._state == _PENDING:
                job._fail(error)


class Pipeline:
    """Jobs that go out in batches: send() only queues a job; the batch is
    written by flush(), execute(), any wait on the connection, or when the
    buffer fills. Replies are matched by id, whatever their order.

        with conn.pipeline() as p:
            jobs = [p.send("double", n) for n in range(1000)]
            results = p.execute()
    """

    def __init__(self, conn):
        self._conn = conn
        self._jobs = []

    def __len__(self):
        return len(self._jobs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._conn._closed is None:
            self._conn._flush(None)

    def send(self, task, data=None, *, pool=None, timeout=None):
        """Queue one job; returns its Job."""
        job = self._conn._send(task, data, pool, timeout, False)
        self._jobs.append(job)
        return job

    def flush(self):
        """Write the jobs queued so far."""
        self._conn._flush(None)

    def execute(self, return_exceptions=False):
        """Write the queued jobs and return the results of those sent
        since the last execute(), in order; see gather() for errors."""
        jobs, self._jobs = self._jobs, []
        self._conn._flush(None)
        return gather(jobs, return_exceptions)
