#!/bin/sh
# protocol = node: the article's worker.js, unmodified, in a pool; Node's
# traps (a throw, process.exit, a hang, garbage and endless lines on the
# channel); answers with and without ids; values crossing between
# MessagePack and JSON, and those that cannot.
. "$TESTLIB"

NODE=$(command -v node) ||
	{ echo "1..0 # SKIP node is not installed (apt-get install nodejs)"; exit 0; }
PY=/usr/bin/python3
$PY -c 'import msgpack' 2>/dev/null ||
	{ echo "1..0 # SKIP python3-msgpack is not installed"; exit 0; }
TASKS=$(dirname "$TESTLIB")/node/tasks.js
plan 41

# mp ID HEX: a SUBMIT of task echo to pool t whose data is the MessagePack
# value HEX, as raw's hex:... (built by hand: Python cannot make them all)
mp() {
	$PY - "$1" "$2" <<'EOF'
import msgpack, struct, sys
head = {"v": 1, "type": "SUBMIT", "id": int(sys.argv[1]), "task": "echo",
        "pool": "t"}
b = bytes([0x80 | (len(head) + 1)])
for k, v in head.items():
    b += msgpack.packb(k) + msgpack.packb(v)
b += msgpack.packb("data") + bytes.fromhex(sys.argv[2])
print("hex:" + (struct.pack(">I", len(b)) + b).hex())
EOF
}

write_conf "workers = 1" "max_message = 64K" "" \
    "[pool js]" "command = $NODE $EXAMPLE_JS" "protocol = node" \
    "workers = 2" "" \
    "[pool jsio]" "command = $NODE $EXAMPLE_JS" "protocol = node" \
    "workers = 2" "in_order = yes" "" \
    "[pool t]" "command = $NODE $TASKS" "protocol = node" "workers = 2" \
    "job_timeout = 2s" "" \
    "[pool env]" "command = /bin/sh -c 'env >&2; exec $EXAMPLE_C'" \
    "workers = 1" "" \
    "[pool peek]" "command = /bin/sh -c 'head -n 1 <&3 >&2; exec sleep 600'" \
    "protocol = node" "workers = 1" "job_timeout = 300ms"
start_ipcd 9

ctl submit -p peek double 21 >/dev/null 2>&1
check "the TASK line is the JSON that doc/PROTOCOL.md 6.8 shows" wait_log \
    'pool peek worker [0-9]+: \{"type":"TASK","id":[0-9]+,"task":"double","data":21\}$'
is "worker.js doubles" 42 "$(ctl submit -p js double 21)"
is "a float too" 5 "$(ctl submit -p js double 2.5)"
ctl bench -p js -n 2000 -k 0 -w 64 >/dev/null 2>&1
is "a pipelined burst through it succeeds" 0 $?
is "without ids or in_order a worker holds one job at a time" "1 1" \
    "$(ctl status js --json | grep -o '"window":[0-9]*' | cut -d: -f2 |
    tr '\n' ' ' | sed 's/ $//')"
ctl bench -p jsio -n 20000 -k 0 >/dev/null 2>&1
is "declared in order, worker.js answers a pipelined burst" 0 $?
check "holding more than one job at a time (windows above 1)" sh -c \
    "$IPCCTL -s $SOCK status jsio --json | grep -Eq '\"window\":([2-9]|[1-9][0-9])'"
ctl bench -p t -n 5000 -k 0 >/dev/null 2>&1
is "a worker that echoes ids answers a pipelined burst" 0 $?
check "and may hold more than one job" sh -c \
    "$IPCCTL -s $SOCK status t --json | grep -Eq '\"window\":([2-9]|[1-9][0-9])'"

is "an ERROR with a code of the worker's" \
    "ipcctl: my_code: failed on purpose" "$(ctl submit -p t fail 1 2>&1)"
like "a throw in the worker: worker_died after its retry" \
    '^ipcctl: worker_died: worker \(pid [0-9]+\) exited with status 1$' \
    "$(ctl submit -p t throw 1 2>&1)"
like "process.exit() mid-job: worker_died" \
    '^ipcctl: worker_died: worker \(pid [0-9]+\) exited with status 3$' \
    "$(ctl submit -p t exit 1 2>&1)"
like "a line that is not JSON stops the worker" \
    '^ipcctl: worker_died: ' "$(ctl submit -p t garbage 1 2>&1)"
check "and the log says why" wait_log \
    'pool t worker [0-9] \(pid [0-9]+\): bad_message from worker: not JSON'
like "a line longer than max_message stops the worker" \
    '^ipcctl: worker_died: ' "$(ctl submit -p t long 1 2>&1)"
check "and the log says why" wait_log \
    'pool t worker [0-9] \(pid [0-9]+\): too_large from worker: a line longer than max_message'
