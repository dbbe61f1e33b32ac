#!/bin/sh
# An operator looks at the pool with ipcctl status and ping.
. "$TESTLIB"
plan 13
write_conf "workers = 3"
start_ipcd 3

like "ping answers pong" '^pong from ' "$(ctl ping)"
out=$(ctl status)
like "status names the daemon and its pid" "^ipcd [0-9.]+, pid $IPCD_PID, up " \
    "$out"
like "status counts the ready workers" 'workers 3 \(3 ready\)' "$out"
is "status lists one line per worker" 3 \
    "$(printf '%s\n' "$out" | grep -Ec '^builtin +[0-9]+ +[0-9]+  ready ')"

for i in 1 2 3 4 5 6; do ctl submit double "$i" >/dev/null; done
ctl submit nosuchtask >/dev/null 2>&1
json=$(ctl status --json)
is "status --json counts jobs done" 6 "$(json_field done)"
is "status --json counts jobs failed" 1 "$(json_field failed)"
is "status --json shows the master's pid" "$IPCD_PID" "$(json_field pid)"
is "status --json shows the queue limit" 65536 "$(json_field queue_limit)"
is "status --json lists the workers" 3 \
    "$(printf '%s\n' "$json" | grep -o '"state":"ready"' | wc -l)"
like "status --json has no envelope keys" '^\{"pid":' "$json"
# Round-robin: six jobs one after another land two on each worker.
is "jobs are spread round-robin" "2 2 2" \
    "$(printf '%s\n' "$json" | grep -o '"done":[0-9]*,"restarts"' | grep -o '[0-9]*' |
    tr '\n' ' ' | sed 's/ $//')"
for pid in $(worker_pids); do
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$IPCD_PID" ] || bad=1
done
is "every worker is a child of the master" "" "${bad:-}"
"$IPCCTL" -s "$T/none.sock" status >/dev/null 2>&1
is "status without a daemon exits 3" 3 $?

done_testing
