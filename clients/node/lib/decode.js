'use strict';
// Replies: a FrameReader splits the byte stream into frames; a RESULT laid
// out as ipcd writes it is read by hand (fastResult), anything else is
// decoded whole and checked (decodeMessage).
const { unpackr, unpackrMaps } = require('./msgpack');

const VERSION = 1; // the protocol's

// The byte stream from ipcd cannot be trusted any more.
class BadReply extends Error {}

const bytes = (...b) => Buffer.from(b);
const ascii = (s) => Buffer.from(s, 'latin1');

// Splits the byte stream into frames and hands each body to
// onFrame(buf, start, end). A frame that arrives in pieces is gathered
// without copying until it is complete, then joined once.
class FrameReader {
  constructor(onFrame, limit) {
    this.onFrame = onFrame;
    this.limit = limit;
    this.parts = null; // the pieces of an incomplete frame
    this.have = 0;     // their total length
    this.need = 0;     // the length that completes what they start
    this.stopped = false;
  }

  // Throws BadReply for a frame that cannot be; whatever onFrame throws.
  push(chunk) {
    let buf = chunk;
    if (this.parts !== null) {
      this.parts.push(chunk);
      this.have += chunk.length;
      if (this.have < this.need) return;
      buf = Buffer.concat(this.parts, this.have);
      this.parts = null;
    }
    const end = buf.length;
    let pos = 0;
    this.need = 4;
    while (end - pos >= 4) {
      const n = buf[pos] * 0x1000000 + (buf[pos + 1] << 16 | buf[pos + 2] << 8 | buf[pos + 3]);
      if (n === 0) throw new BadReply('a frame of length 0');
      if (n > this.limit) {
        throw new BadReply(`a frame of ${n} bytes, above the limit of ${this.limit}`);
      }
      if (end - pos - 4 < n) {
        this.need = 4 + n;
        break;
      }
      pos += 4;
      this.onFrame(buf, pos, pos + n);
      if (this.stopped) return;
      pos += n;
    }
    if (pos < end) {
      this.parts = [buf.subarray(pos)];
      this.have = end - pos;
    }
  }

  // The bytes of a frame not yet complete, if any.
  get pending() {
    return this.parts === null ? 0 : this.have;
  }
}

// One MessagePack value that fills buf.
function decodeValue(buf) {
  try {
    return unpackr.unpack(buf);
  } catch (err) {
    // a map with keys a plain object cannot hold, or not MessagePack at all
    try {
      return unpackrMaps.unpack(buf);
    } catch (err2) {
      throw new BadReply(`a body that is not one MessagePack value (${err.message})`);
    }
  }
}

// The value of the last RESULT that fastResult read.
let resultValue;

// ipcd writes a RESULT as {"v": 1, "type": "RESULT", "id": ID, "data": X},
// in this order. If the body at buf[start, end) is exactly that, return ID
// and leave X in resultValue; else return -1 (it may still be valid: ask
// decodeMessage).
const RESULT_HEAD = Buffer.concat([bytes(0x84), ascii('\xa1v\x01\xa4type\xa6RESULT\xa2id')]);
function fastResult(b, start, end) {
  if (end - start < 26) return -1;
  for (let i = 0; i < RESULT_HEAD.length; i++) {
    if (b[start + i] !== RESULT_HEAD[i]) return -1;
  }
  let p = start + RESULT_HEAD.length;
  let id;
  const c = b[p];
  if (c < 0x80) {
    id = c;
    p += 1;
  } else if (c === 0xcc) {
    id = b[p + 1];
    p += 2;
  } else if (c === 0xcd) {
    id = b[p + 1] << 8 | b[p + 2];
    p += 3;
  } else if (c === 0xce) {
    id = b.readUInt32BE(p + 1);
    p += 5;
  } else if (c === 0xcf) {
    const hi = b.readUInt32BE(p + 1);
    if (hi >= 0x200000) return -1;
    id = hi * 0x100000000 + b.readUInt32BE(p + 5);
    p += 9;
  } else {
    return -1;
  }
  if (end - p < 6 || b[p] !== 0xa4 || b[p + 1] !== 0x64 || b[p + 2] !== 0x61 ||
      b[p + 3] !== 0x74 || b[p + 4] !== 0x61) return -1;
  p += 5;
  const d = b[p];
  const left = end - p;
  if (d < 0x80 && left === 1) resultValue = d;
  else if (d >= 0xe0 && left === 1) resultValue = d - 0x100;
  else if (d === 0xc0 && left === 1) resultValue = null;
  else if (d === 0xc2 && left === 1) resultValue = false;
  else if (d === 0xc3 && left === 1) resultValue = true;
  else if (d === 0xcc && left === 2) resultValue = b[p + 1];
  else if (d === 0xcd && left === 3) resultValue = b.readUInt16BE(p + 1);
  else if (d === 0xce && left === 5) resultValue = b.readUInt32BE(p + 1);
  else if (d === 0xcb && left === 9) resultValue = b.readDoubleBE(p + 1);
  else resultValue = decodeValue(b.subarray(p, end));
  return id;
}

function takeResult() {
  const v = resultValue;
  resultValue = undefined;
  return v;
}

const REPLY_TYPES = new Set(['RESULT', 'ERROR', 'STATUS', 'PONG', 'OK']);

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

// A reply's body, decoded and checked: a plain object whose "v" is 1, whose
// "type" is a reply type, whose "id" is null or an unsigned integer (a
// BigInt above 2^53), and, for an ERROR, with a string "code" and
// "message". Throws BadReply.
function decodeMessage(body) {
  let m = decodeValue(body);
  if (m instanceof Map) {
    const o = {};
    for (const [k, v] of m) {
      if (typeof k !== 'string') throw new BadReply('a reply with a key that is not a string');
      o[k] = v;
    }
    m = o;
  }
  if (!isPlainObject(m)) throw new BadReply('a reply that is not a map');
  if (m.v !== VERSION) throw new BadReply(`a reply of protocol version ${String(m.v)}`);
  if (typeof m.type !== 'string') throw new BadReply('a reply without a type');
  if (!REPLY_TYPES.has(m.type)) throw new BadReply(`a reply of unknown type '${m.type}'`);
  const id = m.id;
  if (id === undefined) {
    m.id = null;
  } else if (id !== null && !(typeof id === 'bigint' ? id >= 0n : Number.isInteger(id) && id >= 0)) {
    throw new BadReply(`a reply whose id is ${String(id)}`);
  }
  if (m.type === 'ERROR') {
    if (typeof m.code !== 'string' || m.code === '') {
      throw new BadReply('an ERROR without a code');
    }
    if (m.message === undefined) m.message = '';
    if (typeof m.message !== 'string') throw new BadReply('an ERROR whose message is not a string');
  }
  return m;
}

// A reply's own fields, without "v", "type" and "id".
function fields(m) {
  const o = {};
  for (const k of Object.keys(m)) {
    if (k !== 'v' && k !== 'type' && k !== 'id') o[k] = m[k];
  }
  return o;
}

module.exports = { VERSION, BadReply, FrameReader, decodeValue, fastResult, takeResult, decodeMessage, fields };
