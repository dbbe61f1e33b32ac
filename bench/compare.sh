#!/bin/sh
# Run ipcd beside the performance anchors (the bare C relay of ipcd's shape
# and Node.js's two-hop fork() pattern) in one run, interleaved, and print
# the medians and ipcd's ratios to them.  With perf(1) on PATH it also
# reports the CPU time per job of the whole process tree (client, relay or
# master, workers) in the throughput runs: perf stat -e task-clock over the
# relay's tree; for ipcd, over ipcctl bench plus what the daemon's master
# and workers ran meanwhile (/proc/PID/schedstat).  Both count the warm-up
# jobs too, and divide by every job sent.
#
#   bench/compare.sh [ANCHORS_DIR]      (default: ../shared/bench-anchors)
#
# Environment: REPS (3), JOBS (200000), TWARM (10000), WINDOW (256),
# LJOBS (20000), LWARM (1000); IPCD and IPCCTL name the binaries to measure
# (default: this tree's daemon/ipcd and client/ipcctl).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-$top/../shared/bench-anchors}
IPCD=${IPCD:-$top/daemon/ipcd}
IPCCTL=${IPCCTL:-$top/client/ipcctl}
REPS=${REPS:-3} JOBS=${JOBS:-200000} TWARM=${TWARM:-10000}
WINDOW=${WINDOW:-256} LJOBS=${LJOBS:-20000} LWARM=${LWARM:-1000}

. "$top/bench/lib.sh"

have_perf=0
command -v perf >/dev/null && have_perf=1
have_node=0
if command -v node >/dev/null; then
	have_node=1
else
	echo "compare.sh: node is not on PATH: the Node.js row is skipped" \
	    "(apt-get install nodejs)" >&2
fi

anchors "$src"
printf '[ipcd]\nworkers = 2\nsocket = %s\n' "$work/ipcd.sock" > "$work/ipcd.conf"
start_ipcd

tput="-m tput -n $JOBS -k $TWARM -w $WINDOW -p 2"
lat="-m lat -n $LJOBS -k $LWARM -p 2"

# perfrun FILE CMD...: run CMD under perf stat when perf is here
perfrun() {
	f=$1; shift
	if [ "$have_perf" = 1 ]; then
		perf stat -x, -e task-clock -o "$work/$f" -- "$@"
	else
		"$@"
	fi
}
# task_ms FILE: the task-clock perf stat wrote, in ms
task_ms() { sed -n 's/^\([0-9.]*\),msec,task-clock.*/\1/p' "$work/$1"; }
# per_job MS JOBS: microseconds per job
per_job() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.3f", t * 1000 / n }'; }

for rep in $(seq "$REPS"); do
	echo "run $rep of $REPS" >&2
	l=$(perfrun c.perf "$work/anchors/build/cnull" twohop $tput |
	    grep '^RESULT')
	[ "$have_perf" = 1 ] &&
	    rec c.cpu "$(per_job "$(task_ms c.perf)" $((JOBS + TWARM)))"
	rec c.jps "$(field jps "$l")"; rec c.mkb "$(field master_kb "$l")"
	rec c.wkb "$(field worker_kb "$l")"
	l=$("$work/anchors/build/cnull" twohop $lat | grep '^RESULT')
	rec c.p50 "$(field p50_us "$l")"; rec c.p99 "$(field p99_us "$l")"
	if [ "$have_node" = 1 ]; then
		l=$(cd "$work/anchors" && node node/twohop-client.js -s json $tput |
		    grep '^RESULT')
		rec n.jps "$(field jps "$l")"; rec n.mkb "$(field master_kb "$l")"
		rec n.wkb "$(field worker_kb "$l")"
		l=$(cd "$work/anchors" && node node/twohop-client.js -s json $lat |
		    grep '^RESULT')
		rec n.p50 "$(field p50_us "$l")"; rec n.p99 "$(field p99_us "$l")"
	fi
	l=$("$IPCCTL" -s "$work/ipcd.sock" bench --json -n "$JOBS" -k "$TWARM" \
	    -w "$WINDOW")
	rec i.cpu "$(field tree_cpu_us_per_job "$l")"
	rec i.jps "$(field jobs_per_s "$l")"; rec i.mkb "$(field master_hwm_kb "$l")"
	rec i.wkb "$(field worker_hwm_kb "$l")"
	rec i.idle "$(field master_rss_kb_idle "$l")"
	l=$("$IPCCTL" -s "$work/ipcd.sock" bench --json -n "$LJOBS" -k "$LWARM" -w 1)
	rec i.p50 "$(field p50_us "$l")"; rec i.p99 "$(field p99_us "$l")"
done

mib() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.1f", k / 1024 }'; }

row() {
	printf '%-26s %10s %9s %9s %11s %11s\n' "$1" "$(median "$2.jps")" \
	    "$(median "$2.p50")" "$(median "$2.p99")" "$(mib "$(median "$2.mkb")")" \
	    "$(mib "$(median "$2.wkb")")"
}
echo "medians of $REPS runs; throughput: $JOBS jobs, window $WINDOW;" \
    "latency: $LJOBS jobs, window 1; RSS: peak (VmHWM), MiB"
printf '%-26s %10s %9s %9s %11s %11s\n' "" "jobs/s" "p50 us" "p99 us" \
    "master RSS" "worker RSS"
row "C null relay (2 hops)" c
if [ "$have_node" = 1 ]; then
	row "Node.js 2-hop (json)" n
else
	printf '%-26s %s\n' "Node.js 2-hop (json)" "skipped: node is not on PATH"
fi
row "ipcd" i
printf '%-26s %10s %9s %9s\n' "ipcd / C relay" \
    "$(ratio "$(median i.jps)" "$(median c.jps)")" \
    "$(ratio "$(median i.p50)" "$(median c.p50)")" \
    "$(ratio "$(median i.p99)" "$(median c.p99)")"
[ -s "$work/n.jps" ] && printf '%-26s %10s %9s %9s\n' "ipcd / Node.js 2-hop" \
    "$(ratio "$(median i.jps)" "$(median n.jps)")" \
    "$(ratio "$(median i.p50)" "$(median n.p50)")" \
    "$(ratio "$(median i.p99)" "$(median n.p99)")"
if [ "$have_perf" = 1 ]; then
	echo "CPU per job, whole process tree, throughput runs:" \
	    "C relay $(median c.cpu) us, ipcd $(median i.cpu) us" \
	    "($(ratio "$(median i.cpu)" "$(median c.cpu)")x the relay's)"
else
	echo "CPU per job: skipped, perf is not on PATH (apt-get install linux-perf)"
fi
echo "ipcd master RSS when idle: $(mib "$(median i.idle)") MiB"
