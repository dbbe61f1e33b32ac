'use strict';
// What the tests share: a real ipcd in a private directory (as tests/lib.sh
// does it: its own config and socket, readiness polled, never slept on, and
// killed when the test process exits however it exits), and a fake ipcd, a
// net.Server on a private socket that the test scripts frame by frame.

const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { connect } = require('..');

const IPCD = process.env.IPCD || path.resolve(__dirname, '..', '..', '..', 'daemon', 'ipcd');
const STEP = 10000; // ms any one wait may take

const dirs = [];
const daemons = new Set();

function tmpdir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcd-node-'));
  dirs.push(d);
  return d;
}

function killAll() {
  for (const d of daemons) {
    try { process.kill(d.pid, 'SIGKILL'); } catch (e) { /* gone already */ }
  }
  daemons.clear();
  for (const d of dirs.splice(0)) {
    if (process.env.KEEP) console.error(`# kept ${d}`);
    else fs.rmSync(d, { recursive: true, force: true });
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(1);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll check() every 10 ms until it returns something truthy, for at most
// ms; alive(), if given, is asked first each time and stops the wait early.
async function waitFor(what, check, { ms = STEP, alive } = {}) {
  const end = Date.now() + ms;
  for (;;) {
    if (alive) alive();
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await sleep(10);
  }
}

class Daemon {
  constructor(dir, lines) {
    this.dir = dir;
    this.sock = path.join(dir, 'ipcd.sock');
    this.conf = path.join(dir, 'ipcd.conf');
    this.logPath = path.join(dir, 'ipcd.log');
    fs.writeFileSync(this.conf, ['[ipcd]', `socket = ${this.sock}`, ...lines, ''].join('\n'));
    this.exited = null;
  }

  log() {
    try { return fs.readFileSync(this.logPath, 'utf8'); } catch (e) { return ''; }
  }

  alive() {
    if (this.exited !== null) {
      throw new Error(`ipcd exited (${this.exited}); its log:\n${this.log()}`);
    }
  }

  async start(workers) {
    if (!fs.existsSync(IPCD)) throw new Error(`no ipcd at ${IPCD} (set IPCD to the daemon's path)`);
    const log = fs.openSync(this.logPath, 'a');
    this.proc = spawn(IPCD, ['-f', this.conf], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.pid = this.proc.pid;
    daemons.add(this);
    this.proc.on('exit', (code, signal) => {
      this.exited = signal || code;
      daemons.delete(this);
    });
    await waitFor(`${workers} ready workers`, () => this.readyWorkers().then((n) => n === workers),
      { alive: () => this.alive() });
    return this;
  }

  // How many workers STATUS shows ready; 0 while ipcd does not answer.
  async readyWorkers() {
    let pool;
    try {
      pool = await connect({ socket: this.sock, timeout: 2000 });
      const st = await pool.status({ timeout: 2000 });
      return st.workers.filter((w) => w.state === 'ready').length;
    } catch (e) {
      return 0;
    } finally {
      if (pool) pool.close();
    }
  }

  kill(sig = 'SIGKILL') {
    if (this.exited === null) this.proc.kill(sig);
    return this.exitedPromise();
  }

  exitedPromise() {
    if (this.exited !== null) return Promise.resolve(this.exited);
    return new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve(signal || code)));
  }
}

// startDaemon({ workers: 2, conf: ['queue_limit = 1', ...] })
async function startDaemon({ workers = 2, conf = [] } = {}) {
  const lines = conf.some((l) => /^workers\s*=/.test(l)) ? conf : [`workers = ${workers}`, ...conf];
  return new Daemon(tmpdir(), lines).start(workers);
}

// ---- a fake ipcd -----------------------------------------------------

const { Packr, Unpackr } = require('msgpackr/index-no-eval');
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint' });

function frame(body) {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
}

// A frame holding the MessagePack of msg (an object).
const msgFrame = (msg) => frame(packr.pack(msg));

// A server on a private socket: each connection's requests come to
// onRequest(msg, conn) as Maps, in order; conn.send(frameBytes) answers.
class Fake {
  constructor(onRequest) {
    this.sock = path.join(tmpdir(), 'fake.sock');
    this.onRequest = onRequest;
    this.conns = [];
    this.requests = [];  // every request of every connection, decoded
    this.bodies = [];    // and its raw body
    this.server = net.createServer((s) => this.accept(s));
  }

  listen() {
    fakes.add(this);
    return new Promise((resolve) => this.server.listen(this.sock, () => resolve(this)));
  }

  accept(s) {
    const conn = {
      socket: s,
      send: (bytes) => { if (!s.destroyed) s.write(bytes); },
      reply: (msg) => conn.send(msgFrame(msg)),
    };
    this.conns.push(conn);
    let parts = [];
    let have = 0;
    s.on('error', () => {});
    s.on('data', (chunk) => {
      parts.push(chunk);
      have += chunk.length;
      for (;;) {
        if (have < 4) return;
        if (parts[0].length < 4) parts = [Buffer.concat(parts)];
        const n = parts[0].readUInt32BE(0);
        if (have < 4 + n) return;
        const all = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        const body = all.subarray(4, 4 + n);
        parts = all.length > 4 + n ? [all.subarray(4 + n)] : [];
        have -= 4 + n;
        const m = unpackr.unpack(body);
        this.requests.push(m);
        this.bodies.push(Buffer.from(body));
        this.onRequest(m, conn);
      }
    });
  }

  close() {
    fakes.delete(this);
    for (const c of this.conns) c.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Every fake still open (a case that failed left it), closed: the clients
// on it see the end of their connection and let the process exit.
const fakes = new Set();
function closeFakes() {
  return Promise.all([...fakes].map((f) => f.close()));
}

// A fake that answers PING with pong (extra PONG fields), and every other
// request with handler(msg, conn), if given.
async function fake({ pong = {}, handler } = {}) {
  const f = new Fake((m, conn) => {
    const id = m.get('id');
    if (m.get('type') === 'PING') conn.reply({ v: 1, type: 'PONG', id: Number(id), ...pong });
    else if (handler) handler(m, conn, Number(id));
  });
  return f.listen();
}

module.exports = { IPCD, startDaemon, waitFor, sleep, fake, closeFakes, frame, msgFrame, packr };
