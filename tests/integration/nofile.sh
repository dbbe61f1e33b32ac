#!/bin/sh
# The descriptor limit: ipcd raises its soft limit to the hard one, gives
# its workers the one it started with, and checks every pool size against
# what the limit allows (at start, with -n, at a reload and at SCALE), with
# a clear error; SCALE is always answered.
. "$TESTLIB"
plan 15

limits_of() { grep '^Max open files' "/proc/$1/limits" | awk '{print $4, $5}'; }

write_conf "workers = 2"
(ulimit -Sn 256; exec "$IPCD" -f "$CONF" 2>"$LOG") &
IPCD_PID=$!
wait_ready 2
hard=$(ulimit -Hn)
is "the master's soft limit is raised to its hard one" "$hard $hard" \
    "$(limits_of "$IPCD_PID")"
is "the workers get the soft limit ipcd started with" "256 $hard" \
    "$(limits_of "$(worker_pids | head -n 1)")"
stop_ipcd
write_conf "workers = 2" "limit_nofile = 100"
(ulimit -Sn 256; exec "$IPCD" -f "$CONF" 2>"$LOG") &
IPCD_PID=$!
wait_ready 2
is "unless their pool sets limit_nofile" "100 100" \
    "$(limits_of "$(worker_pids | head -n 1)")"
stop_ipcd

# With a hard limit of 400, 1024 workers cannot be had.
write_conf "workers = 1024"
out=$(ulimit -n 400; "$IPCD" -n -f "$CONF" 2>&1); rc=$?
is "ipcd -n refuses more workers than the limit allows (exit 1)" 1 "$rc"
is "saying why" "ipcd: $CONF: the workers would need 1024 descriptors, \
with 192 kept for clients and ipcd itself, and the limit is 400: fewer \
workers, or raise the limit (LimitNOFILE=)" "$out"
out=$(ulimit -n 400; timeout "$STEP" "$IPCD" -f "$CONF" 2>&1); rc=$?
is "so does a start (exit 1)" 1 "$rc"
write_conf "workers = 200" "[pool p]" "command = $EXAMPLE_C" "workers = 3"
like "a program's worker counts three (channel, output, error)" \
    "would need 209 descriptors" \
    "$(ulimit -n 400; "$IPCD" -n -f "$CONF" 2>&1)"

write_conf "workers = 2"
(ulimit -n 400; exec "$IPCD" -f "$CONF" 2>"$LOG") &
IPCD_PID=$!
wait_ready 2
out=$(ctl scale 1024 2>&1); rc=$?
is "SCALE past the limit is answered bad_data (exit 1)" 1 "$rc"
is "saying why" "ipcctl: bad_data: pool builtin: the workers would need \
1024 descriptors, with 192 kept for clients and ipcd itself, and the limit \
is 400: fewer workers, or raise the limit (LimitNOFILE=)" "$out"
is "and the pool keeps its size" 2 "$(ready_workers)"
is "a SCALE within the limit works" "20 workers" "$(ctl scale 20)"
write_conf "workers = 1024"
like "a reload past the limit is refused" \
    "^ipcctl: bad_config: the workers would need 1024 descriptors" \
    "$(ctl reload 2>&1)"
is "and changes nothing" 20 "$(ready_workers)"
stop_ipcd

# A pool whose new workers cannot start does not leave SCALE unanswered:
# it is answered once the pool backs off (degraded), and ipcctl says so
# and fails.
cat > "$T/flaky" <<EOS
#!/bin/sh
[ -e "$T/broken" ] && exit 1
exec "$EXAMPLE_C"
EOS
chmod +x "$T/flaky"
write_conf "builtin = no" "[pool f]" "command = $T/flaky" "workers = 2"
start_ipcd 2
touch "$T/broken"
out=$(ctl scale f 4 2>&1); rc=$?
like "SCALE to workers that die at once is still answered" \
    'ipcctl: pool f has 2 of 4 workers ready: its workers keep failing to start' \
    "$out"
is "and ipcctl fails" 1 "$rc"
done_testing
