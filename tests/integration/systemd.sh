#!/bin/sh
# ipcd under a real systemd (../shared/systemd-sandbox, a throw-away PID 1):
# the units verify, the service starts and reports its status, logs to the
# journal at the right priorities, is socket-activated, reloads and resizes
# its pool under load, survives a bad config, and drains running jobs on stop.
: "${TESTLIB:?}" "${UNITDIR:?}"
SRCDIR=$(cd "$(dirname "$TESTLIB")/.." && pwd)
SBX=$SRCDIR/../shared/systemd-sandbox
if [ ! -x "$SBX" ] || [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP no systemd sandbox"
	exit 0
fi
. "$TESTLIB"

# A sandbox of our own, always stopped; its name is used once, so its lock
# file (all that stop leaves) goes too.
SBX_NAME=ipcd-test-$$
export SBX_NAME
trap '"$SBX" stop >/dev/null 2>&1
	rm -f "${SBX_RUNDIR:-/run/systemd-sandbox}/$SBX_NAME.lock"; cleanup' EXIT
trap 'exit 1' HUP PIPE

CTL=/usr/local/bin/ipcctl	# ipcctl inside the sandbox
SCONF=/etc/ipcd/ipcd.conf	# the config ipcd.service names
UNITS=/etc/systemd/system

# x CMD...: run CMD inside the sandbox, bounded in time
x() { timeout "$STEP" "$SBX" exec "$@"; }

# put HOSTFILE PATH MODE: copy a host file to PATH inside the sandbox
put() {
	x sh -c 'mkdir -p "${1%/*}" && cat > "$1" && chmod "$2" "$1"' put \
	    "$2" "$3" < "$1"
}

# until_ok SECONDS CMD...: retry CMD until it succeeds, for at most SECONDS
until_ok() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.05
	done
}

# sconf [KEY=VALUE]...: install a config with the socket the units use
sconf() {
	{
		echo "[ipcd]"
		echo "socket = /run/ipcd/ipcd.sock"
		for kv in "$@"; do echo "$kv"; done
	} > "$CONF"
	put "$CONF" "$SCONF" 644
}

