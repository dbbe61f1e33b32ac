'use strict';
// The client against a fake ipcd that the test scripts: what goes on the
// wire, framing, replies out of order, late and malformed replies.
const nodeTest = require('node:test');

// every case is bounded: a client that hangs fails instead
const test = (name, fn) => nodeTest(name, { timeout: 20000 }, fn);
const assert = require('node:assert/strict');
const { connect, IpcdError, Extension } = require('..');
const { fake, closeFakes, frame, msgFrame, packr, sleep, waitFor } = require('./helpers');

nodeTest.after(closeFakes);

async function rejects(promise, code) {
  const err = await promise.then(
    (v) => assert.fail(`resolved to ${String(v)}, expected a rejection with '${code}'`),
    (e) => e);
  assert.ok(err instanceof IpcdError, `not an IpcdError: ${err && err.stack}`);
  assert.equal(err.code, code, `code '${err.code}' (${err.message}), expected '${code}'`);
  return err;
}

// A fake that answers SUBMIT with RESULT {data: data} at once.
const echo = (m, conn, id) => {
  if (m.get('type') === 'SUBMIT') conn.reply({ v: 1, type: 'RESULT', id, data: m.get('data') });
};

const submits = (f) => f.requests.filter((m) => m.get('type') === 'SUBMIT');

test('PONG tells version and max_message; a larger job is refused before it is sent', async () => {
  const f = await fake({ pong: { version: '9.8.7', max_message: 2048 }, handler: echo });
  const p = await connect({ socket: f.sock });
  assert.equal(p.version, '9.8.7');
  assert.equal(p.maxMessage, 2048);
  await rejects(p.submit('echo', Buffer.alloc(4000)), 'too_large');
  const err = await rejects(p.submit('echo', 'x'.repeat(2040)), 'too_large');
  assert.match(err.message, /2048/);
  await rejects(p.scale(1, { pool: 'p'.repeat(3000) }), 'too_large');
  // a body of exactly 2048 bytes goes
  const head = 38; // the SUBMIT envelope around a str 16 value, task 'echo'
  assert.equal((await p.submit('echo', 'y'.repeat(2048 - head))).length, 2048 - head);
  assert.equal(await p.submit('echo', 5), 5, 'the connection goes on');
  assert.deepEqual(f.bodies.map((b) => b.length <= 2048), f.bodies.map(() => true));
  assert.equal(submits(f).length, 2, 'only the two jobs that fit were sent');
  await p.close();
  await f.close();
});

test('without max_message in the PONG, 1 MiB is the limit', async () => {
  const f = await fake({ handler: echo });
  const p = await connect({ socket: f.sock });
  assert.equal(p.version, undefined);
  assert.equal(p.maxMessage, undefined);
  await rejects(p.submit('echo', Buffer.alloc(1024 * 1024)), 'too_large');
  assert.equal((await p.submit('echo', Buffer.alloc(1000 * 1024))).length, 1000 * 1024);
  await p.close();
  const q = await connect({ socket: f.sock, maxMessage: 100 });
  await rejects(q.submit('echo', Buffer.alloc(200)), 'too_large');
  await q.close();
  await f.close();
});

test('SUBMIT on the wire: ids from 1 up, the fields as given', async () => {
  const f = await fake({ handler: echo });
  const p = await connect({ socket: f.sock });
  await Promise.all([
    p.submit('double', 21),
    p.submit('resize', 'a.jpg', { pool: 'thumbs', timeout: 2000 }),
    p.submit('t', null, { timeout: 1500.2 }),
  ]);
  const [ping, ...subs] = f.requests;
  assert.deepEqual([...ping], [['v', 1], ['type', 'PING'], ['id', 1]]);
  assert.deepEqual(subs.map((m) => [...m]), [
    [['v', 1], ['type', 'SUBMIT'], ['id', 2], ['task', 'double'], ['data', 21]],
    [['v', 1], ['type', 'SUBMIT'], ['id', 3], ['task', 'resize'], ['data', 'a.jpg'],
      ['timeout', 2000], ['pool', 'thumbs']],
    [['v', 1], ['type', 'SUBMIT'], ['id', 4], ['task', 't'], ['data', null], ['timeout', 1501]],
  ]);
  // the bytes of doc/PROTOCOL.md's example, but for the id
  assert.equal(f.bodies[1].toString('hex'), '85a17601a474797065a65355424d4954a2696402a47461736ba6646f75626c65a46461746115');
  await assert.rejects(p.submit('x', 1, { timeout: -1 }), TypeError);
  await assert.rejects(p.submit('x', 1, { timeout: '5' }), TypeError);
  await assert.rejects(p.submit(42, 1), TypeError);
  await assert.rejects(p.submit('x', 1, { pool: 7 }), TypeError);
  await p.close();
  await f.close();
});

