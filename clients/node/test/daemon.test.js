'use strict';
// The client against the real ipcd: jobs, errors, timeouts, aborts, the
// control requests, and the daemon dying under it.
const nodeTest = require('node:test');

// every case is bounded: a client that hangs fails instead
const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);
test.before = nodeTest.before;
test.after = nodeTest.after;
const assert = require('node:assert/strict');
const crypto = require('crypto');
const { connect, IpcdError } = require('..');
const { startDaemon, waitFor, sleep } = require('./helpers');

// rejects(promise, code): the promise rejects with an IpcdError of that code
async function rejects(promise, code) {
  const err = await promise.then(
    (v) => assert.fail(`resolved to ${JSON.stringify(v)}, expected a rejection with '${code}'`),
    (e) => e);
  assert.ok(err instanceof IpcdError, `not an IpcdError: ${err}`);
  assert.equal(err.code, code, `code '${err.code}' (${err.message}), expected '${code}'`);
  return err;
}

let ipcd;    // 2 workers, default limits: fast jobs only
let slow;    // 2 workers for jobs that are given up while they run
let narrow;  // 1 worker holding 1 job, a queue of 2
let pool;    // a connection to ipcd
test.before(async () => {
  [ipcd, slow, narrow] = await Promise.all([
    startDaemon({ workers: 2 }),
    startDaemon({ workers: 2 }),
    startDaemon({ workers: 1, conf: ['worker_window = 1', 'queue_limit = 2'] }),
  ]);
  pool = await connect({ socket: ipcd.sock });
});
test.after(async () => {
  if (pool) await pool.close();
  await Promise.all([ipcd, slow, narrow].map((d) => d && d.kill()));
});

// A connection to the daemon d for the length of fn(connection); closing it
// drops its jobs still queued.
async function using(d, fn, options) {
  const p = await connect({ socket: d.sock, ...options });
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

test('submit resolves to the result of the job', async () => {
  assert.equal(await pool.submit('double', 10), 20);
  assert.equal(await pool.submit('double', -21), -42);
  assert.equal(await pool.submit('double', 1.25), 2.5);
  assert.equal(await pool.submit('echo', 'hello'), 'hello');
  assert.equal(await pool.submit('sha256', 'abc'),
    crypto.createHash('sha256').update('abc').digest('hex'));
});

test('connect uses $IPCD_SOCKET when no socket is given', async () => {
  const saved = process.env.IPCD_SOCKET;
  process.env.IPCD_SOCKET = ipcd.sock;
  try {
    const p = await connect();
    assert.equal(await p.submit('double', 4), 8);
    await p.close();
  } finally {
    if (saved === undefined) delete process.env.IPCD_SOCKET;
    else process.env.IPCD_SOCKET = saved;
  }
  await assert.rejects(connect({ socket: `${ipcd.dir}/nothing.sock` }), { code: 'ENOENT' });
});

test('10,000 jobs in flight at once on one connection all get their own result', async () => {
  const n = 10000;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.submit('double', i)));
  for (let i = 0; i < n; i++) assert.equal(results[i], 2 * i);
});

test('Buffer data goes as bin and comes back as a Buffer', async () => {
  const b = crypto.randomBytes(1000);
  const r = await pool.submit('echo', b);
  assert.ok(Buffer.isBuffer(r), 'the result is a Buffer');
  assert.deepEqual(r, b);
  assert.equal(r.buffer.byteLength, r.length, 'it holds its own memory, not the socket chunk it came in');
  const u = await pool.submit('echo', new Uint8Array([1, 2, 3]));
  assert.ok(Buffer.isBuffer(u));
  assert.deepEqual([...u], [1, 2, 3]);
  // sha256 hashes bin as its bytes
  assert.equal(await pool.submit('sha256', b), crypto.createHash('sha256').update(b).digest('hex'));
});

