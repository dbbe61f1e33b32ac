#!/bin/sh
# Garbage on the control socket gets an error or a closed connection, and
# never stops the daemon or disturbs another client's jobs.
. "$TESTLIB"
plan 44
start_ipcd
before=$(worker_pids | tr '\n' ' ')

# first_line PATTERN OUTPUT: the output's first line matches
reply() { printf '%s\n' "$2" | sed -n "${1}p"; }

out=$(raw -w 2000 hex:ffffffff)
like "a length above max_message gets too_large" '"code":"too_large"' \
    "$(reply 1 "$out")"
like "too_large carries a nil id" '"id":null' "$(reply 1 "$out")"
is "and the connection is closed" EOF "$(reply 2 "$out")"
out=$(raw -w 2000 hex:00000000)
like "a zero length gets bad_frame" '"code":"bad_frame"' "$(reply 1 "$out")"
is "and the connection is closed" EOF "$(reply 2 "$out")"
out=$(raw -w 300 hex:0000000a8301)
is "a frame cut short waits for the rest" OPEN "$out"

out=$(raw -w 300 hex:00000001c1)
like "a byte that is not MessagePack gets bad_message" \
    '"code":"bad_message","message":"not valid MessagePack"' "$(reply 1 "$out")"
is "and the connection stays open" OPEN "$(reply 2 "$out")"
like "bytes after the value get bad_message" 'bytes left over' \
    "$(raw -n 1 hex:00000002c0c0)"
like "a value cut short inside its frame gets bad_message" 'truncated' \
    "$(raw -n 1 hex:0000000181)"
like "an array instead of a map gets bad_message" 'must be a map' \
    "$(raw -n 1 'json:[1,2,3]')"
like "non-string keys get bad_message" 'keys must be strings' \
    "$(raw -n 1 'hex:00000003810102')"
out=$(raw -n 1 'json:{"type":"PING","id":4}')
like "a message without v gets bad_message" "missing key 'v'" "$out"
like "and the reply carries its id" '"id":4' "$out"
like "version 2 gets bad_version" '"id":7,"code":"bad_version"' \
    "$(raw -n 1 'json:{"v":2,"type":"PING","id":7}')"
like "an unknown type gets unknown_type" '"id":3,"code":"unknown_type"' \
    "$(raw -n 1 'json:{"v":1,"type":"FROB","id":3}')"
like "a worker-plane TASK from a client gets unknown_type" \
    '"code":"unknown_type"' \
    "$(raw -n 1 'json:{"v":1,"type":"TASK","id":3,"task":"echo","data":1}')"
like "a string id gets bad_message" "'id' must be an unsigned integer" \
    "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":"x","task":"echo"}')"
like "a negative id gets bad_message" "'id' must be an unsigned integer" \
    "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":-1,"task":"echo"}')"
like "a numeric task gets bad_message" "'task' must be a string" \
    "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":1,"task":5}')"
like "an empty task gets bad_message" "'task' must be a string" \
    "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":1,"task":""}')"
like "a SUBMIT without a task gets bad_message" "missing key 'task'" \
    "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":1}')"
like "duplicate keys get bad_message" 'duplicate key' \
    "$(raw -n 1 'hex:0000000a83a17601a17601a16902')"

deep=$(printf '91%.0s' $(seq 200))
like "200 nested arrays get bad_message" '"code":"bad_message"' \
    "$(raw -n 1 "hex:000000c9${deep}c0")"
like "a map header claiming 4 billion entries gets bad_message" \
    '"code":"bad_message"' "$(raw -n 1 hex:00000005dfffffffff)"
like "an array header claiming 16 million entries gets bad_message" \
    '"code":"bad_message"' "$(raw -n 1 hex:00000005dd01000000)"

out=$(raw -n 2 'json:[1]' 'json:{"v":1,"type":"PING","id":9}')
like "after a bad message the same connection still works" \
    '"type":"PONG","id":9,"version":"[0-9.]+","max_message":1048576' \
    "$(reply 2 "$out")"

# Random bytes, and clients that vanish mid-frame or mid-job, while a
# well-behaved client pipelines jobs through the daemon.
ctl bench -n 20000 -w 64 -k 0 > "$T/bench.out" 2>&1 &
bench=$!
i=0
while [ $i -lt 40 ]; do
	raw -w 0 "hex:$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	    >/dev/null 2>&1
	raw -w 0 hex:000000ff81a176 >/dev/null 2>&1
	raw -w 0 'json:{"v":1,"type":"SUBMIT","id":1,"task":"sleep","data":20}' \
	    >/dev/null 2>&1
	i=$((i + 1))