// Every extension type in a MessagePack value (a tiny walker).
function extTypes(b) {
  const types = [];
  let p = 0;
  const len = (n) => { const v = b.readUIntBE(p, n); p += n; return v; };
  const value = () => {
    const c = b[p++];
    if (c <= 0x7f || c >= 0xe0 || c === 0xc0 || c === 0xc2 || c === 0xc3) return;
    if ((c & 0xe0) === 0xa0) { p += c & 0x1f; return; }
    if ((c & 0xf0) === 0x90) { for (let i = c & 0x0f; i > 0; i--) value(); return; }
    if ((c & 0xf0) === 0x80) { for (let i = 2 * (c & 0x0f); i > 0; i--) value(); return; }
    const fixed = { 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8 };
    if (c in fixed) { p += fixed[c]; return; }
    const skip = (n) => { const size = len(n); p += size; };
    if (c === 0xc4 || c === 0xd9) return skip(1);
    if (c === 0xc5 || c === 0xda) return skip(2);
    if (c === 0xc6 || c === 0xdb) return skip(4);
    if (c === 0xdc || c === 0xdd) { for (let i = len(c === 0xdc ? 2 : 4); i > 0; i--) value(); return; }
    if (c === 0xde || c === 0xdf) { for (let i = 2 * len(c === 0xde ? 2 : 4); i > 0; i--) value(); return; }
    const fixext = { 0xd4: 1, 0xd5: 2, 0xd6: 4, 0xd7: 8, 0xd8: 16 };
    let n;
    if (c in fixext) n = fixext[c];
    else if (c === 0xc7) n = len(1);
    else if (c === 0xc8) n = len(2);
    else if (c === 0xc9) n = len(4);
    else throw new Error(`byte ${c.toString(16)} is not MessagePack`);
    types.push(b.readInt8(p++));
    p += n;
  };
  value();
  assert.equal(p, b.length, 'one value fills the body');
  return types;
}

test('only standard MessagePack goes out: no extension but the timestamp', async () => {
  const f = await fake({ handler: echo });
  const p = await connect({ socket: f.sock });
  class Point { constructor() { this.x = 1; this.y = undefined; } }
  const zoo = [
    undefined, { a: undefined }, [undefined, null], () => 1, new Error('e'), new TypeError('t'),
    new Set([1, 2]), new Map([[1, 2], ['k', new Map()]]), /re/g, new Uint16Array([1, 2]),
    new Float64Array([0.5]), new ArrayBuffer(3), new DataView(new ArrayBuffer(2)), new Point(),
    5n, -(2n ** 63n), 2n ** 64n - 1n, [new Date(0)], Object.create(null), { toJSON: () => 'j' },
    new Boolean(true), new String('s'), new Number(3), { nested: { deeper: [new Set(), new Map()] } },
    Buffer.alloc(70000), 'x'.repeat(40), 2 ** 60, NaN, -0, Infinity,
  ];
  const settled = await Promise.allSettled(zoo.map((v) => p.submit('echo', v)));
  assert.deepEqual(settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason)), []);
  const datas = f.bodies.slice(1).map((b) => {
    // the "data" value, after the envelope the client writes before it
    const at = b.indexOf(Buffer.from('a464617461', 'hex')) + 5;
    return b.subarray(at);
  });
  const found = new Set(datas.flatMap((d) => extTypes(d)));
  assert.deepEqual([...found], [-1], 'the timestamp of the Date, and nothing else');
  assert.deepEqual(submits(f).map((m) => m.get('data'))[0], null, 'undefined goes as nil');
  // what MessagePack cannot carry is refused, not thrown
  await assert.rejects(p.submit('echo', Symbol('s')));
  await assert.rejects(p.submit('echo', 2n ** 64n), RangeError);
  assert.equal(await p.submit('echo', 1), 1, 'the connection goes on');
  await p.close();
  await f.close();
});

