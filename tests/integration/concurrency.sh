#!/bin/sh
# Many clients at once, pipelined jobs, a full queue, a worker that dies.
. "$TESTLIB"
plan 17
start_ipcd

# 20 clients, each submitting 25 jobs in turn, all at the same time.
# (Wait for them by pid: ipcd itself is a background job of this shell.)
clients=
c=1
while [ $c -le 20 ]; do
	(
		j=1
		while [ $j -le 25 ]; do
			n=$((c * 1000 + j))
			echo "$((2 * n)) $(ctl submit double $n)"
			j=$((j + 1))
		done > "$T/client.$c"
	) &
	clients="$clients $!"
	c=$((c + 1))
done
for pid in $clients; do wait "$pid"; done
wrong=$(cat "$T"/client.* | awk '$1 != $2' | wc -l)
total=$(cat "$T"/client.* | wc -l)
is "20 concurrent clients got all 500 results" 500 "$total"
is "every result is right" 0 "$wrong"

out=$(ctl bench -n 5000 -w 256 -k 0); rc=$?
is "one client pipelining 5000 jobs gets every result right" 0 "$rc"
like "and bench reports its figures" 'throughput +[0-9]+ jobs/s' "$out"

clients=
for i in 1 2 3 4; do
	ctl bench -n 5000 -w 128 -k 0 >/dev/null &
	clients="$clients $!"
done
fails=0
for pid in $clients; do wait "$pid" || fails=$((fails + 1)); done
is "four pipelining clients at once all succeed" 0 "$fails"
is "the daemon counted every job" 25500 "$(json_field done)"

# bench -c: one process, 64 connections sharing the window, every result
# checked, and each connection's p99 reported.
out=$(ctl bench -n 6400 -w 128 -k 0 -c 64); rc=$?
is "bench over 64 connections gets every result right" 0 "$rc"
like "and reports the spread of their p99" \
    '64 connections: p99 [0-9.]+ us lowest, [0-9.]+ median, [0-9.]+ highest' "$out"
is "the daemon counted those jobs too" 31900 "$(json_field done)"
is "a window smaller than the connections is refused" 2 \
    "$(ctl bench -n 10 -w 4 -c 8 >/dev/null 2>&1; echo $?)"

# A full queue refuses at once with busy; the rest still run, in order.
stop_ipcd
write_conf "workers = 1" "worker_window = 1" "queue_limit = 2"
start_ipcd 1
out=$(raw -n 4 \
    'json:{"v":1,"type":"SUBMIT","id":1,"task":"sleep","data":100}' \
    'json:{"v":1,"type":"SUBMIT","id":2,"task":"sleep","data":10}' \
    'json:{"v":1,"type":"SUBMIT","id":3,"task":"sleep","data":10}' \
    'json:{"v":1,"type":"SUBMIT","id":4,"task":"sleep","data":10}')
like "past queue_limit a job gets busy at once" \
    '"id":4,"code":"busy"' "$(printf '%s\n' "$out" | sed -n 1p)"
is "the running and queued jobs finish in order" "1 2 3" \
    "$(printf '%s\n' "$out" | sed -n '2,4p' | grep -o '"id":[0-9]*' |
    cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"

# A worker killed while it runs a job: with no retries the job fails, and
# the worker is replaced.
stop_ipcd
write_conf "retries = 0"
start_ipcd
ctl submit sleep 5000 > "$T/killed.out" 2> "$T/killed.err" &
sub=$!
i=0
until ctl status --json | grep -q '"jobs":1'; do
	i=$((i + 1)); [ $i -lt 500 ] || bail "the job never started"; sleep 0.01
done
victim=$(ctl status --json | grep -o '"pid":[0-9]*,"state":"ready","jobs":1' |
    grep -o '[0-9]*' | head -n 1)
kill -KILL "$victim"
wait $sub
is "the job of a killed worker fails with exit 1" 1 $?
like "and says worker_died" '^ipcctl: worker_died: worker \(pid [0-9]+\) was killed by signal 9 \(SIGKILL\)$' \
    "$(cat "$T/killed.err")"
wait_ready 2
pids=$(worker_pids | tr '\n' ' ')
case " $pids" in *" $victim "*) gone=no ;; *) gone=yes ;; esac
is "the killed worker was replaced by a new process" yes "$gone"
is "the pool serves jobs again" 20 "$(ctl submit double 10)"
like "the death is logged with its signal" \
    "worker [0-9] \\(pid $victim\\) was killed by signal 9 \\(SIGKILL\\)" \
    "$(cat "$LOG")"
done_testing
