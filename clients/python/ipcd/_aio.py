"""The asyncio flavour: AsyncConnection, made by ipcd.open_connection().

One asyncio.Protocol reads the socket: each batch of bytes that arrives is
cut into frames and every reply goes to the future waiting for its id.
Requests made within one turn of the event loop go out in one write.
"""
import asyncio
import collections

from . import _wire
from ._wire import Error

_Pending = collections.namedtuple("_Pending", "future kind timer")


class _Protocol(asyncio.Protocol):
    def __init__(self, conn):
        self._conn = conn

    def data_received(self, data):
        self._conn._data(data)

    def eof_received(self):
        return False		# close the transport

    def connection_lost(self, exc):
        self._conn._connection_lost(exc)

    def pause_writing(self):
        self._conn._paused = True

    def resume_writing(self):
        self._conn._paused = False
        self._conn._wake_writers()


async def open_connection(socket=None, timeout=None, *, ping=True,
                          max_message=None):
    """Connect to ipcd; returns an AsyncConnection.

    socket is the control socket's path (default: $IPCD_SOCKET, else
    /run/ipcd/ipcd.sock); timeout (seconds, default none) bounds the
    connect and is the default timeout of every request. With ping, a PING
    is sent at once and its PONG awaited, which tells the daemon's version
    and max_message when it gives them.
    """
    conn = AsyncConnection(socket, timeout, max_message)
    await conn._open(ping)
    return conn