test('replies are matched by id, not by order; requests are pipelined', async () => {
  const n = 200;
  const waiting = [];
  const f = await fake({
    handler: (m, conn, id) => {
      waiting.push([id, m.get('data')]);
      if (waiting.length < n) return; // every job is sent before any answer
      for (const [i, d] of waiting.reverse()) conn.reply({ v: 1, type: 'RESULT', id: i, data: Number(d) * 10 });
    },
  });
  const p = await connect({ socket: f.sock });
  const r = await Promise.all(Array.from({ length: n }, (_, i) => p.submit('x', i)));
  assert.deepEqual(r, Array.from({ length: n }, (_, i) => i * 10));
  await p.close();
  await f.close();
});

test('frames: many in one chunk, one cut into bytes, one larger than a chunk', async () => {
  let conn;
  const ids = [];
  const f = await fake({ handler: (m, c, id) => { conn = c; ids.push(id); } });
  const p = await connect({ socket: f.sock });
  const jobs = [0, 1, 2, 3, 4].map((i) => p.submit('x', i));
  await waitFor('5 jobs', () => ids.length === 5);
  // three replies in one write
  conn.send(Buffer.concat([0, 1, 2].map((i) => msgFrame({ v: 1, type: 'RESULT', id: ids[i], data: `r${i}` }))));
  assert.deepEqual(await Promise.all(jobs.slice(0, 3)), ['r0', 'r1', 'r2']);
  // one byte at a time, with a reply's first bytes after a whole frame
  const f3 = msgFrame({ v: 1, type: 'RESULT', id: ids[3], data: { a: [1, 2] } });
  for (const byte of f3) {
    conn.send(Buffer.from([byte]));
    await sleep(1);
  }
  assert.deepEqual(await jobs[3], { a: [1, 2] });
  // 3 MiB: many chunks
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  const f4 = msgFrame({ v: 1, type: 'RESULT', id: ids[4], data: big });
  conn.send(f4.subarray(0, 100000));
  await sleep(5);
  conn.send(f4.subarray(100000));
  assert.ok(big.equals(await jobs[4]));
  await p.close();
  await f.close();
});

test('a reply that comes after its timeout is dropped; the connection goes on', async () => {
  let conn;
  const held = [];
  const f = await fake({ handler: (m, c, id) => { conn = c; held.push(id); } });
  const p = await connect({ socket: f.sock });
  const t0 = Date.now();
  const job = p.submit('x', 1, { timeout: 50 });
  const err = await rejects(job, 'timeout');
  assert.ok(Date.now() - t0 >= 45);
  assert.match(err.message, /50 ms/);
  const next = p.submit('x', 2);
  await waitFor('2 jobs', () => held.length === 2);
  conn.reply({ v: 1, type: 'RESULT', id: held[0], data: 'late' });
  conn.reply({ v: 1, type: 'RESULT', id: held[1], data: 'on time' });
  assert.equal(await next, 'on time');
  assert.equal(p.isClosed, false);
  // the late id is forgotten once its reply came: a second one is bad
  const third = p.submit('x', 3);
  conn.reply({ v: 1, type: 'RESULT', id: held[0], data: 'again' });
  await rejects(third, 'bad_reply');
  await f.close();
});

test('an aborted job is dropped locally, and its late reply too', async () => {
  let conn;
  const held = [];
  const f = await fake({ handler: (m, c, id) => { conn = c; held.push(id); } });
  const p = await connect({ socket: f.sock });
  const ac = new AbortController();
  const job = p.submit('x', 1, { signal: ac.signal });
  await waitFor('the job', () => held.length === 1);
  ac.abort();
  const err = await rejects(job, 'aborted');
  assert.equal(err.cause, ac.signal.reason);
  await rejects(p.submit('x', 2, { signal: ac.signal }), 'aborted');
  assert.equal(held.length, 1, 'a job aborted already is not sent');
  conn.reply({ v: 1, type: 'RESULT', id: held[0], data: 'late' });
  const next = p.submit('x', 3);
  await waitFor('the next job', () => held.length === 2);
  conn.reply({ v: 1, type: 'RESULT', id: held[1], data: 'ok' });
  assert.equal(await next, 'ok');
  await p.close();
  await f.close();
});