test('JavaScript values round-trip through echo', async () => {
  const values = [
    null, true, false, 0, 127, 128, 255, 256, 65535, 65536, 2 ** 32, 2 ** 53 - 1,
    -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1),
    0.5, -1e300, '', 'short', 'é'.repeat(20), 'x'.repeat(70000), '\u{1F600}',
    [], [1, [2, [3]]], {}, { a: 1, b: { c: [null, 'd'] } },
    new Date(1700000000123),
  ];
  for (const v of values) {
    assert.deepEqual(await pool.submit('echo', v), v, `echo ${String(v).slice(0, 40)}`);
  }
  assert.equal(await pool.submit('echo', undefined), null);
  assert.equal(await pool.submit('echo', 2n ** 63n), 2n ** 63n, 'a uint64 above 2^53 is a BigInt');
  assert.equal(await pool.submit('echo', -(2n ** 60n)), -(2n ** 60n));
  // keys that are not strings: numbers become string keys, and a map
  // whose keys a plain object cannot hold comes back as a Map
  assert.deepEqual(await pool.submit('echo', new Map([[1, 'one'], [2, 'two']])), { 1: 'one', 2: 'two' });
  const odd = await pool.submit('echo', new Map([[[1, 2], 'array key'], ['s', 'string key']]));
  assert.ok(odd instanceof Map, 'a map with an array key comes back as a Map');
  assert.deepEqual([...odd.values()], ['array key', 'string key']);
  assert.deepEqual([...odd.keys()][0], [1, 2]);
});

test('errors reject with the protocol code and the daemon message', async () => {
  const e1 = await rejects(pool.submit('nosuch', 1), 'unknown_task');
  assert.ok(e1 instanceof Error);
  assert.match(e1.message, /nosuch/);
  const e2 = await rejects(pool.submit('double', 'not a number'), 'bad_data');
  assert.notEqual(e2.message, '');
  await rejects(pool.submit('sleep', -5), 'bad_data');
  const e3 = await rejects(pool.submit('double', 1, { pool: 'nosuch' }), 'unknown_pool');
  assert.match(e3.message, /nosuch/);
  // and the connection goes on
  assert.equal(await pool.submit('double', 3), 6);
});

test('a timeout rejects locally; the connection and the other jobs go on', () => using(slow, async (p) => {
  const t0 = Date.now();
  const job = p.submit('sleep', 1000, { timeout: 100 });
  const others = Promise.all([1, 2, 3].map((x) => p.submit('double', x)));
  // (the local timer and ipcd's, which stops the worker, run out together:
  // either may win)
  await rejects(job, 'timeout');
  const took = Date.now() - t0;
  assert.ok(took >= 95 && took < 900, `rejected after ${took} ms`);
  assert.deepEqual(await others, [2, 4, 6]);
  assert.equal(await p.submit('double', 5), 10, 'a later job works');
}));

test('connect({ timeout }) is every job\'s timeout; 0 is none', () => using(slow, async (p) => {
  await rejects(p.submit('sleep', 1000), 'timeout');
  assert.equal(await p.submit('sleep', 200, { timeout: 0 }), 200);
}, { timeout: 100 }));

test('the late reply of a job that timed out is dropped', async () => {
  // One worker, one job at a time. The job waits in the queue behind a
  // sleep, so its time runs out here (ipcd counts its timeout from when it
  // starts, and the job takes 10 ms); then its RESULT comes, late, and then
  // that of the double queued behind it.
  await using(narrow, async (p) => {
    const first = p.submit('sleep', 300);
    const job = p.submit('sleep', 10, { timeout: 100 });
    const next = p.submit('double', 1);
    const err = await rejects(job, 'timeout');
    assert.match(err.message, /no answer within 100 ms/);
    assert.equal(await first, 300);
    assert.equal(await next, 2, 'the job after it gets its own result, not the late one');
    assert.equal(await p.submit('double', 2), 4, 'and the connection goes on');
    await p.ping();
  });
});

test('busy: jobs beyond a full queue are refused', async () => {
  await using(narrow, async (p) => {
    // the worker takes one, the queue two; the other two are refused
    const jobs = [1, 2, 3, 4, 5].map(() => p.submit('sleep', 100));
    const settled = await Promise.allSettled(jobs);
    assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason.code)),
      [100, 100, 100, 'busy', 'busy']);
    assert.match(settled[3].reason.message, /queue/);
  });
});

test('an AbortSignal abandons a job; the connection goes on', () => using(slow, async (p) => {
  const ac = new AbortController();
  const job = p.submit('sleep', 1000, { signal: ac.signal });
  setTimeout(() => ac.abort(new Error('no longer wanted')), 50);
  const err = await rejects(job, 'aborted');
  assert.equal(err.cause.message, 'no longer wanted', 'the reason is the cause');
  assert.equal(await p.submit('double', 7), 14);
  // aborted already: rejected at once
  await rejects(p.submit('double', 1, { signal: ac.signal }), 'aborted');
}));

