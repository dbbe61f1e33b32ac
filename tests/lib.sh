# Helpers for ipcd's integration tests; each test is a sh script printing TAP.
#
# A test sources this file, which makes a private directory with its own
# config and socket.  start_ipcd runs the real daemon there and returns once
# its workers are ready (polling, never sleeping on hope); everything it
# started is killed when the script exits, however it exits.

set -u
: "${IPCD:?}" "${IPCCTL:?}" "${RAW:?}"

T=$(mktemp -d "${TMPDIR:-/tmp}/ipcd-test.XXXXXX")
SOCK=$T/ipcd.sock
CONF=$T/ipcd.conf
LOG=$T/ipcd.log
IPCD_PID=
TAP_N=0
TAP_FAILED=0
STEP=10		# seconds any one command may take

cleanup() {
	if [ -n "$IPCD_PID" ] && kill -0 "$IPCD_PID" 2>/dev/null; then
		kill -KILL "$IPCD_PID" 2>/dev/null
		wait "$IPCD_PID" 2>/dev/null
	fi
	pkill -KILL -f "ipcd -f $CONF" 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

plan() { echo "1..$1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}
bail() {
	echo "Bail out! $*"
	[ -f "$LOG" ] && diag "ipcd log:" "$(cat "$LOG")"
	exit 1
}

# is DESC EXPECTED ACTUAL
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; diag "expected: $2" "     got: $3"
	fi
}

# like DESC PATTERN TEXT: TEXT matches the extended regex PATTERN
like() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1"; diag "expected to match: $2" "got: $3"
	fi
}

# check DESC COMMAND...: the command succeeds
check() {
	_d=$1; shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}

done_testing() {
	[ "$TAP_FAILED" -eq 0 ]
}

# ctl ARGS...: ipcctl on this test's socket, bounded in time
ctl() { timeout "$STEP" "$IPCCTL" -s "$SOCK" "$@"; }

# raw ARGS...: write raw frames to the socket and print the replies
raw() { timeout "$STEP" "$RAW" "$SOCK" "$@"; }

# job ID TASK DATA [TIMEOUT_MS]: a SUBMIT frame for raw, as json:...  Jobs
# given to one raw command reach ipcd in one write, so they are dispatched
# together: the way to put several jobs on one worker at once.
job() {
	printf 'json:{"v":1,"type":"SUBMIT","id":%s,"task":"%s","data":%s%s}' \
	    "$1" "$2" "$3" "${4:+,\"timeout\":$4}"
}

# write_conf [KEY=VALUE]...: a config with this test's socket
write_conf() {
	{
		echo "[ipcd]"
		echo "socket = $SOCK"
		for kv in "$@"; do echo "$kv"; done
	} > "$CONF"
}

ready_workers() {
	"$IPCCTL" -s "$SOCK" -t 2 status --json 2>/dev/null |
	    grep -o '"state":"ready"' | wc -l
}

# wait_ready N: poll until N workers are ready; fail fast if ipcd died
wait_ready() {
	_i=0
	while [ "$(ready_workers)" -ne "$1" ]; do
		kill -0 "$IPCD_PID" 2>/dev/null || bail "ipcd exited"
		_i=$((_i + 1))
		[ "$_i" -le 1000 ] || bail "timed out waiting for $1 ready workers"
		sleep 0.01
	done
}

# start_ipcd [N]: run ipcd on $CONF and wait for N (default 2) ready workers
start_ipcd() {
	[ -f "$CONF" ] || write_conf
	"$IPCD" -f "$CONF" 2>"$LOG" &
	IPCD_PID=$!
	wait_ready "${1:-2}"
}

# stop_ipcd [SIGNAL]: signal ipcd and wait for it; sets IPCD_STATUS
stop_ipcd() {
	kill "-${1:-TERM}" "$IPCD_PID"
	wait_exit
}

# wait_exit: wait for ipcd to exit by itself (bounded); sets IPCD_STATUS
wait_exit() {
	_i=0
	while kill -0 "$IPCD_PID" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -le 3000 ] || bail "ipcd did not exit"
		sleep 0.01
		# reap it as soon as it is a zombie
		[ "$(ps -o stat= -p "$IPCD_PID" 2>/dev/null | cut -c1)" = Z ] && break
	done
	wait "$IPCD_PID"
	IPCD_STATUS=$?
	IPCD_PID=
}

# warm_up N: run tiny jobs until every worker's window is at least N (a new
# pool starts at 2 and grows as fast answers come; slow jobs shrink it)
warm_up() {
	_i=0
	while ctl status --json | grep -o '"window":[0-9]*' | cut -d: -f2 |
	    awk -v n="$1" '$1 < n { low = 1 } END { exit !low }'; do
		_i=$((_i + 1))
		[ "$_i" -le 50 ] || bail "the windows never reached $1"
		ctl bench -n 500 -w 64 -k 0 > /dev/null || bail "warm-up failed"
	done
}

# worker_pids: the pids of the workers, one per line
worker_pids() {
	ctl status --json | grep -o '"pid":[0-9]*,"state"' | grep -o '[0-9]*'
}

# wait_for DESCRIPTION COMMAND...: poll until COMMAND succeeds; fail fast
# if ipcd died (the bound, STEP seconds of polls, only catches a hang)
wait_for() {
	_what=$1; shift
	_i=0
	until "$@"; do
		kill -0 "$IPCD_PID" 2>/dev/null || bail "ipcd exited"
		_i=$((_i + 1))
		[ "$_i" -le $((STEP * 100)) ] || bail "timed out waiting: $_what"
		sleep 0.01
	done
}

# wait_log REGEX: poll the log until a line matches, for at most STEP s
wait_log() {
	_i=0
	until grep -Eq -- "$1" "$LOG"; do
		_i=$((_i + 1))
		[ "$_i" -le $((STEP * 100)) ] || return 1
		sleep 0.01
	done
}

# json_field NAME: the first integer NAME in ipcctl status --json
json_field() {
	ctl status --json | grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}
