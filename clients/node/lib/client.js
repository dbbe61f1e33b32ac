'use strict';
// One connection to ipcd, with any number of requests outstanding on it.
//
// Each request gets the next id (1, 2, 3, ...) and waits in `pending` until
// the reply with that id comes; replies are matched by id, never by order.
// A request given up locally (its timeout passed, or its AbortSignal fired)
// leaves `pending` for `abandoned`, so that its late reply is recognised and
// dropped. Frames written in one turn of the event loop go out in one write.
// Whatever ends the connection fails every outstanding request once, with
// one error, and every later request at once.

const net = require('net');
const wire = require('./wire');
const { Deadlines } = require('./deadlines');
const { IpcdError, CLOSED, BAD_REPLY, TOO_LARGE, TIMEOUT, ABORTED } = require('./errors');

const DEFAULT_SOCKET = '/run/ipcd/ipcd.sock';
const MAX_TIMEOUT = 0xffffffff; // SUBMIT's "timeout" is a uint32 of ms

// The reply each request expects, besides ERROR.
const REPLY_OF = {
  SUBMIT: 'RESULT',
  STATUS: 'STATUS',
  PING: 'PONG',
  RELOAD: 'OK',
  SCALE: 'OK',
  SHUTDOWN: 'OK',
};

class Request {
  constructor(kind, resolve, reject) {
    this.kind = kind;
    this.resolve = resolve;
    this.reject = reject;
    this.id = 0;
    this.signal = null;
    this.deadline = 0;
    this.dq = null;      // its Deadlines queue while it has a local timeout
    this.timeout = 0;
  }
}

function socketPath(options) {
  if (options.socket !== undefined && options.socket !== null) return String(options.socket);
  return process.env.IPCD_SOCKET || DEFAULT_SOCKET;
}

// A timeout option: undefined (none given), or ms >= 0 (0: no limit).
function checkTimeout(t, what) {
  if (t === undefined || t === null) return undefined;
  if (typeof t !== 'number' || !(t >= 0)) {
    throw new TypeError(`${what} must be a number of milliseconds, 0 or more`);
  }
  return t;
}

function checkName(s, what) {
  if (s === undefined || s === null) return undefined;
  if (typeof s !== 'string') throw new TypeError(`${what} must be a string`);
  return s;
}

function abortError(signal) {
  return new IpcdError(ABORTED, 'the request was aborted', { cause: signal.reason });
}

class Client {
  constructor(options = {}) {
    this.path = socketPath(options);
    this.defaultTimeout = checkTimeout(options.timeout, 'timeout');
    const fallback = options.maxMessage === undefined || options.maxMessage === null
      ? wire.DEFAULT_MAX_MESSAGE : options.maxMessage;
    if (!Number.isInteger(fallback) || fallback < 1) throw new TypeError('maxMessage must be a whole number of bytes');
    this.version = undefined;    // the daemon's, from its PONG
    this.maxMessage = undefined; // the daemon's max_message, from its PONG
    this.limit = fallback;       // the largest body sent
    this.nextId = 1;
    this.pending = new Map();   // id -> Request
    this.abandoned = new Set(); // ids given up on whose reply has not come
    this.signals = new Map();   // AbortSignal -> { reqs: Set of Requests, listener }
    this.deadlines = new Deadlines((req) => this.giveUp(req,
      new IpcdError(TIMEOUT, `no answer within ${req.timeout} ms`)));
    this.out = new wire.Output();
    this.reader = new wire.FrameReader((buf, start, end) => this.onFrame(buf, start, end),
      wire.PROTOCOL_MAX_MESSAGE);
    this.flushQueued = false;
    this.draining = false;      // waiting for 'drain'
    this.error = null;          // what ended the connection
    this.sock = null;
    let done;
    this.closed = new Promise((resolve) => { done = resolve; });
    this.closedResolve = done;
  }