class AsyncConnection:
    """A connection to ipcd for asyncio code; see ipcd.open_connection()."""

    def __init__(self, socket=None, timeout=None, max_message=None):
        self.path = _wire.socket_path(socket)
        self.timeout = _wire.seconds(timeout)
        self.version = None
        self.max_message = None
        self._max_send = max_message
        self._limit_send = max_message or _wire.DEFAULT_MAX_MESSAGE
        self._limit_recv = _wire.PROTOCOL_MAX_MESSAGE
        self._packer = _wire.new_packer()
        self._pending = {}
        self._next_id = 1
        self._in = bytearray()
        self._out = []
        self._flush_handle = None
        self._paused = False
        self._writers = []	# futures waiting for the write side
        self._room = []		# futures waiting for replies (windows)
        self._closed = None
        self._loop = None
        self._transport = None
        self._lost = None

    async def _open(self, ping):
        self._loop = asyncio.get_running_loop()
        self._lost = self._loop.create_future()
        try:
            connect = self._loop.create_unix_connection(
                lambda: _Protocol(self), self.path)
            if self.timeout is not None:
                connect = asyncio.wait_for(connect, self.timeout)
            self._transport, _ = await connect
        except asyncio.TimeoutError:
            self._closed = "cannot connect"
            raise Error("timeout", "cannot connect to %s within %g s"
                        % (self.path, self.timeout)) from None
        except OSError as e:
            self._closed = "cannot connect"
            raise Error("closed", "cannot connect to %s: %s"
                        % (self.path, e.strerror or e)) from None
        if ping:
            try:
                await self.ping()
            except BaseException:
                await self.close()
                raise

    def __repr__(self):
        return "<ipcd.AsyncConnection %s%s>" % (
            self.path, " closed" if self._closed else "")

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    @property
    def closed(self):
        """True once the connection has ended or been closed."""
        return self._closed is not None

    @property
    def outstanding(self):
        """Requests sent and not yet answered (abandoned ones included)."""
        return len(self._pending)

    # -- jobs --

    def send(self, task, data=None, *, pool=None, timeout=None):
        """Send one job; returns an asyncio.Future of its result.

        The job goes out with the other requests of this turn of the event
        loop. Cancelling the future abandons the job (its reply is dropped).
        """
        if self._closed is not None:
            raise Error("closed", self._closed)
        _wire.check_task(task, pool)
        timeout = self.timeout if timeout is None else _wire.seconds(timeout)
        id = self._new_id()
        frame = _wire.frame(self._packer,
                            _wire.submit_msg(id, task, data, pool, timeout))
        if len(frame) - 4 > self._limit_send:
            raise _wire.too_large(len(frame) - 4, self._limit_send)
        return self._queue(id, "SUBMIT", frame, timeout)

    async def submit(self, task, data=None, *, pool=None, timeout=None):
        """Run one job and return its result; raises ipcd.Error.

        If the task awaiting it is cancelled, the job is abandoned (its
        reply will be dropped) and CancelledError propagates.
        """
        if self._paused:
            await self._writable()
        return await self.send(task, data, pool=pool, timeout=timeout)

    async def submit_many(self, jobs, *, pool=None, timeout=None,
                          window=256, return_exceptions=False):
        """Run many jobs, (task, data) pairs, at most window at a time.

        Returns their results in the order of jobs. A failed job raises its
        ipcd.Error (the first in order) once every job is done; with
        return_exceptions, the Error takes its place in the list instead.
        """
        if window < 1:
            raise ValueError("window must be at least 1")
        futures = []
        try:
            for task, data in jobs:
                while len(self._pending) >= window and self._closed is None:
                    await self._wait_room()
                if self._paused:
                    await self._writable()
                try:
                    futures.append(self.send(task, data, pool=pool,
                                             timeout=timeout))
                except Error as e:
                    failed = self._loop.create_future()
                    failed.set_exception(e)
                    futures.append(failed)
            results = []
            first = None
            for future in futures:
                try:
                    results.append(await future)
                except Error as e:
                    if first is None:
                        first = e
                    results.append(e)
        except asyncio.CancelledError:
            for future in futures:
                future.cancel()
            raise
        if first is not None and not return_exceptions:
            raise first
        return results

    # -- control --

    async def status(self, pool=None):
        """The STATUS reply's fields as a dict (every pool, or one)."""
        return _wire.body(await self._control("STATUS", pool=pool))

    async def ping(self):
        """Send PING, await PONG; returns the round trip in seconds."""
        start = self._loop.time()
        msg = await self._control("PING")
        elapsed = self._loop.time() - start
        self.version, self.max_message = _wire.pong_info(msg)
        if self.max_message is not None:
            if self._max_send is None:
                self._limit_send = self.max_message
        return elapsed

    async def reload(self):
        """Ask ipcd to read its config again; returns once it is applied."""
        await self._control("RELOAD")

    async def scale(self, count, pool=None):
        """Set the number of workers of a pool (default: the built-in one)."""
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("count must be an int")
        await self._control("SCALE", pool=pool, count=count)

    async def shutdown(self):
        """Ask ipcd to stop (answered before it drains)."""
        await self._control("SHUTDOWN")

    async def close(self):
        """Close the connection: outstanding jobs fail with 'closed'."""
        self._end(Error("closed", "the connection was closed"),
                  "the connection was closed")
        if self._lost is not None and not self._lost.done():
            await asyncio.shield(self._lost)

    # -- inside --

    def _new_id(self):
        while True:
            id = self._next_id
            self._next_id = id + 1 if id + 1 < _wire.ID_LIMIT else 1
            if id not in self._pending:
                return id

    def _queue(self, id, kind, frame, timeout):
        future = self._loop.create_future()
        timer = None
        if timeout is not None:
            timer = self._loop.call_later(timeout, _expire, future)
        self._pending[id] = _Pending(future, kind, timer)
        self._out.append(frame)
        if self._flush_handle is None:
            self._flush_handle = self._loop.call_soon(self._flush)
        return future

    def _flush(self):
        self._flush_handle = None
        if self._out and self._closed is None:
            out, self._out = self._out, []
            self._transport.write(b"".join(out))

    async def _control(self, kind, pool=None, count=None):
        if self._closed is not None:
            raise Error("closed", self._closed)
        if pool is not None and not isinstance(pool, str):
            raise TypeError("pool must be a str or None")
        id = self._new_id()
        frame = _wire.frame(self._packer,
                            _wire.control_msg(id, kind, pool, count))
        return await self._queue(id, kind, frame, self.timeout)

    async def _writable(self):
        while self._paused and self._closed is None:
            waiter = self._loop.create_future()
            self._writers.append(waiter)
            await waiter

    def _wake_writers(self):
        writers, self._writers = self._writers, []
        for waiter in writers:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait_room(self):
        waiter = self._loop.create_future()
        self._room.append(waiter)
        await waiter

    def _wake_room(self):
        room, self._room = self._room, []
        for waiter in room:
            if not waiter.done():
                waiter.set_result(None)

    def _data(self, data):
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
            self._end(Error("bad_reply", str(e)), str(e))
        if self._room:
            self._wake_room()

    def _dispatch(self, msgs):
        pending = self._pending
        check = _wire.check_reply
        for msg in msgs:
            id, kind = check(msg)
            entry = pending.pop(id, None)
            if entry is None:
                if id is None and kind == "ERROR":
                    error = _wire.reply_error(msg)
                    self._end(error, "the connection was dropped after an "
                              "ERROR without an id: %s" % (error,))
                    return
                raise _wire.BadReply("a reply to id %s, which was never "
                                     "asked" % (id,))
            future, want, timer = entry
            if timer is not None:
                timer.cancel()
            if future.done():
                continue	# abandoned: timed out or cancelled
            if kind == "RESULT" and want == "SUBMIT":
                future.set_result(msg.get("data"))
            elif kind == "ERROR":
                future.set_exception(_wire.reply_error(msg))
            elif kind == _wire.REPLY_TYPES[want]:
                future.set_result(msg)
            else:
                why = "a %s in answer to a %s" % (kind, want)
                future.set_exception(Error("bad_reply", why))
                raise _wire.BadReply(why)

    def _connection_lost(self, exc):
        if self._in and self._closed is None:
            self._end(Error("bad_reply", "the connection ended in the "
                            "middle of a frame (a truncated reply)"),
                      "the connection ended in the middle of a frame")
        else:
            why = "ipcd closed the connection"
            if exc is not None:
                why = "the connection ended: %s" % (exc,)
            self._end(Error("closed", why), why)
        if not self._lost.done():
            self._lost.set_result(None)

    def _end(self, error, reason):
        """Drop the connection; fail every outstanding request, once."""
        if self._closed is not None:
            return
        self._closed = reason
        self._out = []
        self._in = bytearray()
        if self._transport is not None:
            self._transport.abort()
        pending, self._pending = self._pending, {}
        for future, _, timer in pending.values():
            if timer is not None:
                timer.cancel()
            if not future.done():
                future.set_exception(error)
        self._wake_writers()
        self._wake_room()


def _expire(future):
    # The entry stays in _pending, so that the late reply is dropped.
    if not future.done():
        future.set_exception(Error("timeout", "no answer within the job's "
                                   "timeout"))
