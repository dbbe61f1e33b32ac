#!/bin/sh
# The client libraries beside the anchors, in one run, interleaved: the C
# relay and Node's two-hop fork() pattern (../shared/bench-anchors), then
# ipcd fed by ipcctl bench (libipcd's pipelined API), the Node.js client and
# the Python client (blocking and asyncio); jobs/s at window 256 and the
# round trip at window 1, medians and ratios.
#
#   bench/clients.sh [ANCHORS_DIR]      (default: ../shared/bench-anchors)
#
# Environment: REPS (3), JOBS (200000), TWARM (10000), LJOBS (20000),
# LWARM (1000); PYJOBS (100000), the Python client's jobs; IPCD, IPCCTL
# (default: this tree's); REF_IPCCTL, another ipcctl to measure beside
# (for example one built before libipcd).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-$top/../shared/bench-anchors}
IPCD=${IPCD:-$top/daemon/ipcd}
IPCCTL=${IPCCTL:-$top/client/ipcctl}
REPS=${REPS:-3} JOBS=${JOBS:-200000} TWARM=${TWARM:-10000}
LJOBS=${LJOBS:-20000} LWARM=${LWARM:-1000} PYJOBS=${PYJOBS:-100000}
PY=/usr/bin/python3

. "$top/bench/lib.sh"

command -v node >/dev/null || { echo "clients.sh: node is not on PATH" >&2; exit 1; }
[ -d "$top/clients/node/node_modules" ] ||
    { echo "clients.sh: run npm ci in clients/node first" >&2; exit 1; }
anchors "$src"
printf '[ipcd]\nworkers = 2\nsocket = %s\n' "$work/ipcd.sock" > "$work/ipcd.conf"
start_ipcd
export IPCD_SOCKET="$work/ipcd.sock"

# val NAME LINE: NAME=VALUE (anchors, client benches) or "NAME":VALUE (ipcctl)
val() {
	printf '%s\n' "$2" | tr ' ,{}' '\n\n\n\n' |
	    awk -v k="$1" -F'[=:]' '{ n = $1; gsub(/"/, "", n) } n == k { print $2; exit }'
}
tput="-m tput -n $JOBS -k $TWARM -w 256 -p 2"
lat="-m lat -n $LJOBS -k $LWARM -p 2"
ctl_row() {	# ctl_row KEY IPCCTL
	l=$("$2" bench --json -n "$JOBS" -k "$TWARM" -w 256)
	rec "$1.jps" "$(val jobs_per_s "$l")"
	l=$("$2" bench --json -n "$LJOBS" -k "$LWARM" -w 1)
	rec "$1.p50" "$(val p50_us "$l")"; rec "$1.p99" "$(val p99_us "$l")"
}
client_row() {	# client_row KEY TPUT-COMMAND LATENCY-COMMAND
	l=$(eval "$2" | tail -n 1)
	rec "$1.jps" "$(val jobs/s "$l")"
	l=$(eval "$3" | tail -n 1)
	rec "$1.p50" "$(val p50 "$l")"; rec "$1.p99" "$(val p99 "$l")"
}

for rep in $(seq "$REPS"); do
	echo "run $rep of $REPS" >&2
	l=$("$work/anchors/build/cnull" twohop $tput | grep '^RESULT')
	rec c.jps "$(val jps "$l")"
	l=$("$work/anchors/build/cnull" twohop $lat | grep '^RESULT')
	rec c.p50 "$(val p50_us "$l")"; rec c.p99 "$(val p99_us "$l")"
	l=$(cd "$work/anchors" && node node/twohop-client.js -s json $tput |
	    grep '^RESULT')
	rec n.jps "$(val jps "$l")"
	l=$(cd "$work/anchors" && node node/twohop-client.js -s json $lat |
	    grep '^RESULT')
	rec n.p50 "$(val p50_us "$l")"; rec n.p99 "$(val p99_us "$l")"
	ctl_row i "$IPCCTL"
	[ -n "${REF_IPCCTL:-}" ] && ctl_row r "$REF_IPCCTL"
	client_row j "node $top/clients/node/bench.js -n $JOBS -w 256" \
	    "node $top/clients/node/bench.js -n $LJOBS -w 1"
	client_row p "$PY -B $top/clients/python/bench.py --flavour sync -n $PYJOBS -w 256" \
	    "$PY -B $top/clients/python/bench.py --flavour sync -n $LJOBS --latency"
	client_row a "$PY -B $top/clients/python/bench.py --flavour async -n $PYJOBS -w 256" \
	    "$PY -B $top/clients/python/bench.py --flavour async -n $LJOBS --latency"
done

row() {
	printf '%-34s %10s %9s %9s\n' "$1" "$(median "$2.jps")" \
	    "$(median "$2.p50")" "$(median "$2.p99")"
}
echo "medians of $REPS runs; 2 workers, built-in double; jobs/s at window 256" \
    "($JOBS jobs; Python $PYJOBS), latency at window 1 ($LJOBS jobs)"
printf '%-34s %10s %9s %9s\n' "" "jobs/s" "p50 us" "p99 us"
row "C null relay (2 hops)" c
row "Node.js 2-hop (json)" n
row "ipcd, ipcctl bench (libipcd)" i
[ -s "$work/r.jps" ] && row "ipcd, reference ipcctl" r
row "ipcd, Node.js client" j
row "ipcd, Python client" p
row "ipcd, Python client (asyncio)" a
[ -s "$work/r.jps" ] && echo "ipcctl bench on libipcd / reference: $(ratio "$(median i.jps)" "$(median r.jps)") (jobs/s)"
echo "Node.js client / Node.js 2-hop: $(ratio "$(median j.jps)" "$(median n.jps)") (jobs/s)"
echo "p50 at window 1 / the C relay's: libipcd $(ratio "$(median i.p50)" "$(median c.p50)")," \
    "Node.js $(ratio "$(median j.p50)" "$(median c.p50)")," \
    "Python $(ratio "$(median p.p50)" "$(median c.p50)")," \
    "asyncio $(ratio "$(median a.p50)" "$(median c.p50)")"
