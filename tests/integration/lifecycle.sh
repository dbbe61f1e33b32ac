#!/bin/sh
# Stopping: running jobs drain, queued ones are answered, the socket goes.
. "$TESTLIB"
plan 22

wait_running() {
	_i=0
	until ctl status --json | grep -q "\"jobs\":$1"; do
		_i=$((_i + 1)); [ $_i -lt 500 ] || bail "jobs never started"
		sleep 0.01
	done
}

start_ipcd
pids=$(worker_pids)
ctl submit sleep 300 > "$T/drained.out" &
sub=$!
wait_running 1
stop_ipcd TERM
wait $sub
is "SIGTERM lets a running job finish" 300 "$(cat "$T/drained.out")"
is "ipcd exits 0" 0 "$IPCD_STATUS"
check "the socket file is removed" test ! -e "$SOCK"
alive=0
for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
is "every worker is gone" 0 "$alive"
like "the stop is logged" 'notice: stopped' "$(cat "$LOG")"
"$IPCCTL" -s "$SOCK" ping >/dev/null 2>&1
is "afterwards clients cannot connect" 3 $?

# Queued jobs are answered shutting_down; the running one still finishes.
write_conf "workers = 1" "worker_window = 1"
start_ipcd 1
raw -n 3 -w 5000 \
    'json:{"v":1,"type":"SUBMIT","id":1,"task":"sleep","data":300}' \
    'json:{"v":1,"type":"SUBMIT","id":2,"task":"double","data":1}' \
    'json:{"v":1,"type":"SUBMIT","id":3,"task":"double","data":2}' \
    > "$T/queued.out" &
sub=$!
until [ "$(json_field queue)" = 2 ]; do sleep 0.01; done
stop_ipcd TERM
wait $sub
out=$(cat "$T/queued.out")
like "a queued job is answered shutting_down" \
    '"id":2,"code":"shutting_down"' "$(printf '%s\n' "$out" | sed -n 1p)"
like "so is the next" '"id":3,"code":"shutting_down"' \
    "$(printf '%s\n' "$out" | sed -n 2p)"
like "the running job still delivers its result" '"type":"RESULT","id":1' \
    "$(printf '%s\n' "$out" | sed -n 3p)"

# drain_timeout = 0: running jobs are cut off at once.
write_conf "drain_timeout = 0"
start_ipcd
ctl submit sleep 60000 2> "$T/cut.err" &
sub=$!
wait_running 1
stop_ipcd INT
wait $sub
is "past the drain timeout a job fails" 1 $?
like "with shutting_down" '^ipcctl: shutting_down: ' "$(cat "$T/cut.err")"
is "SIGINT stops ipcd with status 0 too" 0 "$IPCD_STATUS"

# A second SIGTERM ends the drain at once.
write_conf "drain_timeout = 3600"
start_ipcd
ctl submit sleep 60000 2> "$T/second.err" &
sub=$!
wait_running 1
kill -TERM "$IPCD_PID"
until grep -q 'draining' "$LOG"; do sleep 0.01; done
stop_ipcd TERM
wait $sub
like "a second SIGTERM cuts the drain short" '^ipcctl: shutting_down: ' \
    "$(cat "$T/second.err")"
is "and ipcd still exits 0" 0 "$IPCD_STATUS"

# ipcctl shutdown: the same drain, asked over the socket.
write_conf
start_ipcd
ctl submit sleep 300 > "$T/shut.out" &
sub=$!
wait_running 1
is "ipcctl shutdown is answered at once" stopping "$(ctl shutdown)"
wait $sub
is "the running job still finishes" 300 "$(cat "$T/shut.out")"
i=0
while kill -0 "$IPCD_PID" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 1000 ] || bail "ipcd did not stop"; sleep 0.01
done
wait "$IPCD_PID"; rc=$?; IPCD_PID=
is "then ipcd exits 0" 0 "$rc"
check "and its socket is gone" test ! -e "$SOCK"
like "the request is logged" 'asks ipcd to stop' "$(cat "$LOG")"

# Stopping with a job waiting to be sent again and no worker left: the job
# still gets an answer.
write_conf "workers = 1"
start_ipcd 1
ctl submit --timeout 500ms sleep 5000 >/dev/null 2>&1 &
hung=$!
wait_running 1
ctl submit double 3 > /dev/null 2> "$T/orphan.err" &
orphan=$!
wait_running 2
kill -TERM "$IPCD_PID"
wait $orphan
is "a job whose worker was stopped while ipcd stops fails (exit 1)" 1 $?
like "with shutting_down" '^ipcctl: shutting_down: ' "$(cat "$T/orphan.err")"
wait $hung
stop_ipcd
is "and ipcd exits 0" 0 "$IPCD_STATUS"
done_testing
