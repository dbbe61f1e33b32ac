#!/bin/sh
# Reload and resize while jobs flow: none is lost or failed.
. "$TESTLIB"
plan 29

# ready_is N: poll until exactly N workers are listed, all ready
listed() { ctl status --json | grep -o '"state":"[a-z]*"' | sort | uniq -c | tr -s ' '; }
ready_is() {
	_i=0
	until [ "$(listed)" = " $1 \"state\":\"ready\"" ]; do
		_i=$((_i + 1)); [ $_i -le 1000 ] || return 1; sleep 0.01
	done
}

start_ipcd
ctl bench -n 300000 -w 64 -k 0 > "$T/bench.out" 2>&1 &
bench=$!
write_conf "workers = 5"
kill -HUP "$IPCD_PID"
check "SIGHUP with workers = 5 grows the pool to 5" ready_is 5
write_conf "workers = 1"
kill -HUP "$IPCD_PID"
check "SIGHUP with workers = 1 shrinks it to 1" ready_is 1
wait $bench
is "a pipelining client lost no job through both" 0 $?
is "no job failed" 0 "$(json_field failed)"
like "the resize is logged" 'notice: pool builtin: 1 workers \(was 5\)' "$(cat "$LOG")"

printf '[ipcd]\nsocket = %s\nworkers = zero\n' "$SOCK" > "$CONF"
kill -HUP "$IPCD_PID"
i=0; until grep -q 'reload refused' "$LOG"; do i=$((i + 1)); [ $i -lt 500 ] || break; sleep 0.01; done
like "a broken config is refused, naming file and line" \
    "reload refused, the running configuration stays: $CONF:3: workers: 'zero'" \
    "$(cat "$LOG")"
is "and the pool keeps running as it was" 8 "$(ctl submit double 4)"
check "with its one worker" ready_is 1
out=$(ctl reload 2>&1); rc=$?
is "ipcctl reload of a broken config exits 1" 1 "$rc"
like "with bad_config and the line" "^ipcctl: bad_config: $CONF:3: " "$out"

write_conf "workers = 3"
is "ipcctl reload answers when it is done" reloaded "$(ctl reload)"
is "by then 3 workers are ready" ' 3 "state":"ready"' "$(listed)"
is "ipcctl scale 4 answers when it is done" "4 workers" "$(ctl scale 4)"
is "by then 4 workers are ready" ' 4 "state":"ready"' "$(listed)"
for n in 0 1025; do
	ctl scale $n 2> "$T/scale.err"
	is "ipcctl scale $n is a usage error (exit 2)" 2 $?
	like "naming the range" 'WORKERS \(1 to 1024\)' "$(cat "$T/scale.err")"
done

# A worker that is retired finishes its running job first.
ctl scale 1 >/dev/null
ctl submit sleep 400 > "$T/sleep.out" &
sub=$!
until ctl status --json | grep -q '"jobs":1'; do sleep 0.01; done
ctl scale 2 >/dev/null
busy=$(ctl status --json | grep -o '"pid":[0-9]*,"state":"ready","jobs":1')
ctl scale 1 >/dev/null &
scaler=$!
wait $sub
is "a job on a shrinking pool still finishes" 400 "$(cat "$T/sleep.out")"
wait $scaler
is "and scale answers once the pool is down to 1" ' 1 "state":"ready"' "$(listed)"
# Scaling down past a worker that just died and waits to be replaced.
ctl scale 3 >/dev/null
top=$(ctl status --json | grep -o '"pid":[0-9]*,"state"' | tail -n 1 |
    grep -o '[0-9]*')
kill -KILL "$top"
is "scale answers even when a slot it drops is waiting for a respawn" \
    "2 workers" "$(ctl -t 5 scale 2 2>&1)"
is "and the pool is 2 ready workers" ' 2 "state":"ready"' "$(listed)"

# Requests waiting for the pool to settle are bounded: 70 pipelined SCALEs
# while new workers start, 64 wait and the rest are told busy at once.
frames=
for i in $(seq 70); do
	frames="$frames json:{\"v\":1,\"type\":\"SCALE\",\"id\":$i,\"count\":4}"
done
out=$(raw -n 70 $frames)
is "past 64 waiting SCALEs the rest get busy" 6 \
    "$(printf '%s\n' "$out" | grep -c '"code":"busy"')"
is "and the 64 get OK once the pool has 4 workers" 64 \
    "$(printf '%s\n' "$out" | grep -c '"type":"OK"')"
ctl scale 2 >/dev/null

out=$(raw -n 1 'json:{"v":1,"type":"SCALE","id":5,"count":0}')
like "SCALE to 0 workers gets bad_data" '"id":5,"code":"bad_data"' "$out"

# Admin scripts that send STATUS and SCALE and hang up at once: the pool
# changes while their replies cannot be written, and nothing breaks.
i=0
while [ $i -lt 20 ]; do
	raw -w 0 'json:{"v":1,"type":"STATUS","id":1}' \
	    "json:{\"v\":1,\"type\":\"SCALE\",\"id\":2,\"count\":$((i % 2 + 2))}" \
	    >/dev/null 2>&1
	i=$((i + 1))
done
is "clients gone mid-SCALE leave the daemon serving" 20 \
    "$(ctl submit double 10)"
is "and the pool settles" "2 workers" "$(ctl scale 2)"

# Started with -s: a reload keeps that socket and does not warn about it.
stop_ipcd
printf '[ipcd]\nsocket = %s\n' "$T/elsewhere.sock" > "$CONF"
"$IPCD" -f "$CONF" -s "$SOCK" 2>"$LOG" &
IPCD_PID=$!
wait_ready 2
is "ipcctl reload with -s in force" reloaded "$(ctl reload)"
is "does not warn that the socket changed" "" \
    "$(grep 'take effect at the next start' "$LOG")"
diag "busy worker was: $busy"
done_testing
