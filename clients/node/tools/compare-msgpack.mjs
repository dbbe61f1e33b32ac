// The measurement behind the choice of MessagePack library (README.md, "Why
// msgpackr"): encode a SUBMIT and decode a RESULT, the envelopes a client
// handles for each job, and encode and decode a few "data" values alone,
// with msgpackr and with @msgpack/msgpack, each set up as a client of ipcd
// must (standard MessagePack only). Neither this script nor
// @msgpack/msgpack is part of the package:
//
//   npm install --no-save @msgpack/msgpack && node tools/compare-msgpack.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const { Packr, Unpackr } = require('msgpackr/index-no-eval');
const { Encoder, Decoder } = await import('@msgpack/msgpack');

// a package's version, from the package.json above its main file
function version(name) {
  for (let d = dirname(require.resolve(name)); d !== dirname(d); d = dirname(d)) {
    try {
      const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch (e) { /* not here */ }
  }
  return '?';
}

const N = Number(process.argv[2] || 500000);
const libs = {
  msgpackr: (() => {
    const p = new Packr({ useRecords: false, encodeUndefinedAsNil: true, variableMapSize: true });
    const u = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' });
    return { enc: (v) => p.pack(v), dec: (b) => u.unpack(b) };
  })(),
  '@msgpack/msgpack': (() => {
    const e = new Encoder();
    const d = new Decoder();
    return { enc: (v) => e.encode(v), dec: (b) => d.decode(b) };
  })(),
};

function ns(fn, n) {
  const t0 = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

function envelopes({ enc, dec }) {
  const replies = [];
  for (let i = 0; i < 1024; i++) replies.push(Buffer.from(enc({ v: 1, type: 'RESULT', id: 1000 + i, data: 2 * i })));
  let sink = 0;
  const e = ns((n) => {
    for (let i = 0; i < n; i++) sink += enc({ v: 1, type: 'SUBMIT', id: 1000 + i, task: 'double', data: i }).length;
  }, N);
  const d = ns((n) => {
    for (let i = 0; i < n; i++) sink += dec(replies[i & 1023]).id;
  }, N);
  return [e, d, sink];
}

const payloads = {
  int: 12345,
  'str 32': 'x'.repeat(32),
  object: { name: 'photo.jpg', width: 640, height: 480, tags: ['a', 'b'] },
  'bin 1 KiB': Buffer.alloc(1024, 7),
};

function data({ enc, dec }, v) {
  const b = Buffer.from(enc(v));
  let sink = 0;
  const e = ns((n) => { for (let i = 0; i < n; i++) sink += enc(v).length; }, N / 5);
  const d = ns((n) => { for (let i = 0; i < n; i++) sink += dec(b) ? 1 : 0; }, N / 5);
  return [e, d, sink];
}

console.log(`node ${process.version}, msgpackr ${version('msgpackr')}, @msgpack/msgpack ${version('@msgpack/msgpack')}; ns per operation, best of 3`);
for (const [name, lib] of Object.entries(libs)) {
  let best = [Infinity, Infinity];
  for (let r = 0; r < 3; r++) {
    const [e, d] = envelopes(lib);
    if (e + d < best[0] + best[1]) best = [e, d];
  }
  const cells = [];
  for (const [k, v] of Object.entries(payloads)) {
    let b = [Infinity, Infinity];
    for (let r = 0; r < 3; r++) {
      const [e, d] = data(lib, v);
      if (e + d < b[0] + b[1]) b = [e, d];
    }
    cells.push(`${k} ${b[0].toFixed(0)}+${b[1].toFixed(0)}`);
  }
  console.log(`${name.padEnd(17)} SUBMIT encode ${best[0].toFixed(0)}, RESULT decode ${best[1].toFixed(0)}, ` +
    `total ${(best[0] + best[1]).toFixed(0)} | data encode+decode: ${cells.join(', ')}`);
}
