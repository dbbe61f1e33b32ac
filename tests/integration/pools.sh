#!/bin/sh
# Pools of worker programs beside the built-in pool: routing by --pool and
# by tasks =, status per pool, the programs' output in the log, programs
# that misbehave (missing, dying before READY, writing garbage, flooding
# stderr, never saying READY) without harm to the other pools, SCALE of one
# pool, and reloads that add, change and remove pools without losing a job.
. "$TESTLIB"

[ -x "$EXAMPLE_C" ] || { echo "1..0 # SKIP no $EXAMPLE_C"; exit 0; }
/usr/bin/python3 -c 'import msgpack' 2>/dev/null || {
	echo "1..0 # SKIP python3-msgpack is not installed (scripts/deps)"
	exit 0
}
plan 42

# The Node pool of the load test, where node is installed.
NODE=$(command -v node || true)
if [ -n "$NODE" ]; then
	JS_POOL="[pool js]
command = $NODE $EXAMPLE_JS
protocol = node
in_order = yes
workers = 2"
	NJS=2
else
	JS_POOL=
	NJS=0
fi

pools_conf() {
	write_conf "workers = 2" "" \
	    "[pool py]" "command = /usr/bin/python3 $EXAMPLE_PY" \
	    "workers = 2" "tasks = upper" "in_order = yes" "" \
	    "[pool c]" "command = $EXAMPLE_C" "workers = 2" "in_order = yes" \
	    "" "[pool chatty]" \
	    "command = /bin/sh -c 'echo out-line; echo err-line >&2; exec $EXAMPLE_C'" \
	    "workers = 1" "" "$JS_POOL" "$@"
}
pools_conf
start_ipcd $((7 + NJS))

is "a task listed by a pool goes there" '"HI"' "$(ctl submit upper '"hi"')"
is "--pool names the pool" 42 "$(ctl submit --pool c double 21)"
is "-p for short" 42 "$(ctl submit -p py double 21)"
is "other tasks go to the built-in pool" \
    '"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"' \
    "$(ctl submit sha256 '"a"')"
is "a pool that does not exist is unknown_pool" \
    "ipcctl: unknown_pool: no pool named 'nope'" \
    "$(ctl submit -p nope double 1 2>&1)"
like "a task the pool's program does not know is its unknown_task" \
    '^ipcctl: unknown_task: ' "$(ctl submit -p py sha256 '"a"' 2>&1)"
is "status has a line per pool" $((4 + NJS / 2)) \
    "$(ctl status | grep -c '^pool ')"
like "naming its program" \
    "^pool py \\(ipcd: /usr/bin/python3 $EXAMPLE_PY\\): 2 workers \\(2 ready\\)" \
    "$(ctl status | grep '^pool py ')"
out=$(ctl status c --json)
is "status c lists c's workers only" 2 \
    "$(printf '%s' "$out" | grep -o '"pool":"c","pid"' | wc -l)"
is "and c alone in pools" '"name":"c"' \
    "$(printf '%s' "$out" | grep -o '"name":"[a-z]*"' | tr '\n' ' ' |
    sed 's/ $//')"
is "status of a pool that does not exist is unknown_pool" \
    "ipcctl: unknown_pool: no pool named 'nope'" \
    "$(ctl status nope 2>&1)"
check "a program's standard output reaches the log, tagged" \
    wait_log 'info: pool chatty worker [0-9]+: out-line'
check "its standard error too, as a warning" \
    wait_log 'warning: pool chatty worker [0-9]+: err-line'

# All four pools under one load at once.
ctl bench -n 20000 -k 0 >"$T/b1" 2>&1 & b1=$!
ctl bench -p c -n 20000 -k 0 >"$T/b2" 2>&1 & b2=$!
ctl bench -p py -n 3000 -k 0 >"$T/b3" 2>&1 & b3=$!
ctl bench -p chatty -n 5000 -k 0 >"$T/b4" 2>&1 & b4=$!
if [ -n "$NODE" ]; then
	ctl bench -p js -n 20000 -k 0 >"$T/b5" 2>&1 & b5=$!
fi
n=0
for i in $(seq 50); do
	[ "$(ctl submit upper "\"x$i\"")" = "\"X$i\"" ] && n=$((n + 1))
done
wait $b1; r1=$?; wait $b2; r2=$?; wait $b3; r3=$?; wait $b4; r4=$?
r5=0
[ -n "$NODE" ] && { wait $b5; r5=$?; }
is "builtin, C, Python and Node pools under one load: every bench succeeds" \
    "0 0 0 0 0" "$r1 $r2 $r3 $r4 $r5"
is "and jobs routed by tasks = meanwhile" 50 "$n"

is "scale one pool" "3 workers" "$(ctl scale c 3)"
is "it has 3 ready workers" 3 \
    "$(ctl status c --json | grep -o '"state":"ready"' | wc -l)"
is "the others keep their size" 2 \
    "$(ctl status py --json | grep -o '"state":"ready"' | wc -l)"
is "scale of a pool that does not exist is unknown_pool" \
    "ipcctl: unknown_pool: no pool named 'nope'" "$(ctl scale nope 2 2>&1)"

