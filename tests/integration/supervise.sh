#!/bin/sh
# Supervision: a job whose worker dies is sent again or answered
# worker_died, a job past its deadline is answered timeout and its worker
# replaced, results written before a death are delivered, workers are
# recycled, and a pool whose workers keep dying says it is degraded.
. "$TESTLIB"
plan 44

holding() {		# holding N: some worker holds N jobs
	ctl status --json | grep -q "\"jobs\":$1,"
}
busy_pid() {		# the pid of the worker holding jobs
	ctl status --json | grep -o '"pid":[0-9]*,"state":"ready","jobs":[1-9]' |
	    grep -o '"pid":[0-9]*' | cut -d: -f2 | head -n 1
}
pids_changed() {	# pids_changed OLD: no pid of OLD is a worker any more
	_now=" $(worker_pids | tr '\n' ' ')"
	[ "$_now" != " " ] || return 1
	for _p in $1; do
		case "$_now" in *" $_p "*) return 1 ;; esac
	done
}
blocked_reading() {	# the worker PID waits on its channel (fd 3)
	grep -q '^0 0x3 ' "/proc/$1/syscall" 2>/dev/null
}

# A killed worker's job goes to another worker (retries = 1, the default).
write_conf
start_ipcd
ctl submit sleep 300 > "$T/retry.out" 2>&1 &
sub=$!
wait_for "the job to start" holding 1
victim=$(busy_pid)
kill -KILL "$victim"
wait $sub
is "a job whose worker was killed is retried and succeeds" 0 $?
is "with its result" 300 "$(cat "$T/retry.out")"
is "status counts the retry" 1 "$(json_field retried)"
is "and the death" 1 "$(json_field deaths)"
is "and no failure" 0 "$(json_field failed)"
like "the slot's restart is counted" '"restarts":1' "$(ctl status --json)"
like "the death is logged with its signal and the jobs it held" \
    "worker [0-9] \\(pid $victim\\) was killed by signal 9 \\(SIGKILL\\), holding 1 job" \
    "$(cat "$LOG")"

# Results a worker wrote before it died are delivered, not retried: the
# master is stopped while its one worker answers three jobs and is killed.
stop_ipcd
write_conf "workers = 1" "retries = 0"
start_ipcd 1
warm_up 3
raw -n 3 -w 10000 "$(job 1 sleep 200)" "$(job 2 double 21)" \
    "$(job 3 echo '"x"')" > "$T/three.out" &
three=$!
wait_for "three jobs on the worker" holding 3
victim=$(busy_pid)
kill -STOP "$IPCD_PID"
wait_for "the worker to answer all three" blocked_reading "$victim"
kill -KILL "$victim"
kill -CONT "$IPCD_PID"
wait $three
is "the results written before the death all arrive, each one right" \
    '{"v":1,"type":"RESULT","id":1,"data":200}
{"v":1,"type":"RESULT","id":2,"data":42}
{"v":1,"type":"RESULT","id":3,"data":"x"}' "$(sort "$T/three.out")"
is "none was retried" 0 "$(json_field retried)"

# With retries = 0 a killed worker's job fails, naming the signal.
ctl submit sleep 5000 > /dev/null 2> "$T/died.err" &
sub=$!
wait_for "the job to start" holding 1
kill -KILL "$(busy_pid)"
wait $sub
is "with retries = 0 the job fails (exit 1)" 1 $?
like "with worker_died naming the signal" \
    '^ipcctl: worker_died: worker \(pid [0-9]+\) was killed by signal 9 \(SIGKILL\)$' \
    "$(cat "$T/died.err")"

# Timeouts: the job gets timeout and its worker is replaced.  A job sent
# behind it on the same worker had not started: its time had not begun
# (its timeout is as short as the slow job's, and it still succeeds), and
# it goes to the new worker without using a try (retries = 0).
stop_ipcd
write_conf "workers = 1" "job_timeout = 400ms" "retries = 0"
start_ipcd 1
old=$(worker_pids)
raw -n 2 -w 10000 "$(job 1 sleep 5000)" "$(job 2 double 7 300)" \
    > "$T/behind.out" &
behind=$!
wait_for "both jobs on the worker" holding 2
wait $behind
like "a job past job_timeout fails with timeout" \
    '^\{"v":1,"type":"ERROR","id":1,"code":"timeout","message":"the job ran past its timeout"\}$' \
    "$(grep '"id":1' "$T/behind.out")"
is "the job behind it is answered by the next worker, its time its own" \
    '{"v":1,"type":"RESULT","id":2,"data":14}' \
    "$(grep '"id":2' "$T/behind.out")"
wait_ready 1
wait_for "the stopped worker to be replaced" pids_changed "$old"
is "status counts the timeout" 1 "$(json_field timed_out)"
is "a stopped worker is not a death" 0 "$(json_field deaths)"
like "the stop is logged" 'a job ran past its timeout; stopping the worker' \
    "$(cat "$LOG")"
out=$(ctl submit --timeout=100ms sleep 3000 2>&1)
is "a job may ask for less time" \
    "ipcctl: timeout: the job ran past its timeout" "$out"
out=$(ctl submit --timeout 1h sleep 30000 2>&1)
is "but not for more than job_timeout (max_job_timeout unset)" \
    "ipcctl: timeout: the job ran past its timeout" "$out"
out=$(ctl submit --timeout 0 sleep 30000 2>&1)
is "nor for none" "ipcctl: timeout: the job ran past its timeout" "$out"
write_conf "workers = 1" "job_timeout = 400ms" "retries = 0" \
    "max_job_timeout = 60s"
ctl reload >/dev/null
is "max_job_timeout lets a job ask for more" 600 \
    "$(ctl submit --timeout 30s sleep 600)"
