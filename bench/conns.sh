#!/bin/sh
# Many clients at once: the same jobs and the same 256 in flight, over 1, 8,
# 64 and 256 connections from one ipcctl bench process (-c N, the window
# split among them), beside the C relay anchor (one connection) in one run,
# interleaved.  For each: jobs/s and its ratio to one connection, the
# master's CPU and read/write calls per job and their ratios, the whole
# tree's CPU per job (client, master, workers), and the spread of the
# connections' p99 (highest over the median).
#
#   bench/conns.sh [ANCHORS_DIR]      (default: ../shared/bench-anchors)
#
# Environment: REPS (3), JOBS (640000), CONNS ("1 8 64 256"); IPCD, IPCCTL.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-$top/../shared/bench-anchors}
IPCD=${IPCD:-$top/daemon/ipcd}
IPCCTL=${IPCCTL:-$top/client/ipcctl}
REPS=${REPS:-3} JOBS=${JOBS:-640000} CONNS=${CONNS:-1 8 64 256}

. "$top/bench/lib.sh"

anchors "$src"
printf '[ipcd]\nworkers = 2\nsocket = %s\n' "$work/ipcd.sock" > "$work/ipcd.conf"
start_ipcd


for rep in $(seq "$REPS"); do
	echo "run $rep of $REPS" >&2
	l=$("$work/anchors/build/cnull" twohop -m tput -n "$JOBS" -k 10000 \
	    -w 256 -p 2 | grep '^RESULT')
	rec relay.jps "$(field jps "$l")"
	for c in $CONNS; do
		l=$("$IPCCTL" -s "$work/ipcd.sock" bench --json -n "$JOBS" \
		    -k 10000 -w 256 -c "$c")
		rec "c$c.jps" "$(field jobs_per_s "$l")"
		rec "c$c.cpu" "$(field master_cpu_us_per_job "$l")"
		rec "c$c.calls" "$(field master_rw_calls_per_job "$l")"
		rec "c$c.tree" "$(field tree_cpu_us_per_job "$l")"
		[ "$c" -gt 1 ] && rec "c$c.spread" "$(awk -v a="$(field \
		    conn_p99_us_max "$l")" -v b="$(field conn_p99_us_median \
		    "$l")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
		rec "c$c.p99" "$(field p99_us "$l")"
	done
done


first=${CONNS%% *}
echo "medians of $REPS runs; $JOBS jobs, 256 in flight, 2 workers;" \
    "ratios are to $first connection(s)"
echo "C relay anchor, one connection: $(median relay.jps) jobs/s"
printf '%6s %10s %6s %7s %11s %7s %10s %6s %8s %7s\n' conns jobs/s ratio \
    "/relay" "master us" ratio "calls/job" ratio "tree us" spread
for c in $CONNS; do
	printf '%6s %10s %6s %7s %11s %7s %10s %6s %8s %7s\n' "$c" \
	    "$(median "c$c.jps")" \
	    "$(ratio "$(median "c$c.jps")" "$(median "c$first.jps")")" \
	    "$(ratio "$(median "c$c.jps")" "$(median relay.jps)")" \
	    "$(median "c$c.cpu")" \
	    "$(ratio "$(median "c$c.cpu")" "$(median "c$first.cpu")")" \
	    "$(median "c$c.calls")" \
	    "$(ratio "$(median "c$c.calls")" "$(median "c$first.calls")")" \
	    "$(median "c$c.tree")" "$(median "c$c.spread")"
done
