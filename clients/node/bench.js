'use strict';
// Throughput and latency of 'double' jobs through this client, against the
// ipcd on $IPCD_SOCKET (else the default socket). At most W jobs are
// outstanding at once (W = 1 measures one job's round trip); each job's
// latency runs from its submit() to its result.
//
//   node bench.js [-n jobs] [-w window] [-k warm-up jobs] [-s socket]
//   node bench.js --latency        (window 1, 20000 jobs, 1000 warm-up)
//
// Prints one line:
//   node-client window=256 jobs=200000 jobs/s=... p50=... p99=... p999=...
// with the percentiles in microseconds. Every result is checked.
const { performance } = require('perf_hooks');
const { connect } = require('.');

function options(argv) {
  const o = { jobs: 200000, window: 256, warmup: 10000, socket: undefined };
  let latency = false;
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) usage(`${a} takes a whole number`);
      return v;
    };
    if (a === '-n') given.jobs = num();
    else if (a === '-w') given.window = num();
    else if (a === '-k') given.warmup = num();
    else if (a === '-s') given.socket = argv[++i];
    else if (a === '--latency') latency = true;
    else usage(`unknown option ${a}`);
  }
  if (latency) Object.assign(o, { jobs: 20000, window: 1, warmup: 1000 });
  Object.assign(o, given);
  if (o.window < 1 || o.jobs < 1) usage('-n and -w must be at least 1');
  return o;
}

function usage(why) {
  console.error(`bench.js: ${why}\nusage: node bench.js [-n jobs] [-w window] [-k warmup] [-s socket] [--latency]`);
  process.exit(2);
}

// Run n jobs, numbered from first, at most window at once; with lat, record
// each one's latency in ns.
function run(pool, first, n, window, lat) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let done = 0;
    const one = (i) => {
      const data = first + i;
      const t0 = lat ? performance.now() : 0;
      pool.submit('double', data).then((r) => {
        if (lat) lat[i] = (performance.now() - t0) * 1000;
        if (r !== 2 * data) return reject(new Error(`double ${data} gave ${r}`));
        if (++done === n) return resolve();
        if (next < n) one(next++);
      }, reject);
    };
    while (next < n && next < window) one(next++);
  });
}

function pct(sorted, p) {
  const n = sorted.length;
  return sorted[Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1];
}

async function main() {
  const o = options(process.argv.slice(2));
  const pool = await connect({ socket: o.socket });
  try {
    if (o.warmup > 0) await run(pool, 0, o.warmup, o.window, null);
    const lat = new Float64Array(o.jobs);
    const t0 = performance.now();
    await run(pool, o.warmup, o.jobs, o.window, lat);
    const secs = (performance.now() - t0) / 1000;
    lat.sort();
    const us = (v) => v.toFixed(1);
    console.log(`node-client window=${o.window} jobs=${o.jobs} jobs/s=${Math.round(o.jobs / secs)} ` +
      `p50=${us(pct(lat, 50))} p99=${us(pct(lat, 99))} p999=${us(pct(lat, 99.9))}`);
  } finally {
    await pool.close();
  }
}

main().catch((err) => {
  console.error(`bench.js: ${err.code ? err.code + ': ' : ''}${err.message}`);
  process.exit(1);
});
