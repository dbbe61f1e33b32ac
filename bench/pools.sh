#!/bin/sh
# Pools side by side, in one daemon, beside Node's own fork() pattern (the
# node anchor of ../shared/bench-anchors) in one run: the built-in pool and
# the C example worker in a program pool (throughput at window 256, latency
# at window 1), the unmodified examples/worker.js in a node pool with and
# without in_order, and 1 MiB echo jobs through the built-in pool, a node
# pool and Node's fork().  Prints each run's figures; take medians.
#
#   bench/pools.sh [ANCHORS_DIR]        (default: ../shared/bench-anchors)
#
# Environment: REPS (3).  Needs node, and a built tree (make).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-$top/../shared/bench-anchors}
REPS=${REPS:-3}
IPCD=$top/daemon/ipcd IPCCTL=$top/client/ipcctl
command -v node >/dev/null || { echo "bench/pools.sh: needs node" >&2; exit 1; }
. "$top/bench/lib.sh"

anchors "$src"
cat > "$work/echo-worker.js" <<'JS'
process.on('message', (m) => {
  if (m.type === 'TASK') process.send({ type: 'RESULT', data: m.data });
});
JS
cat > "$work/echo-parent.js" <<'JS'
// Node's own fork() with large messages: 2 workers, round-robin, a window.
const { fork } = require('child_process');
const [n, size, w] = process.argv.slice(2).map(Number);
const text = 'x'.repeat(size), ws = [];
for (let i = 0; i < 2; i++) ws.push(fork(__dirname + '/echo-worker.js'));
let sent = 0, done = 0;
const t0 = process.hrtime.bigint();
const pump = () => { while (sent < n && sent - done < w) ws[sent++ % 2].send({ type: 'TASK', data: text }); };
for (const x of ws) x.on('message', (m) => {
  if (m.data.length !== size) throw new Error('wrong reply');
  if (++done < n) return pump();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`jobs_per_s=${(n / s).toFixed(1)} mib_per_s=${(n * size / s / 1048576).toFixed(1)}`);
  for (const y of ws) y.disconnect();
});
pump();
JS
cat > "$work/ipcd.conf" <<CONF
[ipcd]
socket = $work/ipcd.sock
workers = 2
max_message = 4M
[pool c]
command = $top/examples/worker
in_order = yes
[pool jsio]
command = $(command -v node) $top/examples/worker.js
protocol = node
in_order = yes
[pool js]
command = $(command -v node) $top/examples/worker.js
protocol = node
[pool echo]
command = $(command -v node) $work/echo-worker.js
protocol = node
in_order = yes
CONF
start_ipcd
sleep 1
echo "idle master RSS, built-in pool and 4 program pools:" \
    "$(awk '/^VmRSS/ { print $2, $3 }' "/proc/$pid/status")"
b() {
	"$IPCCTL" -s "$work/ipcd.sock" bench --json "$@" | tr ',{}' '\n\n\n' |
	    grep -E '"(jobs_per_s|p50_us|p99_us)"' | tr '\n' ' '
	echo
}
for rep in $(seq "$REPS"); do
	echo "== run $rep of $REPS"
	echo "builtin   w256: $(b -n 200000 -k 10000 -w 256)"
	echo "c         w256: $(b -p c -n 200000 -k 10000 -w 256)"
	echo "builtin   w1:   $(b -n 20000 -k 1000 -w 1)"
	echo "c         w1:   $(b -p c -n 20000 -k 1000 -w 1)"
	echo "js in_order:    $(b -p jsio -n 100000 -k 5000 -w 256)"
	echo "js:             $(b -p js -n 20000 -k 1000 -w 256)"
	echo "node fork():    $(cd "$work/anchors" && node node/fork-parent.js \
	    -m tput -n 100000 -k 5000 -w 256 -p 2 | grep '^RESULT')"
	echo "1MiB builtin:   $(b --size 1048576 -n 300 -k 20 -w 4)"
	echo "1MiB node pool: $(b -p echo --size 1048576 -n 300 -k 20 -w 4)"
	echo "1MiB fork():    $(node "$work/echo-parent.js" 300 1048576 4)"
done
"$IPCCTL" -s "$work/ipcd.sock" shutdown >/dev/null
wait "$pid"
pid=