done
wait $bench
is "a pipelining client is undisturbed by 120 bad ones" 0 $?

# A corpus of malformed frames, each on its own connection, while a
# well-behaved client pipelines jobs: every one is answered with an error
# or closed, and the good client sees nothing of it.
ctl bench -n 50000 -w 64 -k 0 > "$T/bench2.out" 2>&1 &
bench=$!
# the SUBMIT of the protocol's example: 85 a1 76 01 ... a4 64 61 74 61 15
body=85a17601a474797065a65355424d4954a26964$(printf 01)a47461736ba6646f75626c65a46461746115
len=$((${#body} / 2))
n=0; cut_ok=0; cut_closed=0
while [ $n -lt "$len" ]; do
	part=$(printf '%s' "$body" | cut -c1-$((n * 2)))
	# a header promising the whole body, then only part of it, then EOF
	out=$(raw -w 0 "hex:$(printf '%08x' "$len")$part")
	case "$out" in *EOF*|*OPEN*) cut_closed=$((cut_closed + 1)) ;; esac
	# a frame that holds exactly the cut body: a truncated value
	if [ $n -gt 0 ]; then
		out=$(raw -n 1 "hex:$(printf '%08x' "$n")$part")
		case "$out" in *'"code":"bad_message"'*) cut_ok=$((cut_ok + 1)) ;; esac
	fi
	n=$((n + 1))
done
is "a SUBMIT cut at every offset, then the client gone: no reply, no harm"     "$len" "$cut_closed"
is "a SUBMIT cut at every offset inside its frame: bad_message each time"     $((len - 1)) "$cut_ok"
big=0
for h in ffffffff fffffffe 80000000 7fffffff 00100001; do
	out=$(raw -w 2000 "hex:$h")
	case "$out" in *'"code":"too_large"'*EOF) big=$((big + 1)) ;; esac
done
is "lengths near 2^32 and just past max_message: too_large, closed" 5 "$big"
like "a string header claiming 4 GiB gets bad_message" '"code":"bad_message"'     "$(raw -n 1 hex:00000006dbffffffff41)"
like "a binary header claiming 4 GiB gets bad_message" '"code":"bad_message"'     "$(raw -n 1 hex:00000006c6ffffffff41)"
deep=$(printf '81a1%.0s61' $(seq 3000) | head -c 18000)
like "3000 nested maps get bad_message" '"code":"bad_message"'     "$(raw -n 1 "hex:$(printf '%08x' $((${#deep} / 2 + 1)))${deep}c0")"
like "a float id gets bad_message" "'id' must be an unsigned integer"     "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":1.5,"task":"echo"}')"
like "a timeout of the wrong type gets bad_message" "'timeout' must be"     "$(raw -n 1 'json:{"v":1,"type":"SUBMIT","id":1,"task":"echo","timeout":"1s"}')"
wait $bench
is "the pipelining client got all 50000 results meanwhile" 0 $?

# A client that goes while its jobs wait: they are dropped, not run.
write_conf "workers = 1" "worker_window = 1"
stop_ipcd
start_ipcd 1
raw -w 200 \
    'json:{"v":1,"type":"SUBMIT","id":1,"task":"sleep","data":300}' \
    'json:{"v":1,"type":"SUBMIT","id":2,"task":"sleep","data":300}' \
    'json:{"v":1,"type":"SUBMIT","id":3,"task":"sleep","data":300}' \
    'json:{"v":1,"type":"SUBMIT","id":4,"task":"sleep","data":300}' >/dev/null
is "the queued jobs of a client that went are dropped" 0 "$(json_field queue)"
is "a new job is served next" 20 "$(ctl submit double 10)"
is "only the running job of the gone client was run" 2 "$(json_field done)"
is "no client is left over" 1 "$(json_field clients)"

check "the daemon is still running" kill -0 "$IPCD_PID"
is "and serves jobs" 8 "$(ctl submit double 4)"
stop_ipcd
is "and stops cleanly" 0 "$IPCD_STATUS"
diag "worker pids before the restart: $before"
done_testing