# Programs that misbehave, added by a reload: the reload still answers,
# each bad pool is degraded, and the good ones go on untouched.
pools_conf "" \
    "[pool missing]" "command = /nonexistent/prog" "workers = 1" "" \
    "[pool early]" "command = /bin/sh -c 'exit 3'" "workers = 1" "" \
    "[pool garbage]" \
    "command = /bin/sh -c 'printf garbage-bytes >&3; exec sleep 600'" \
    "workers = 1" "" \
    "[pool flood]" \
    "command = /bin/sh -c \"head -c 3000000 /dev/zero | tr '\\\\0' x >&2; exec $EXAMPLE_C\"" \
    "workers = 1" "" \
    "[pool deaf]" "command = /bin/sleep 600" "workers = 1" \
    "start_timeout = 500ms"
out=$(ctl reload 2>"$T/reload.err"); rc=$?
is "a reload adding five bad pools answers" reloaded "$out"
is "and fails, as their workers cannot start" 1 "$rc"
like "naming each such pool" \
    'ipcctl: pool missing has 0 of 1 workers ready: its workers keep failing to start' \
    "$(cat "$T/reload.err")"
degraded() { ctl status "$1" --json | grep -q '"degraded":true'; }
for p in missing early garbage deaf; do
	wait_for "pool $p to be degraded" degraded "$p"
done
ok "each bad pool is degraded: missing, early, garbage, deaf"
check "a missing program is logged with the errno's text" wait_log \
    'pool missing worker [0-9]+: ipcd: cannot run /nonexistent/prog: No such file or directory'
check "garbage on the channel is refused, naming the pool" \
    wait_log 'pool garbage worker 0 \(pid [0-9]+\): too_large from worker'
check "a worker that never says READY is stopped" \
    wait_log 'pool deaf worker 0 \(pid [0-9]+\) did not say READY within 500 ms'
is "a flood on stderr ends, and its worker works" 42 \
    "$(ctl submit -p flood double 21)"
check "the flood reached the log cut in lines" \
    wait_log 'warning: pool flood worker [0-9]+: x{1000,} \[\.\.\.\]$'
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$IPCD_PID/status")
if [ "${SANITIZERS:-no}" = yes ]; then	# shadow memory and quarantine
	ok "# SKIP RSS under AddressSanitizer (${rss} KiB)"
else
	check "the master's memory stayed small (${rss} KiB)" \
	    test "$rss" -lt 16384
fi
is "the good pools are not degraded" "false false false" \
    "$(for p in builtin py c; do ctl status $p --json |
    grep -o '"degraded":[a-z]*' | head -n 1 | cut -d: -f2; done | tr '\n' ' ' |
    sed 's/ $//')"
is "and still answer" "42 42 \"OK\"" \
    "$(ctl submit double 21) $(ctl submit -p c double 21) $(ctl submit upper '"ok"')"

# A reload that removes the bad pools and py (with a job running on it),
# and gives c a new command: no job is lost, c's workers are replaced.
ctl submit -p py sleep 700 >"$T/slow" 2>&1 & slow=$!
wait_for "the job to start on py" sh -c \
    "$IPCCTL -s $SOCK status py --json | grep -q '\"jobs\":1,'"
old=$(ctl status c --json | grep -o '"pid":[0-9]*,"state"' | grep -o '[0-9]*' |
    sort | tr '\n' ' ')
ctl bench -p c -n 20000 -k 0 -w 64 >"$T/b5" 2>&1 & b5=$!
write_conf "workers = 2" "" \
    "[pool c]" "command = $EXAMPLE_C --renewed" "workers = 2" "in_order = yes"
is "a reload removing pools and changing one answers" reloaded "$(ctl reload)"
wait $slow
is "the job running on the removed pool finished" 700 "$(cat "$T/slow")"
wait $b5
is "a bench on the changed pool lost nothing" 0 $?
new=$(ctl status c --json | grep -o '"pid":[0-9]*,"state"' | grep -o '[0-9]*' |
    sort | tr '\n' ' ')
check "c's workers were replaced ($old -> $new)" test "$old" != "$new"
is "its size is the file's again" 2 \
    "$(ctl status c --json | grep -o '"state":"ready"' | wc -l)"
is "the removed pools are gone" "pool builtin pool c" \
    "$(ctl status | grep '^pool ' | cut -d' ' -f1,2 | tr '\n' ' ' |
    sed 's/ $//')"
is "a job for a removed pool is unknown_pool" \
    "ipcctl: unknown_pool: no pool named 'py'" \
    "$(ctl submit -p py double 1 2>&1)"
like "a task it listed goes to the built-in pool again" \
    "^ipcctl: unknown_task: " "$(ctl submit upper '"x"' 2>&1)"

stop_ipcd TERM
is "ipcd stops cleanly with program pools" 0 "$IPCD_STATUS"

# ipcd -n checks that every pool's program can be run.
printf '[ipcd]\n[pool a]\ncommand = /nonexistent/x\n' >"$T/n.conf"
out=$("$IPCD" -n -f "$T/n.conf" 2>&1)
is "ipcd -n refuses a missing program" 1 $?
is "naming file, line and pool" \
    "ipcd: $T/n.conf:2: pool a: command: cannot run /nonexistent/x: No such file or directory" \
    "$out"
done_testing
