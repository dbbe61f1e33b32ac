#!/bin/sh
# Dispatch: no job waits behind a slow one while another worker is free, a
# worker's window follows the time its jobs take, and the status shows each
# worker's window and how long its oldest job has run.
. "$TESTLIB"
plan 15

busy_ms() {		# busy_ms PID: how long that worker's oldest job has run
	ctl status --json | grep -o "\"pid\":$1,[^}]*" |
	    grep -o '"busy_ms":[0-9]*' | cut -d: -f2
}
window_of() {		# window_of PID
	ctl status --json | grep -o "\"pid\":$1,[^}]*" |
	    grep -o '"window":[0-9]*' | cut -d: -f2
}
busy_pid() {
	ctl status --json | grep -o '"pid":[0-9]*,"state":"ready","jobs":[1-9]' |
	    grep -o '"pid":[0-9]*' | cut -d: -f2 | head -n 1
}
ran_for() {		# ran_for PID MS: its oldest job has run MS or more
	[ "$(busy_ms "$1")" -ge "$2" ] 2>/dev/null
}
wait_until() {
	_what=$1; shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ "$_i" -le 1000 ] || bail "timed out waiting: $_what"
		sleep 0.01
	done
}

# The slow job runs far longer than anything here waits (the test ends it
# by stopping ipcd with drain_timeout = 0), so no clock decides the result.
write_conf "workers = 2" "drain_timeout = 0"
start_ipcd
ctl -t 60 submit sleep 60000 > /dev/null 2>&1 &
slow=$!
started() { [ -n "$(busy_pid)" ]; }
wait_until "the slow job to start" started
slow_pid=$(busy_pid)
wait_until "the slow job to run for 10 ms" ran_for "$slow_pid" 10
like "status shows how long the busy worker's job has run" '^[0-9]+$' \
    "$(busy_ms "$slow_pid")"

# The repro: ten tiny jobs at once, all answered while the slow job runs.
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	ctl submit double $i > "$T/tiny.$i" 2>&1 &
	pids="$pids $!"
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
is "ten tiny jobs beside a slow one all succeed" 0 "$failed"
right=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(cat "$T/tiny.$i")" = $((i * 2)) ] && right=$((right + 1))
done
is "with the right results" 10 "$right"
check "all while the slow job still runs" kill -0 "$slow"
is "and none of them went to its worker" 1 \
    "$(ctl status --json | grep -o "\"pid\":$slow_pid,[^}]*" |
    grep -o '"jobs":[0-9]*' | cut -d: -f2)"
is "whose done count is still 0" 0 \
    "$(ctl status --json | grep -o "\"pid\":$slow_pid,[^}]*" |
    grep -o '"done":[0-9]*' | cut -d: -f2)"

# A pipelined burst is spread by the idle worker alone.
out=$(ctl bench -n 2000 -w 32 -k 0 --json)
like "a pipelined burst beside the slow job succeeds" '"jobs_per_s":[1-9]' "$out"
check "the slow job still runs" kill -0 "$slow"
stop_ipcd
wait $slow

# Windows: fast jobs open a worker's window up to worker_window; one slow
# answer closes it to 1; the table shows both columns.
write_conf "workers = 1" "worker_window = 16"
start_ipcd 1
pid=$(worker_pids)
warm_up 16
is "fast jobs open the window up to worker_window" 16 "$(window_of "$pid")"
is "a job of 300 ms" 300 "$(ctl submit sleep 300)"
is "closes it to 1" 1 "$(window_of "$pid")"
like "ipcctl status shows the window and busy columns" \
    'WORKER +PID +STATE +JOBS +WINDOW +BUSY' "$(ctl status)"

# The benchmark's open-loop, mixed mode checks every result too.
like "ipcctl bench -r with --mix runs and reports p99.9" \
    '"rate":5000,"mix":"sleep","mix_every":50,.*"p999_us":[0-9]' \
    "$(ctl bench -n 500 -k 0 -r 5000 --mix sleep:2:50 --json)"
ctl bench --mix sleep:2 > /dev/null 2>&1
is "a --mix without EVERY is a usage error" 2 $?
ctl bench -r 0 > /dev/null 2>&1
is "so is a rate of 0" 2 $?
done_testing
