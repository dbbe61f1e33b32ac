#!/bin/sh
# Chaos: 100,000 jobs from four pipelining connections while workers are
# killed with SIGKILL at random and some jobs hang past their timeout.
# Every job gets exactly one answer, the pool heals, and the master ends
# with the descriptors and about the memory it had before.
#
# Workers killed younger than 2 s make ipcd delay their replacements (100
# ms, doubling up to 10 s), but each timeout restarts its worker at once
# and fills every empty slot with it, so the pool keeps serving; once the
# jobs are done, the last empty slot may wait out the back-off.
. "$TESTLIB"
: "${CHAOS:?}"
plan 19

JOBS=100000
SLEEP_EVERY=2000	# one job in 2000 sleeps 2 s with a 100 ms timeout
STEP=20			# seconds a ctl call may take (the master is busy)

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
wait_for() {
	_max=$(($1 * 20)); _what=$2; shift 2
	_i=0
	until "$@"; do
		kill -0 "$IPCD_PID" 2>/dev/null || bail "ipcd exited"
		_i=$((_i + 1))
		[ "$_i" -le "$_max" ] || return 1
		sleep 0.05
	done
}
full() {		# full N: N workers ready, none holding a job
	_s=$(ctl status --json) || return 1
	[ "$(printf '%s' "$_s" | grep -o '"state":"ready","jobs":0,' |
	    wc -l)" -eq "$1" ]
}
fds() { ls "/proc/$IPCD_PID/fd" | wc -l; }
vm() { sed -n "s/^$1:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$IPCD_PID/status"; }
rss_kb() { vm VmRSS; }
hwm_kb() { vm VmHWM; }
fds_are() { [ "$(fds)" -eq "$1" ]; }
# settled_fds: the master's fd count once the last ctl's connection is
# closed: nothing connects now, so the count only falls; poll until it
# stays the same for 100 ms
settled_fds() {
	_a=$(fds); sleep 0.1; _b=$(fds)
	while [ "$_a" -ne "$_b" ]; do _a=$_b; sleep 0.1; _b=$(fds); done
	echo "$_b"
}
# summary FIELD: a number from the chaos client's summary line, -1 if none
summary() {
	_v=$(sed -n "s/^chaos: .* $1=\([0-9]*\).*/\1/p" "$T/chaos.out")
	echo "${_v:--1}"
}
# counter NAME: a counter of ipcctl status, -1 if it cannot be read
counter() { _v=$(json_field "$1"); echo "${_v:--1}"; }
rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

# kill_one: SIGKILL one of ipcd's workers, chosen at random.  A pid is only
# killed if it is still a child of ipcd: one read from status may already
# be gone, and its number taken by another process.
kill_one() {
	_pids=$(ctl status --json | grep -o '"pid":[1-9][0-9]*,"state"' |
	    grep -o '[0-9]*')
	_n=$(printf '%s\n' $_pids | grep -c .)
	[ "$_n" -gt 0 ] || return 1
	_p=$(printf '%s\n' $_pids | sed -n "$(($(rand) % _n + 1))p")
	[ "$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$_p/status" 2>/dev/null)" \
	    = "$IPCD_PID" ] || return 1
	kill -KILL "$_p" 2>/dev/null
}

# chaos ARGS...: run the chaos client in the background; its exit status
# goes to $T/chaos.rc when it ends
chaos() {
	rm -f "$T/chaos.rc"
	(
		timeout 90 "$CHAOS" "$@" "$SOCK" > "$T/chaos.out" 2> "$T/chaos.err"
		echo $? > "$T/chaos.rc.tmp" && mv "$T/chaos.rc.tmp" "$T/chaos.rc"
	) &
	CHAOS_PID=$!
}

# killer: kill a random worker every 20 to 50 ms until the client ends
killer() {
	KILLS=0
	while [ ! -f "$T/chaos.rc" ]; do
		kill_one && KILLS=$((KILLS + 1))
		sleep "0.0$((20 + $(rand) % 31))"
	done
	wait "$CHAOS_PID"
}

write_conf "workers = 4" "queue_limit = 1000000"
start_ipcd 4