test('one AbortSignal for many jobs, or for one job after another, leaks no listener', async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(String(w));
  process.on('warning', onWarning);
  try {
    await using(slow, async (p) => {
      const ac = new AbortController();
      const many = Array.from({ length: 50 }, () => p.submit('sleep', 300, { signal: ac.signal }));
      ac.abort();
      for (const j of many) await rejects(j, 'aborted');
    });
    await using(ipcd, async (p) => {
      const ac = new AbortController();
      for (let i = 0; i < 20; i++) assert.equal(await p.submit('double', i, { signal: ac.signal }), 2 * i);
    });
    await sleep(10);
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

test('status and ping answer', async () => {
  const pong = await pool.ping();
  assert.equal(typeof pong, 'object');
  const st = await pool.status();
  assert.equal(st.workers.length, 2);
  assert.ok(st.workers.every((w) => w.state === 'ready'));
  assert.equal(st.pools[0].name, 'builtin');
  assert.equal(typeof st.done, 'number');
  assert.ok(st.done > 0, `done ${st.done}`);
  assert.equal(st.version, (await pool.status({ pool: 'builtin' })).version);
  assert.ok(!('type' in st) && !('id' in st) && !('v' in st), 'the envelope is left out');
  await rejects(pool.status({ pool: 'nosuch' }), 'unknown_pool');
});

test('reload and scale resolve once the pool has its size', async () => {
  assert.equal(await pool.reload(), undefined);
  assert.equal(await pool.scale(3), undefined);
  assert.equal((await pool.status()).workers.filter((w) => w.state === 'ready').length, 3);
  await pool.scale(2, { pool: 'builtin' });
  assert.equal((await pool.status()).pools[0].size, 2);
  await rejects(pool.scale(2, { pool: 'nosuch' }), 'unknown_pool');
  await rejects(pool.scale(0), 'bad_data');
});

test('ipcd killed mid-flight: every pending job rejects with closed, once', async () => {
  const d = await startDaemon({ workers: 2 });
  const p = await connect({ socket: d.sock });
  const n = 20;
  const outcomes = Array.from({ length: n }, () => []);
  const jobs = outcomes.map((o) => p.submit('sleep', 10000).then(
    (v) => o.push(`resolved ${v}`), (e) => o.push(e.code)));
  // every job has reached ipcd: held by a worker or queued
  await using(d, (w) => waitFor('the jobs to reach ipcd', async () => {
    const st = await w.status();
    return st.queue + st.workers.reduce((sum, x) => sum + x.jobs, 0) === n;
  }));
  await d.kill('SIGKILL');
  await Promise.all(jobs);
  await sleep(20); // room for a second settlement, had there been one
  assert.deepEqual(outcomes, Array.from({ length: n }, () => ['closed']));
  const why = await p.closed;
  assert.equal(why.code, 'closed');
  assert.equal(p.isClosed, true);
  await rejects(p.submit('double', 1), 'closed');
  await rejects(p.ping(), 'closed');
  await p.close();
});

test('a job above max_message fails with too_large, locally when ipcd tells its max_message', async () => {
  const d = await startDaemon({ workers: 1, conf: ['max_message = 4K'] });
  try {
    await using(d, async (p) => {
      const big = 'x'.repeat(5000);
      if (p.maxMessage !== undefined) {
        assert.equal(p.maxMessage, 4096);
        assert.equal(typeof p.version, 'string');
        await rejects(p.submit('echo', big), 'too_large');
        assert.equal(await p.submit('double', 2), 4, 'refused here: the connection goes on');
      } else {
        // an ipcd whose PONG does not say: the frame goes, and ipcd
        // answers it with ERROR too_large, id nil, and closes
        const other = p.submit('sleep', 500);
        await rejects(p.submit('echo', big), 'too_large');
        await rejects(other, 'too_large');
        assert.equal(p.isClosed, true);
      }
    });
  } finally {
    await d.kill();
  }
});

test('shutdown stops ipcd; the connection then ends', async () => {
  const d = await startDaemon({ workers: 1 });
  const p = await connect({ socket: d.sock });
  assert.equal(await p.shutdown(), undefined);
  assert.equal(await d.exitedPromise(), 0);
  const why = await p.closed;
  assert.equal(why.code, 'closed');
  await rejects(p.submit('double', 1), 'closed');
});