  // Connect, then PING: resolves once the PONG is in.
  open() {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ path: this.path });
      this.sock = sock;
      let connected = false;
      sock.on('connect', () => {
        connected = true;
        this.ping({ timeout: this.defaultTimeout }).then(() => resolve(this), (err) => {
          this.fail(err);
          reject(err);
        });
      });
      sock.on('data', (chunk) => this.onData(chunk));
      sock.on('drain', () => {
        this.draining = false;
        this.flush();
      });
      sock.on('end', () => this.fail(new IpcdError(CLOSED, 'ipcd closed the connection')));
      sock.on('error', (err) => {
        if (!connected) {
          reject(err);
          this.fail(new IpcdError(CLOSED, `cannot connect to ${this.path}: ${err.message}`, { cause: err }));
        } else {
          this.fail(new IpcdError(CLOSED, `connection to ipcd failed: ${err.message}`, { cause: err }));
        }
      });
      sock.on('close', () => {
        this.fail(new IpcdError(CLOSED, 'the connection to ipcd is closed'));
        this.closedResolve(this.error);
      });
    });
  }

  get isClosed() {
    return this.error !== null;
  }

  // ---- requests ------------------------------------------------------

  submit(task, data, options) {
    let timeout, pool, signal;
    try {
      if (typeof task !== 'string') throw new TypeError('task must be a string');
      if (options !== undefined && options !== null) {
        timeout = checkTimeout(options.timeout, 'timeout');
        pool = checkName(options.pool, 'pool');
        signal = options.signal;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (timeout === undefined) timeout = this.defaultTimeout;
    if (this.error !== null) return Promise.reject(this.closedError());
    if (signal && signal.aborted) return Promise.reject(abortError(signal));
    if (data instanceof Uint8Array && data.length > this.limit) return Promise.reject(this.tooLarge(data.length));
    const id = this.newId();
    let n;
    try {
      n = wire.writeSubmit(this.out, id, task, data,
        timeout === undefined ? undefined : Math.min(Math.ceil(timeout), MAX_TIMEOUT),
        pool, this.limit);
    } catch (err) {
      return Promise.reject(err);
    }
    if (n < 0) return Promise.reject(this.tooLarge());
    return this.track(id, 'SUBMIT', timeout, signal);
  }

  status(options) {
    return this.control('STATUS', options, (o) => {
      const pool = checkName(o.pool, 'pool');
      return pool === undefined ? undefined : { pool };
    });
  }

  ping(options) {
    return this.control('PING', options);
  }

  reload(options) {
    return this.control('RELOAD', options);
  }

  scale(count, options) {
    return this.control('SCALE', options, (o) => {
      if (!Number.isInteger(count) || count < 0) throw new TypeError('count must be an unsigned integer');
      const pool = checkName(o.pool, 'pool');
      return pool === undefined ? { count } : { count, pool };
    });
  }

  shutdown(options) {
    return this.control('SHUTDOWN', options);
  }

  // A request other than SUBMIT; fields(options) gives its own fields. Its
  // timeout, if any, is local only.
  control(type, options, fields) {
    const o = options === undefined || options === null ? {} : options;
    let msg, timeout;
    try {
      timeout = checkTimeout(o.timeout, 'timeout');
      const f = fields ? fields(o) : undefined;
      if (this.error !== null) throw this.closedError();
      if (o.signal && o.signal.aborted) throw abortError(o.signal);
      msg = { v: wire.VERSION, type, id: this.newId(), ...f };
      if (wire.writeMessage(this.out, msg, this.limit) < 0) throw this.tooLarge();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.track(msg.id, type, timeout, o.signal);
  }

  // The request with this id has just been written: wait for its reply.
  track(id, kind, timeout, signal) {
    let req;
    const p = new Promise((resolve, reject) => {
      req = new Request(kind, resolve, reject);
    });
    req.id = id;
    this.pending.set(id, req);
    if (timeout !== undefined && timeout > 0) {
      req.timeout = timeout;
      this.deadlines.add(req, timeout);
    }
    if (signal) this.watch(req, signal);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(flushTick, this);
    }
    return p;
  }

  newId() {
    const id = this.nextId;
    this.nextId = id === wire.MAX_ID ? 1 : id + 1;
    return id;
  }

  // One listener per AbortSignal, however many requests share it; it is
  // taken off once none of them waits.
  watch(req, signal) {
    let w = this.signals.get(signal);
    if (w === undefined) {
      w = { reqs: new Set(), listener: () => this.onAbort(signal) };
      this.signals.set(signal, w);
      signal.addEventListener('abort', w.listener, { once: true });
    }
    w.reqs.add(req);
    req.signal = signal;
  }

  unwatch(signal, w) {
    this.signals.delete(signal);
    signal.removeEventListener('abort', w.listener);
  }

  onAbort(signal) {
    const w = this.signals.get(signal);
    if (w === undefined) return;
    this.unwatch(signal, w);
    for (const req of w.reqs) {
      req.signal = null;
      this.giveUp(req, abortError(signal));
    }
  }

  // The request is answered, given up or failed: it waits for nothing now.
  settle(req) {
    if (req.dq !== null) this.deadlines.remove(req);
    if (req.signal !== null) {
      const w = this.signals.get(req.signal);
      if (w !== undefined) {
        w.reqs.delete(req);
        if (w.reqs.size === 0) this.unwatch(req.signal, w);
      }
      req.signal = null;
    }
  }

  // Stop waiting for a request whose reply may still come.
  giveUp(req, err) {
    if (this.pending.get(req.id) !== req) return;
    this.pending.delete(req.id);
    this.abandoned.add(req.id);
    this.settle(req);
    req.reject(err);
  }

  tooLarge(size) {
    const what = size === undefined ? 'the request' : `data of ${size} bytes`;
    return new IpcdError(TOO_LARGE, `${what} would exceed max_message (${this.limit} bytes)`);
  }

  closedError() {
    return new IpcdError(CLOSED, 'the connection to ipcd is closed', { cause: this.error });
  }

  // ---- writing -------------------------------------------------------

  flush() {
    if (this.draining || this.error !== null || this.out.length === 0) return;
    if (!this.sock.write(this.out.take())) this.draining = true;
  }

  // ---- reading -------------------------------------------------------

  onData(chunk) {
    if (this.error !== null) return;
    try {
      this.reader.push(chunk);
    } catch (err) {
      if (err instanceof wire.BadReply) this.fail(new IpcdError(BAD_REPLY, err.message));
      else this.fail(new IpcdError(BAD_REPLY, `a reply could not be read: ${err.message}`, { cause: err }));
    }
  }

  onFrame(buf, start, end) {
    const id = wire.fastResult(buf, start, end);
    if (id >= 0) {
      const value = wire.takeResult();
      const req = this.pending.get(id);
      if (req !== undefined && req.kind === 'SUBMIT') {
        this.pending.delete(id);
        if (req.dq !== null || req.signal !== null) this.settle(req);
        req.resolve(value);
        return;
      }
    }
    this.onMessage(wire.decodeMessage(buf.subarray(start, end)));
  }

  onMessage(m) {
    const type = m.type;
    const id = m.id;
    if (id === null) {
      // ipcd could not tell which request this answers; it closes the
      // connection after such an ERROR (forbidden, busy at connect, a
      // framing error), and no well-formed request gets one otherwise.
      if (type !== 'ERROR') throw new wire.BadReply(`a ${type} without an id`);
      this.fail(new IpcdError(m.code, m.message));
      return;
    }
    const req = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (req === undefined) {
      if (typeof id === 'number' && this.abandoned.delete(id)) return; // a late reply
      throw new wire.BadReply(`a ${type} for id ${id}, which no request outstanding has`);
    }
    if (type !== 'ERROR' && type !== REPLY_OF[req.kind]) {
      throw new wire.BadReply(`a ${type} in answer to ${req.kind} (id ${id})`);
    }
    this.pending.delete(id);
    this.settle(req);
    if (type === 'ERROR') {
      req.reject(new IpcdError(m.code, m.message));
    } else if (type === 'RESULT') {
      req.resolve(m.data === undefined ? null : m.data);
    } else if (type === 'OK') {
      req.resolve(undefined);
    } else {
      if (type === 'PONG') this.learn(m);
      req.resolve(wire.fields(m));
    }
  }

  // What a PONG tells: the daemon's version and max_message.
  learn(m) {
    if (typeof m.version === 'string') this.version = m.version;
    const size = m.max_message;
    if (Number.isInteger(size) && size > 0 && size <= wire.PROTOCOL_MAX_MESSAGE) {
      this.maxMessage = size;
      this.limit = size;
    }
  }

  // ---- ending --------------------------------------------------------

  // End the connection: every outstanding request rejects with err, and
  // every later one with 'closed'. Only the first call does anything.
  fail(err) {
    if (this.error !== null) return;
    this.error = err;
    this.reader.stopped = true;
    const reqs = [...this.pending.values()];
    this.pending.clear();
    this.abandoned.clear();
    for (const [signal, w] of this.signals) signal.removeEventListener('abort', w.listener);
    this.signals.clear();
    this.deadlines.clear();
    for (const req of reqs) {
      req.dq = null;
      req.signal = null;
      req.reject(err);
    }
    if (this.sock !== null) this.sock.destroy();
  }

  // Close the connection; what is outstanding rejects with 'closed'.
  // Resolves once the socket is closed.
  close() {
    this.fail(new IpcdError(CLOSED, 'the connection was closed by the client'));
    return this.closed.then(() => undefined);
  }
}

function flushTick(client) {
  client.flushQueued = false;
  client.flush();
}

module.exports = { Client, DEFAULT_SOCKET };
