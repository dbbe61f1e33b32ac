// The package as an ES module: import { connect } from 'ipcd' gives the same
// objects as require('ipcd').
import nodeTest from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect, IpcdError, Client, Extension, DEFAULT_SOCKET } from 'ipcd';

// every case is bounded: a client that hangs fails instead
const test = (name, fn) => nodeTest(name, { timeout: 20000 }, fn);
const require = createRequire(import.meta.url);
const cjs = require('ipcd');
const { fake, startDaemon } = require('./helpers.js');

test('ESM: the named imports are the CommonJS exports', () => {
  assert.equal(connect, cjs.connect);
  assert.equal(IpcdError, cjs.IpcdError);
  assert.equal(Client, cjs.Client);
  assert.equal(Extension, cjs.Extension);
  assert.equal(DEFAULT_SOCKET, '/run/ipcd/ipcd.sock');
  assert.equal(typeof connect, 'function');
});

test('ESM: a job through the imported connect', async () => {
  const d = await startDaemon({ workers: 1 });
  try {
    const pool = await connect({ socket: d.sock });
    assert.equal(await pool.submit('double', 10), 20);
    const err = await pool.submit('nosuch', 1).catch((e) => e);
    assert.ok(err instanceof IpcdError);
    assert.equal(err.code, 'unknown_task');
    await pool.close();
  } finally {
    await d.kill();
  }
});

test('ESM: the fake server through the imported connect', async () => {
  const f = await fake({ pong: { version: 'x' } });
  const pool = await connect({ socket: f.sock });
  assert.equal(pool.version, 'x');
  await pool.close();
  await f.close();
});