status_text_set() { [ -n "$(x systemctl show -p StatusText --value ipcd)" ]; }
state_is() { [ "$(x systemctl is-active "$1")" = "$2" ]; }
settled() { ! state_is "$1" activating && ! state_is "$1" reloading; }
sstatus() { x "$CTL" -t 2 status --json 2>/dev/null; }
nready() { sstatus | grep -o '"state":"ready"' | wc -l; }
nworkers() { sstatus | grep -o '"pid":[0-9]*,"state"' | wc -l; }
ready_is() { [ "$(nready)" -eq "$1" ]; }
workers_is() { [ "$(nworkers)" -eq "$1" ]; }
running() { sstatus | grep -q '"jobs":[1-9]'; }
done_over() { [ "$(sstatus | grep -o '"done":[0-9]*' | head -n 1 |
    cut -d: -f2)" -gt "$1" ] 2>/dev/null; }

# journal_has [journalctl ARGS...] -- REGEX: a line ipcd itself logged
# (not systemd about it) matches
journal_has() {
	_args=
	while [ "$1" != -- ]; do _args="$_args $1"; shift; done
	# shellcheck disable=SC2086 # the arguments are words
	x journalctl -u ipcd -t ipcd --no-pager -o cat $_args |
	    grep -Eq -- "$2"
}

# A machine that cannot host the sandbox (no cgroup2 mount, no overlayfs,
# not allowed to make namespaces) skips: ipcd is not installed in it yet,
# so a failure here says nothing about ipcd.
if ! "$SBX" start --timeout 30 > "$T/sbx.out" 2>&1; then
	echo "1..0 # SKIP this machine cannot host the systemd sandbox:" \
	    "$(grep -v '^[[:space:]]*$' "$T/sbx.out" | tail -n 1)"
	diag "$(tail -n 20 "$T/sbx.out")"
	exit 0
fi
NODE=$(command -v node || true)
plan 21

# Install: the binaries where the unit looks, the units, man pages (verify
# checks Documentation=), and a config.
ipcd_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNITDIR/ipcd.service")
socket_unit=$UNITDIR/ipcd.socket
[ -f "$socket_unit" ] || socket_unit=$SRCDIR/systemd/ipcd.socket
put "$IPCD" "$ipcd_path" 755 && put "$IPCCTL" "$CTL" 755 &&
    put "$UNITDIR/ipcd.service" "$UNITS/ipcd.service" 644 &&
    put "$socket_unit" "$UNITS/ipcd.socket" 644 &&
    put "$SRCDIR/doc/ipcd.8" /usr/local/share/man/man8/ipcd.8 644 &&
    put "$SRCDIR/doc/ipcd.conf.5" /usr/local/share/man/man5/ipcd.conf.5 644 ||
    bail "cannot install ipcd in the sandbox"
# A sanitizer build checks for leaks at exit with ptrace, which the unit's
# system call filter forbids: leave leak checks to the other tests.
printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1\n' \
    > "$T/asan.conf"
put "$T/asan.conf" "$UNITS/ipcd.service.d/asan.conf" 644 ||
    bail "cannot install the drop-in"
sconf "workers = 2"
x systemctl daemon-reload || bail "systemctl daemon-reload failed"

# a. Both units are clean: verify warns on stderr even when it exits 0.
x systemd-analyze verify "$UNITS/ipcd.service" "$UNITS/ipcd.socket" \
    > /dev/null 2> "$T/verify.err"
verify_rc=$?
is "systemd-analyze verify: exit 0, nothing on stderr" "0:" \
    "$verify_rc:$(cat "$T/verify.err")"

# b. Type=notify: active only once ipcd says READY=1.
x systemctl start --no-block ipcd.service
until_ok 10 settled ipcd.service
is "systemctl start ipcd: active" active "$(x systemctl is-active ipcd)"
is "a job through the default socket" 20 "$(x "$CTL" submit double 10)"

# c. STATUS= shows in systemctl.
until_ok 5 status_text_set
like "StatusText describes the workers" 'workers' \
    "$(x systemctl show -p StatusText --value ipcd)"

# d. Priorities reach the journal: the ready line is a notice.
check "journal -p notice has the ready line" \
    until_ok 5 journal_has -p notice -- '[Rr]eady'
if journal_has -p warning -- '[Rr]eady'; then
	not_ok "journal -p warning does not"
else
	ok "journal -p warning does not"
fi

# e. Socket activation: the first connection starts the service.
x systemctl stop ipcd.service
x systemctl start ipcd.socket
is "with ipcd.socket started, ipcd.service waits" "active inactive" \
    "$(x systemctl is-active ipcd.socket) $(x systemctl is-active ipcd)"
like "ipcctl ping through the socket unit's socket" '^pong' \
    "$(x "$CTL" -t 5 ping)"
until_ok 5 settled ipcd.service
is "the connection started ipcd.service" active \
    "$(x systemctl is-active ipcd)"

# f. Reload resizes the pool while jobs stream through it, losing none.
timeout 60 "$SBX" exec sh -c 'rm -f /tmp/bench.stop; n=0
	while [ ! -e /tmp/bench.stop ]; do
		'"$CTL"' bench -n 200000 -w 64 -k 0 > /tmp/bench.out 2>&1 ||
		    { cat /tmp/bench.out; echo "round $n failed"; exit 1; }
		n=$((n + 1))
	done; echo "rounds: $n"' > "$T/bench.out" 2>&1 &
bench=$!
until_ok 5 done_over 1000 || diag "no jobs seem to flow"
sconf "workers = 5"
x systemctl reload ipcd
check "reload to 5 workers: 5 ready" until_ok 10 ready_is 5
sconf "workers = 1"
x systemctl reload ipcd
check "reload to 1 worker: exactly 1 left" until_ok 10 workers_is 1
x touch /tmp/bench.stop
_i=0
while kill -0 "$bench" 2>/dev/null && [ "$_i" -lt 300 ]; do
	_i=$((_i + 1)); sleep 0.05
done
kill "$bench" 2>/dev/null
wait "$bench"
bench_rc=$?
is "the benchmark under both reloads lost no job" 0 "$bench_rc"
diag "bench: $(cat "$T/bench.out")"

# g. A bad config is refused on reload; the running one stays.
sconf "workers = zero"
x systemctl reload ipcd
until_ok 5 settled ipcd.service
is "after a bad reload ipcd.service is still active" active \
    "$(x systemctl is-active ipcd)"
check "the journal names the file and line" \
    until_ok 5 journal_has -- 'ipcd\.conf:3:'
is "jobs still run" 8 "$(x "$CTL" submit double 4)"

# h. Stop drains: a running job still gets its result.
x "$CTL" submit sleep 500 > "$T/drain.out" 2>&1 &
sub=$!
until_ok 5 running || diag "the sleep job never showed as running"
x systemctl stop ipcd.service 2> /dev/null
wait "$sub"
is "systemctl stop lets the running job finish" 500 "$(cat "$T/drain.out")"
is "ipcd.service is inactive after stop" inactive \
    "$(x systemctl is-active ipcd)"

# i. Pools of programs under systemd: a Node pool (with the drop-in that
# lets V8 run), a pool added by systemctl reload, their workers' output in
# the journal, tagged.
if [ -z "$NODE" ]; then
	for i in 1 2 3 4; do
		ok "# SKIP node is not installed"
	done
else
	put "$SRCDIR/examples/worker.js" /usr/local/share/ipcd/worker.js 644 &&
	    put "$EXAMPLE_C" /usr/local/libexec/ipcd-worker 755 &&
	    put "$SRCDIR/systemd/ipcd-node.conf" \
	    "$UNITS/ipcd.service.d/node.conf" 644 ||
	    bail "cannot install the node pool"
	x systemctl daemon-reload
	sconf "workers = 1" "" "[pool js]" \
	    "command = $NODE /usr/local/share/ipcd/worker.js" \
	    "protocol = node" "in_order = yes" "workers = 2"
	x systemctl start --no-block ipcd.service
	until_ok 10 settled ipcd.service
	is "systemctl start ipcd with a node pool: worker.js answers" 42 \
	    "$(x "$CTL" -t 5 submit -p js double 21)"
	sconf "workers = 1" "" "[pool js]" \
	    "command = $NODE /usr/local/share/ipcd/worker.js" \
	    "protocol = node" "in_order = yes" "workers = 2" "" \
	    "[pool c]" \
	    "command = /bin/sh -c 'echo hello-journal; exec /usr/local/libexec/ipcd-worker'" \
	    "workers = 1" "tasks = upper"
	x systemctl reload ipcd
	check "systemctl reload adds a pool" until_ok 10 ready_is 4
	is "its jobs go through" '"HI"' "$(x "$CTL" -t 5 submit upper '"hi"')"
	check "its worker's output is in the journal, tagged with pool and pid" \
	    until_ok 5 journal_has -- 'pool c worker [0-9]+: hello-journal'
	x systemctl stop ipcd.service
fi

if [ "$TAP_FAILED" -gt 0 ]; then
	diag "ipcd's journal:" \
	    "$(x journalctl -u ipcd -u ipcd.socket --no-pager -o short-monotonic |
	    tail -n 40)"
fi
done_testing
