#!/bin/sh
# No leak and no memory error in the master: the real daemon runs under
# valgrind through everything that allocates or frees (jobs, a pipelined
# burst, a client leaving mid-job, bad frames, a reload, scaling, a killed
# worker, a timeout) and then stops on SIGTERM.  valgrind runs the forked
# workers too, each with a log of its own.
. "$TESTLIB"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
if [ "${SANITIZERS:-no}" = yes ]; then
	echo "1..0 # SKIP ipcd is built with AddressSanitizer"
	exit 0
fi
plan 19
STEP=30		# seconds a ctl call may take: valgrind is slow

holding() { ctl status --json | grep -q "\"jobs\":$1,"; }
idle() { ! ctl status --json | grep -q '"jobs":[1-9]'; }
busy_pid() {
	ctl status --json | grep -o '"pid":[0-9]*,"state":"ready","jobs":[1-9]' |
	    grep -o '"pid":[0-9]*' | cut -d: -f2 | head -n 1
}
# submits N ARGS: N SUBMITs of sleep 100 for raw, ids 1 to N
submits() {
	_i=1
	while [ "$_i" -le "$1" ]; do
		printf ' json:{"v":1,"type":"SUBMIT","id":%d,"task":"sleep","data":100}' "$_i"
		_i=$((_i + 1))
	done
}

# Two workers holding at most 4 jobs each, so that bursts use the queue.
write_conf "workers = 2" "worker_window = 4"
valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 --trace-children=no --log-file="$T/vg.%p.log" \
    "$IPCD" -f "$CONF" 2>"$LOG" &
IPCD_PID=$!
timeout 60 "$IPCCTL" -s "$SOCK" -W 60 ping >/dev/null ||
    bail "ipcd under valgrind did not accept connections"
wait_ready 2
ok "ipcd starts under valgrind"

is "a job runs" 42 "$(ctl submit double 21)"
is "an echo" '"hi"' "$(ctl submit echo '"hi"')"
like "status answers" '^workers 2 \(2 ready\)' "$(ctl status | sed -n 2p)"
# Under valgrind a job costs milliseconds, more on a busy machine: a burst
# big enough to fill every window and the queue, and a bound for a hang only.
timeout 600 "$IPCCTL" -s "$SOCK" bench -n 3000 -k 0 >"$T/bench.out" 2>&1
is "a pipelined burst of 3000 jobs succeeds" 0 $?

# A client that goes with 4 jobs queued and 8 running: the queued are
# dropped, the running finish unseen.
is "a client leaves before its 12 jobs are answered" OPEN \
    "$(raw -w 50 $(submits 12))"
wait_for "the running jobs of the gone client to finish" idle
is "after a client left mid-job, the queue is empty" 0 "$(json_field queue)"
like "bad frames are refused" '"code":"bad_frame"' "$(raw 'hex:00000000')"
like "and bad messages" '"code":"bad_message"' "$(raw 'json:[1,2]')"

write_conf "workers = 3" "worker_window = 4"
is "a reload applies a new config" reloaded "$(ctl reload)"
is "ipcctl scale 4" "4 workers" "$(ctl scale 4)"
is "ipcctl scale 1" "1 workers" "$(ctl scale 1)"

# A worker killed while it holds a job: the job goes to its replacement.
ctl submit sleep 300 >"$T/retry.out" 2>&1 &
sub=$!
wait_for "the job to start" holding 1
kill -KILL "$(busy_pid)"
wait $sub
is "a job whose worker was killed is retried and answered" 300 \
    "$(cat "$T/retry.out")"
out=$(ctl submit --timeout 100ms sleep 2000 2>&1)
is "a job past its timeout is answered timeout" \
    "ipcctl: timeout: the job ran past its timeout" "$out"
wait_ready 1

vg=$T/vg.$IPCD_PID.log
stop_ipcd TERM
is "ipcd exits 0 under valgrind (99: an error or a leak)" 0 "$IPCD_STATUS"
check "valgrind's summary names no error" \
    grep -q 'ERROR SUMMARY: 0 errors' "$vg"
check "the master lost no memory" \
    grep -Eq 'definitely lost: 0 bytes|no leaks are possible' "$vg"
check "not even indirectly" \
    grep -Eq 'indirectly lost: 0 bytes|no leaks are possible' "$vg"
diag "master: $(grep -E 'in use at exit|total heap usage|no leaks|lost:' "$vg" |
    sed 's/^==[0-9]*== *//')"
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' \
    "$T"/vg.*.log | grep -vxF "$vg")
is "no worker reported a memory error or a leak" "" "$bad"
[ -z "$bad" ] || diag "$(cat $bad)"
[ "$TAP_FAILED" -eq 0 ] || diag "$(cat "$vg")"
done_testing