test('writes: the frames of one tick go in one write, and drain is awaited', async () => {
  const f = await fake({ handler: echo });
  const p = await connect({ socket: f.sock });
  const writes = [];
  const write = p.sock.write;
  p.sock.write = function (chunk, ...rest) {
    writes.push({ bytes: chunk.length, needDrain: this.writableNeedDrain });
    return write.call(this, chunk, ...rest);
  };
  await Promise.all(Array.from({ length: 1000 }, (_, i) => p.submit('x', i)));
  assert.equal(writes.length, 1, `1000 jobs in ${writes.length} writes`);
  // a peer that does not read: the client waits for drain between writes
  const server = f.conns[0].socket;
  server.pause();
  writes.length = 0;
  const jobs = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 5; i++) jobs.push(p.submit('x', Buffer.alloc(64 * 1024, round)));
    await sleep(2);
  }
  const stalled = writes.length;
  assert.ok(writes.every((w) => !w.needDrain), 'no write while the socket waits for drain');
  assert.ok(stalled < 5, `${stalled} writes for 20 ticks of jobs while the peer did not read`);
  server.resume();
  const results = await Promise.all(jobs);
  results.forEach((r, i) => assert.equal(r[0], Math.floor(i / 5)));
  await p.close();
  await f.close();
});

test('close() rejects what is outstanding with closed, and later requests too', async () => {
  const f = await fake({ handler: () => {} });
  const p = await connect({ socket: f.sock });
  const jobs = [1, 2, 3].map((i) => p.submit('x', i));
  const outcomes = [...jobs, p.status()].map((j) => rejects(j, 'closed'));
  await sleep(5);
  await p.close();
  await Promise.all(outcomes);
  await rejects(p.submit('x', 4), 'closed');
  assert.equal((await p.closed).code, 'closed');
  await p.close(); // twice is fine
  await f.close();
});

test('the fake hanging up fails what is outstanding with closed, mid-frame too', async () => {
  let conn;
  const f = await fake({ handler: (m, c) => { conn = c; } });
  const p = await connect({ socket: f.sock });
  const job = p.submit('x', 1);
  await waitFor('the job', () => conn);
  conn.send(msgFrame({ v: 1, type: 'RESULT', id: 2, data: 'cut' }).subarray(0, 10));
  await sleep(5);
  conn.socket.end();
  await rejects(job, 'closed');
  await rejects(p.submit('x', 2), 'closed');
  await f.close();
});

test('an ERROR with id nil ends the connection with its code', async () => {
  const refuse = await fake({ handler: () => {} });
  // refuse at connect as ipcd does: ERROR forbidden, id nil, then close
  refuse.onRequest = (m, conn) => {
    conn.reply({ v: 1, type: 'ERROR', id: null, code: 'forbidden', message: 'uid 1 may not use this socket' });
    conn.socket.end();
  };
  const err = await rejects(connect({ socket: refuse.sock }), 'forbidden');
  assert.match(err.message, /may not use/);
  await refuse.close();

  let conn;
  const f = await fake({ handler: (m, c) => { conn = c; } });
  const p = await connect({ socket: f.sock });
  const job = p.submit('x', 1);
  await waitFor('the job', () => conn);
  conn.reply({ v: 1, type: 'ERROR', id: null, code: 'too_large', message: 'frame too large' });
  await rejects(job, 'too_large');
  await rejects(p.submit('x', 2), 'closed');
  await f.close();
});

