'use strict';
// Requests, written straight into an Output buffer: the SUBMIT envelope by
// hand around its "data", so that a job costs no intermediate object, and
// the common kinds of value by hand too; msgpackr encodes the rest.
const { packr } = require('./msgpack');

const CHUNK = 64 * 1024;

// The bytes waiting to be written: frames are appended at pos; take() hands
// out what lies between start and pos. A region handed out is never written
// again (the socket may still hold it), so the buffer is only ever filled
// forward, and replaced once full.
class Output {
  constructor() {
    this.buf = Buffer.allocUnsafeSlow(CHUNK);
    this.start = 0;
    this.pos = 0;
  }

  get length() {
    return this.pos - this.start;
  }

  reserve(n) {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  grow(n) {
    const used = this.pos - this.start;
    const buf = Buffer.allocUnsafeSlow(Math.max(CHUNK, 2 * (used + n)));
    this.buf.copy(buf, 0, this.start, this.pos);
    this.buf = buf;
    this.start = 0;
    this.pos = used;
  }

  take() {
    const chunk = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    // nearly full, or grown for a large frame: a fresh buffer
    if (this.buf.length - this.pos < 4096 || this.buf.length > 16 * CHUNK) {
      this.buf = Buffer.allocUnsafeSlow(CHUNK);
      this.start = this.pos = 0;
    }
    return chunk;
  }

  // Drop what was written since the frame that starts rel bytes after start.
  rewind(rel) {
    this.pos = this.start + rel;
  }
}

const ascii = (s) => Buffer.from(s, 'latin1');
// "v": 1, "type": "SUBMIT", "id":
const SUBMIT_HEAD = ascii('\xa1v\x01\xa4type\xa6SUBMIT\xa2id');
const KEY_TASK = ascii('\xa4task');
const KEY_DATA = ascii('\xa4data');
const KEY_TIMEOUT = ascii('\xa7timeout');
const KEY_POOL = ascii('\xa4pool');

function putBytes(b, p, src) {
  for (let i = 0; i < src.length; i++) b[p + i] = src[i];
  return p + src.length;
}

// An unsigned integer below 2^53, in its shortest form; 9 bytes at most.
function putUint(b, p, n) {
  if (n < 0x80) {
    b[p] = n;
    return p + 1;
  }
  if (n < 0x100) {
    b[p] = 0xcc;
    b[p + 1] = n;
    return p + 2;
  }
  if (n < 0x10000) {
    b[p] = 0xcd;
    b[p + 1] = n >>> 8;
    b[p + 2] = n & 0xff;
    return p + 3;
  }
  if (n < 0x100000000) {
    b[p] = 0xce;
    b.writeUInt32BE(n, p + 1);
    return p + 5;
  }
  b[p] = 0xcf;
  b.writeUInt32BE(Math.floor(n / 0x100000000), p + 1);
  b.writeUInt32BE(n >>> 0, p + 5);
  return p + 9;
}

function putInt(b, p, n) {
  if (n >= -32) {
    b[p] = n & 0xff;
    return p + 1;
  }
  if (n >= -0x80) {
    b[p] = 0xd0;
    b.writeInt8(n, p + 1);
    return p + 2;
  }
  if (n >= -0x8000) {
    b[p] = 0xd1;
    b.writeInt16BE(n, p + 1);
    return p + 3;
  }
  if (n >= -0x80000000) {
    b[p] = 0xd2;
    b.writeInt32BE(n, p + 1);
    return p + 5;
  }
  b[p] = 0xd3;
  const hi = Math.floor(n / 0x100000000);
  b.writeInt32BE(hi, p + 1);
  b.writeUInt32BE(n - hi * 0x100000000, p + 5);
  return p + 9;
}

// A str or bin header for n bytes.
function putHead(b, p, n, fix, c8) {
  if (fix && n < 32) {
    b[p] = 0xa0 | n;
    return p + 1;
  }
  if (n < 0x100) {
    b[p] = c8;
    b[p + 1] = n;
    return p + 2;
  }
  if (n < 0x10000) {
    b[p] = c8 + 1;
    b.writeUInt16BE(n, p + 1);
    return p + 3;
  }
  b[p] = c8 + 2;
  b.writeUInt32BE(n, p + 1);
  return p + 5;
}

function putString(out, s) {
  if (s.length < 11) { // at most 30 bytes of UTF-8: a fixstr
    out.reserve(31);
    const b = out.buf;
    const n = b.write(s, out.pos + 1, 30, 'utf8');
    b[out.pos] = 0xa0 | n;
    out.pos += 1 + n;
    return;
  }
  const n = Buffer.byteLength(s);
  out.reserve(5 + n);
  const p = putHead(out.buf, out.pos, n, true, 0xd9);
  out.pos = p + out.buf.write(s, p, n, 'utf8');
}

// Any value: the common kinds by hand, the rest through msgpackr.
function putValue(out, v) {
  switch (typeof v) {
    case 'number':
      out.reserve(9);
      if (Number.isSafeInteger(v)) {
        out.pos = v >= 0 ? putUint(out.buf, out.pos, v) : putInt(out.buf, out.pos, v);
      } else {
        out.buf[out.pos] = 0xcb;
        out.buf.writeDoubleBE(v, out.pos + 1);
        out.pos += 9;
      }
      return;
    case 'string':
      putString(out, v);
      return;
    case 'boolean':
      out.reserve(1);
      out.buf[out.pos++] = v ? 0xc3 : 0xc2;
      return;
    case 'undefined':
      out.reserve(1);
      out.buf[out.pos++] = 0xc0;
      return;
    case 'object':
      if (v === null) {
        out.reserve(1);
        out.buf[out.pos++] = 0xc0;
        return;
      }
      if (v instanceof Uint8Array) {
        out.reserve(5 + v.length);
        out.pos = putHead(out.buf, out.pos, v.length, false, 0xc4);
        out.buf.set(v, out.pos);
        out.pos += v.length;
        return;
      }
      break;
  }
  const enc = packr.pack(v);
  out.reserve(enc.length);
  out.buf.set(enc, out.pos);
  out.pos += enc.length;
}

// A str value, ready to copy: task and pool names, cached.
const names = new Map();
function nameBytes(s) {
  let b = names.get(s);
  if (b === undefined) {
    const n = Buffer.byteLength(s);
    b = Buffer.allocUnsafe(n + 5);
    const p = putHead(b, 0, n, true, 0xd9);
    b.write(s, p, n, 'utf8');
    b = b.subarray(0, p + n);
    if (names.size < 1024) names.set(s, b);
  }
  return b;
}

// End the frame that begins rel bytes after out.start: write its header, or
// drop it and return -1 if its body is longer than limit.
function endFrame(out, rel, limit) {
  const at = out.start + rel;
  const n = out.pos - at - 4;
  if (n > limit) {
    out.rewind(rel);
    return -1;
  }
  out.buf.writeUInt32BE(n, at);
  return n;
}

// Append SUBMIT; timeout (ms) and pool may be undefined. Returns the body's
// length, or -1 (nothing appended) if it is longer than limit. Throws if
// msgpackr cannot encode data, having appended nothing.
function writeSubmit(out, id, task, data, timeout, pool, limit) {
  const taskb = nameBytes(task);
  const poolb = pool === undefined ? null : nameBytes(pool);
  out.reserve(64 + taskb.length + (poolb === null ? 0 : poolb.length));
  const rel = out.pos - out.start;
  let b = out.buf;
  let p = out.pos + 4;
  b[p++] = 0x85 + (timeout === undefined ? 0 : 1) + (poolb === null ? 0 : 1);
  p = putBytes(b, p, SUBMIT_HEAD);
  p = putUint(b, p, id);
  p = putBytes(b, p, KEY_TASK);
  p = putBytes(b, p, taskb);
  p = putBytes(b, p, KEY_DATA);
  out.pos = p;
  try {
    putValue(out, data);
  } catch (err) {
    out.rewind(rel);
    throw err;
  }
  if (timeout !== undefined || poolb !== null) {
    out.reserve(20 + (poolb === null ? 0 : poolb.length));
    b = out.buf;
    p = out.pos;
    if (timeout !== undefined) {
      p = putBytes(b, p, KEY_TIMEOUT);
      p = putUint(b, p, timeout);
    }
    if (poolb !== null) {
      p = putBytes(b, p, KEY_POOL);
      p = putBytes(b, p, poolb);
    }
    out.pos = p;
  }
  return endFrame(out, rel, limit);
}

// Append any other request, a map of small fields.
function writeMessage(out, msg, limit) {
  const enc = packr.pack(msg);
  out.reserve(4 + enc.length);
  const rel = out.pos - out.start;
  out.buf.set(enc, out.pos + 4);
  out.pos += 4 + enc.length;
  return endFrame(out, rel, limit);
}

module.exports = { Output, writeSubmit, writeMessage };