pid0=$(ctl submit -p t pid 0)
is "a hung job is answered timeout" \
    "ipcctl: timeout: the job ran past its timeout" \
    "$(ctl submit -p t hang 1 2>&1)"
wait_for "pool t to be whole again" sh -c \
    "[ \$($IPCCTL -s $SOCK status t --json | grep -o '\"state\":\"ready\"' | wc -l) -eq 2 ]"
is "and the pool answers again" 8 "$(ctl submit -p t double 4)"
# every worker of t holds a timer: ask until both have answered
seen=
for i in $(seq 50); do
	pid=$(ctl submit -p t timer 1)
	case " $seen " in *" $pid "*) ;; *) seen="$seen $pid" ;; esac
	[ "$(echo $seen | wc -w)" -ge 2 ] && break
done
is "scale down with a worker that outlives its channel answers" \
    "1 workers" "$(ctl scale t 1)"
check "once it got SIGTERM after the grace" wait_log \
    'pool t worker [0-9] \(pid [0-9]+\) did not exit; sending SIGTERM'
is "back to 2" "2 workers" "$(ctl scale t 2)"
is "a result nested deeper than 31 levels is bad_data" \
    "ipcctl: bad_data: the worker's value is nested deeper than 31 levels" \
    "$(ctl submit -p t deep 1 2>&1)"

printf 'abc\000\377' >"$T/bin"
is "binary goes there and back as Node's Buffer" \
    "$(ctl submit echo --file "$T/bin")" \
    "$(ctl submit -p t echo --file "$T/bin")"
is "so does a nested value" '{"a":[1,-2,2.5,"é",true,null],"b":{}}' \
    "$(ctl submit -p t echo '{"a":[1,-2,2.5,"é",true,null],"b":{}}')"
is "2^53 - 1 crosses exactly" 9007199254740991 \
    "$(ctl submit -p t echo 9007199254740991)"
bad() {	# bad DESC HEX WHY
	like "$1" "\"code\":\"bad_data\",\"message\":\"$3" \
	    "$(raw -n 1 "$(mp 7 "$2")")"
}
bad "2^53 + 1 cannot cross: bad_data" cf0020000000000001 \
    'an integer beyond 2\^53'
bad "a map key that is not a string cannot" 810102 \
    'a map key that is not a string'
bad "NaN cannot" cb7ff8000000000000 'NaN and infinities'
bad "an infinity cannot" cb7ff0000000000000 'NaN and infinities'
bad "a string that is not UTF-8 cannot" a1ff \
    'a string that is not valid UTF-8'
bad "an extension value cannot" d40000 'an extension value'
bad "a map shaped like a Buffer would come back as binary: refused" \
    82a474797065a6427566666572a4646174619101 'a map {'
is "the pool went on answering" 6 "$(ctl submit -p t double 3)"

check "a program pool's environment is clean: the default PATH" wait_log \
    'pool env worker [0-9]+: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$'
check "and no NODE_CHANNEL_FD" sh -c \
    "! grep -q 'pool env worker [0-9]*: NODE_' '$LOG'"

# The same worker.js under Bun and Deno, which implement Node's channel.
for rt in bun deno; do
	if ! command -v $rt >/dev/null; then
		ok "# SKIP $rt is not installed"
		continue
	fi
	cmd="$(command -v $rt) $EXAMPLE_JS"
	[ $rt = deno ] && cmd="$(command -v deno) run $EXAMPLE_JS"
	write_conf "workers = 1" "" "[pool js]" "command = $cmd" \
	    "protocol = node" "in_order = yes" "workers = 2" "" \
	    "[pool t]" "command = $NODE $TASKS" "protocol = node" "workers = 2"
	ctl reload >/dev/null
	is "worker.js under $rt doubles" 42 "$(ctl submit -p js double 21)"
done

write_conf "workers = 1" "max_message = 64K" "" \
    "[pool js]" "command = $NODE $EXAMPLE_JS" "protocol = node" \
    "workers = 3" "" \
    "[pool t]" "command = $NODE $TASKS" "protocol = node" "workers = 2"
is "a reload that changes a node pool's workers answers" reloaded \
    "$(ctl reload)"
is "it has 3 ready workers" 3 \
    "$(ctl status js --json | grep -o '"state":"ready"' | wc -l)"
ctl submit -p t sleep 500 >"$T/slow" 2>&1 & slow=$!
wait_for "the job to start" sh -c \
    "$IPCCTL -s $SOCK status t --json | grep -q '\"jobs\":1,'"
stop_ipcd TERM
wait $slow
is "stopping lets a running node job finish" 500 "$(cat "$T/slow")"
is "and ipcd exits 0" 0 "$IPCD_STATUS"
done_testing