// Each malformed reply: the outstanding job fails with bad_reply, the
// connection is dropped, later requests fail with closed, nothing throws.
const ID = Symbol('the id of the job');
const bad = {
  'a frame of length 0': () => Buffer.alloc(4),
  'a frame header above 64 MiB': () => Buffer.from([0x04, 0x00, 0x00, 0x01]),
  'a body that is not MessagePack': () => frame(Buffer.from([0xc1])),
  'a body with bytes after the value': (id) => frame(Buffer.concat([packr.pack({ v: 1, type: 'RESULT', id, data: 1 }), Buffer.from([0])])),
  'a body cut short': () => frame(Buffer.from([0x84, 0xa1, 0x76, 0x01, 0xa4])),
  'a body that is not a map': (id) => frame(packr.pack([1, 'RESULT', id])),
  'a reply of version 2': (id) => msgFrame({ v: 2, type: 'RESULT', id, data: 1 }),
  'a reply without a type': (id) => msgFrame({ v: 1, id, data: 1 }),
  'a reply of an unknown type': (id) => msgFrame({ v: 1, type: 'BOGUS', id }),
  'a request type sent back': (id) => msgFrame({ v: 1, type: 'SUBMIT', id, task: 'x' }),
  'a reply for an id never asked': () => msgFrame({ v: 1, type: 'RESULT', id: 999, data: 1 }),
  'a reply for an id above 2^53': () => frame(Buffer.concat([Buffer.from('84a17601a474797065a6524553554c54a26964cf0100000000000000a464617461c0', 'hex')])),
  'a reply whose id is negative': () => msgFrame({ v: 1, type: 'RESULT', id: -2, data: 1 }),
  'a PONG in answer to a SUBMIT': (id) => msgFrame({ v: 1, type: 'PONG', id }),
  'an ERROR without a code': (id) => msgFrame({ v: 1, type: 'ERROR', id, message: 'm' }),
  'an ERROR whose message is a number': (id) => msgFrame({ v: 1, type: 'ERROR', id, code: 'c', message: 5 }),
  'a RESULT without an id': () => msgFrame({ v: 1, type: 'RESULT', id: null, data: 1 }),
  'a second RESULT for one job': (id) => Buffer.concat([
    msgFrame({ v: 1, type: 'RESULT', id: id - 1, data: 'first' }), // the job before: see below
    msgFrame({ v: 1, type: 'RESULT', id: id - 1, data: 'again' }),
  ]),
};
for (const [what, make] of Object.entries(bad)) {
  test(`bad_reply: ${what}`, async () => {
    let conn;
    const ids = [];
    const f = await fake({ handler: (m, c, id) => { conn = c; ids.push(id); } });
    const p = await connect({ socket: f.sock });
    const uncaught = [];
    const onUncaught = (e) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const before = p.submit('x', 0);
      const job = p.submit('x', 1);
      await waitFor('the jobs', () => ids.length === 2);
      const outcome = [before.then((v) => v, (e) => e.code)];
      conn.send(make(ids[1]));
      const err = await rejects(job, 'bad_reply');
      assert.notEqual(err.message, '');
      const first = await outcome[0];
      assert.ok(first === 'first' || first === 'bad_reply', `the job before: ${first}`);
      assert.equal((await p.closed).code, 'bad_reply');
      await rejects(p.submit('x', 2), 'closed');
      await sleep(5);
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      await f.close();
    }
  });
}

test('an extension value from a worker comes back as an Extension', async () => {
  let conn;
  const f = await fake({ handler: (m, c, id) => { conn = c; conn.id = id; } });
  const p = await connect({ socket: f.sock });
  const job = p.submit('x', 1);
  await waitFor('the job', () => conn);
  // {"data": [ext 5 "ab", fixext1 type 0 (msgpackr's undefined), timestamp]}
  const head = Buffer.from(packr.pack({ v: 1, type: 'RESULT', id: conn.id }));
  head[0] += 1;
  const data = Buffer.from('a464617461' + '93' + 'c70205' + '6162' + 'd40007' + 'd6ff00000001', 'hex');
  conn.send(frame(Buffer.concat([head, data])));
  const [e5, e0, date] = await job;
  assert.ok(e5 instanceof Extension);
  assert.equal(e5.type, 5);
  assert.equal(e5.data.toString(), 'ab');
  assert.ok(e0 instanceof Extension);
  assert.equal(e0.type, 0);
  assert.deepEqual(date, new Date(1000));
  await p.close();
  await f.close();
});

test('no socket: connect rejects with the system error', async () => {
  await assert.rejects(connect({ socket: '/nonexistent/ipcd.sock' }), { code: 'ENOENT' });
});

test('bad arguments reject with a TypeError, never throw', async () => {
  await assert.rejects(connect({ maxMessage: 'big' }), TypeError);
  await assert.rejects(connect({ timeout: -1 }), TypeError);
  const f = await fake({ handler: echo });
  const p = await connect({ socket: f.sock });
  for (const call of [() => p.submit(), () => p.submit('x', 1, { timeout: NaN }), () => p.scale(-1),
    () => p.scale(1.5), () => p.status({ pool: 3 }), () => p.ping({ timeout: 'soon' })]) {
    let promise;
    assert.doesNotThrow(() => { promise = call(); });
    await assert.rejects(promise, TypeError);
  }
  assert.equal(await p.submit('x', 'still fine'), 'still fine');
  await p.close();
  await f.close();
});