# Warm up: a short round of the same chaos, so that the master's buffers
# and job table reach the size that this load needs.
chaos -n 20000 -e "$SLEEP_EVERY" -t 60
killer
is "a warm-up round passes" 0 "$(cat "$T/chaos.rc")"
wait_for 30 "the pool to heal after the warm-up" full 4 ||
    bail "the pool did not heal after the warm-up"
fds0=$(settled_fds)
rss0=$(rss_kb)
done0=$(counter done) failed0=$(counter failed)
deaths0=$(counter deaths) retried0=$(counter retried)
timed0=$(counter timed_out)
diag "master after warm-up: $fds0 fds, RSS $rss0 KiB (peak $(hwm_kb) KiB)"

# The chaos itself.
t0=$(date +%s)
chaos -n "$JOBS" -c 4 -w 256 -e "$SLEEP_EVERY" -l 500 -t 60
killer
rc=$(cat "$T/chaos.rc")
diag "$(cat "$T/chaos.out")" "$KILLS workers killed"
[ -s "$T/chaos.err" ] && diag "$(head -n 20 "$T/chaos.err")"
is "the chaos client is satisfied" 0 "$rc"
is "every job was answered" "$JOBS" \
    "$(($(summary results) + $(summary worker_died) + $(summary timeout)))"
is "no job was answered twice" 0 "$(summary duplicates)"
is "no job is missing an answer" 0 "$(summary missing)"
is "no result is wrong" 0 "$(summary wrong)"
is "no answer is unexpected or for an unknown job" "0 0" \
    "$(summary other) $(summary unknown)"
like "sleep jobs ran past their timeout" '^[1-9]' "$(summary timeout)"
like "workers were killed" '^[1-9]' "$KILLS"

# The pool heals: every slot refilled and every worker idle.
if wait_for 40 "the pool to heal" full 4; then
	ok "the pool is back to 4 ready workers"
else
	not_ok "the pool is back to 4 ready workers"
	diag "$(ctl status --json)"
fi
t1=$(date +%s)
deaths=$(($(counter deaths) - deaths0))
retried=$(($(counter retried) - retried0))
timed=$(($(counter timed_out) - timed0))
diag "deaths $deaths, retried $retried, timed out $timed in $((t1 - t0)) s"
like "status counted the deaths" '^[1-9]' "$deaths"
like "and the retries" '^[1-9]' "$retried"
is "and as many timeouts as the client saw" "$(summary timeout)" "$timed"
is "status counted every result the client saw" "$(summary results)" \
    "$(($(counter done) - done0))"
is "and every error" "$(($(summary worker_died) + $(summary timeout)))" \
    "$(($(counter failed) - failed0))"
is "nothing is left in the queue" 0 "$(counter queue)"

# The master's resources: the same descriptors as before, and about the
# same memory.  The job table and the buffers have reached their size in
# the warm-up; the 2 MiB allowed are for what malloc keeps of memory freed
# at the peak of the chaos (a killed worker's jobs wait while its
# replacement fills its window).  A leak of 21 bytes a job would not fit.
# AddressSanitizer holds freed memory in quarantine, so there the RSS
# says nothing.
wait_for 5 "the fd count to come back" fds_are "$fds0"
is "the master has as many fds as before" "$fds0" "$(fds)"
rss1=$(rss_kb)
diag "master after chaos: $(fds) fds, RSS $rss1 KiB (peak $(hwm_kb) KiB)"
if [ "${SANITIZERS:-no}" = yes ]; then
	ok "# SKIP RSS under AddressSanitizer ($rss0 -> $rss1 KiB)"
elif [ "$rss1" -le $((rss0 + 2048)) ]; then
	ok "the master's RSS is back within 2 MiB of before"
else
	not_ok "the master's RSS is back within 2 MiB of before"
	diag "RSS before: $rss0 KiB, after: $rss1 KiB"
fi
stop_ipcd TERM
is "ipcd then stops cleanly (with sanitizers: no leak)" 0 "$IPCD_STATUS"
[ "$IPCD_STATUS" -eq 0 ] || diag "$(tail -n 40 "$LOG")"
done_testing