write_conf "workers = 1" "job_timeout = 400ms" "retries = 0" \
    "max_job_timeout = 1s"
ctl reload >/dev/null
out=$(ctl submit --timeout 1h sleep 30000 2>&1)
is "up to it: a longer time gets the ceiling" \
    "ipcctl: timeout: the job ran past its timeout" "$out"
write_conf "workers = 1" "job_timeout = 400ms" "retries = 0" \
    "max_job_timeout = 0"
ctl reload >/dev/null
is "max_job_timeout = 0 lets a job ask for no limit" 600 \
    "$(ctl submit --timeout 0 sleep 600)"
like "a bad --timeout is a usage error" "not a time" \
    "$(ctl submit --timeout 5x double 1 2>&1)"

# A job stuck behind two hung jobs in turn is sent again twice, and that
# uses none of its tries (retries = 0): it did not cause the stops.  Only
# the hung jobs time out, though all three were on the worker together.
stops=$(grep -c 'a job ran past its timeout; stopping the worker' "$LOG")
timeouts=$(json_field timed_out)
warm_up 3
raw -n 3 -w 10000 "$(job 1 sleep 5000 300)" "$(job 2 sleep 5000 300)" \
    "$(job 3 double 8 300)" > "$T/innocent.out" &
innocent=$!
wait_for "three jobs on the worker" holding 3
wait $innocent
is "a job behind two hung ones still gets its result" \
    '{"v":1,"type":"RESULT","id":3,"data":16}' \
    "$(grep '"id":3' "$T/innocent.out")"
is "both hung jobs timed out" $((timeouts + 2)) "$(json_field timed_out)"
is "each one stopping a worker of its own" $((stops + 2)) \
    "$(grep -c 'a job ran past its timeout; stopping the worker' "$LOG")"

# A worker someone stops (SIGSTOP) would hold its jobs for ever: it is
# noticed at once, killed and replaced.
old=$(worker_pids)
kill -STOP "$old"
wait_for "the stopped worker to be replaced" pids_changed "$old"
wait_ready 1
like "the stop is noticed and logged" \
    "worker 0 \\(pid $old\\) was stopped by signal 19 \\(SIGSTOP\\): killing it" \
    "$(cat "$LOG")"
is "and the pool serves again" 2 "$(ctl submit double 1)"

# A worker that does not exit on SIGTERM is killed 2 s after its job
# timed out, and replaced.
stop_ipcd
write_conf "builtin = no" "[pool t]" "workers = 1" \
    "command = /bin/sh -c 'trap \"\" TERM; exec $EXAMPLE_C'"
start_ipcd 1
old=$(worker_pids)
out=$(ctl submit -p t --timeout 200ms sleep 30000 2>&1)
is "a job on a worker that ignores SIGTERM times out" \
    "ipcctl: timeout: the job ran past its timeout" "$out"
wait_for "the worker to be replaced" pids_changed "$old"
wait_ready 1
like "it was killed after the grace period" \
    "worker 0 \\(pid $old\\) did not exit; killing it" "$(cat "$LOG")"
is "and the pool serves again" 2 "$(ctl submit -p t double 1)"

# Recycling: after max_jobs_per_worker jobs a worker is replaced; no job
# fails and the pool never empties.
stop_ipcd
write_conf "workers = 2" "max_jobs_per_worker = 3"
start_ipcd
old=$(worker_pids)
ok=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	[ "$(ctl submit double "$i")" = $((i * 2)) ] && ok=$((ok + 1))
done
is "jobs go through while workers are recycled" 12 "$ok"
wait_ready 2
wait_for "both workers to be replaced" pids_changed "$old"
like "recycling is logged" 'answered 3 jobs: replacing it' "$(cat "$LOG")"
is "recycling is not a death" 0 "$(json_field deaths)"
like "but counts as a restart" '"restarts":[1-9]' "$(ctl status --json)"

stop_ipcd
write_conf "workers = 2" "max_worker_age = 1s"
start_ipcd
old=$(worker_pids)
wait_for "workers older than max_worker_age to be replaced" pids_changed "$old"
like "max_worker_age recycles" 'older than max_worker_age' "$(cat "$LOG")"

stop_ipcd
write_conf "workers = 2" "max_worker_rss = 4K"
start_ipcd
old=$(worker_pids)
wait_for "workers over max_worker_rss to be replaced" pids_changed "$old"
like "max_worker_rss recycles" 'more than max_worker_rss' "$(cat "$LOG")"
is "jobs still go through" 20 "$(ctl submit double 10)"

# Workers that keep dying young: the pool says it is degraded, then heals.
stop_ipcd
write_conf "workers = 1"
start_ipcd 1
for i in 1 2 3; do
	wait_ready 1
	kill -KILL "$(worker_pids)"
	wait_for "the death to be seen" sh -c \
	    "! $IPCCTL -s $SOCK status --json | grep -q '\"state\":\"ready\"'"
done
is "the pool reports itself degraded" true \
    "$(ctl status --json | grep -o '"degraded":[a-z]*' | head -n 1 |
    cut -d: -f2)"
like "ipcctl status says so" '^DEGRADED: ' "$(ctl status)"
like "and the log" 'workers are dying young' "$(cat "$LOG")"
wait_ready 1
wait_for "the pool to heal" sh -c \
    "$IPCCTL -s $SOCK status --json | grep -q '\"degraded\":false'"
is "once whole for a while it is healthy again" 20 "$(ctl submit double 10)"

# Status shows each worker's memory and age.
json=$(ctl status --json)
like "each worker has an RSS" '"rss":[1-9][0-9]*' "$json"
like "and an age" '"age_ms":[0-9]' "$json"
done_testing
