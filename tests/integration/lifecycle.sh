#!/bin/sh
# Stopping: running jobs drain, queued ones are answered, the socket goes.
. "$TESTLIB"
plan 46

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
raw -n 2 -w 10000 "$(job 1 sleep 5000 500)" "$(job 2 double 3)" \
    > "$T/orphan.out" &
orphan=$!
wait_running 2
kill -TERM "$IPCD_PID"
wait $orphan
like "the hung job times out" '"id":1,"code":"timeout"' "$(cat "$T/orphan.out")"
like "the job behind it, with no worker left, gets shutting_down" \
    '"id":2,"code":"shutting_down"' "$(cat "$T/orphan.out")"
stop_ipcd
is "and ipcd exits 0" 0 "$IPCD_STATUS"

# kill %1 in an interactive shell, or ^C, signals ipcd's whole process
# group: the workers are not in it, so a running job still drains.
write_conf "workers = 2"
setsid "$IPCD" -f "$CONF" 2>"$LOG" &
IPCD_PID=$!
wait_ready 2
[ "$(ps -o pgid= -p "$IPCD_PID" | tr -d ' ')" = "$IPCD_PID" ] ||
    bail "setsid did not make ipcd a process group leader"
others=0
for pid in $(worker_pids); do
	[ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$IPCD_PID" ] &&
	    others=$((others + 1))
done
is "no worker is in ipcd's process group" 0 "$others"
ctl submit sleep 1000 > "$T/group.out" 2>&1 &
sub=$!
wait_running 1
kill -TERM -- "-$IPCD_PID"
wait $sub
is "SIGTERM to the process group lets the running job finish" 1000 \
    "$(cat "$T/group.out")"
wait_exit		# stopping already: the one signal is enough
is "and ipcd exits 0" 0 "$IPCD_STATUS"

# ipcd -d returns once every worker is ready, and refuses to start beside
# a running ipcd (exit 1), so a second start never seems to work.
SOCK=$T/ipcd.sock
write_conf "workers = 3"
timeout "$STEP" "$IPCD" -f "$CONF" -d 2>"$LOG"
is "ipcd -d exits 0" 0 $?
is "by then every worker is ready" 3 "$(ready_workers)"
IPCD_PID=$(json_field pid)
timeout "$STEP" "$IPCD" -f "$CONF" -d 2>"$T/second.err"
is "a second ipcd -d on the same socket exits 1" 1 $?
like "saying why" 'another ipcd is listening there' "$(cat "$T/second.err")"
is "the first one still answers" 20 "$(ctl submit double 10)"
kill -TERM "$IPCD_PID"
_i=0
while kill -0 "$IPCD_PID" 2>/dev/null; do
	_i=$((_i + 1)); [ $_i -lt 1000 ] || bail "ipcd -d did not stop"
	sleep 0.01
done
check "SIGTERM stops it" test ! -e "$SOCK"
IPCD_PID=

# The socket's directory: made if missing (0755, whatever the umask),
# used as it is if it exists, and a clear error if it cannot be made.
SOCK=$T/run/ipcd.sock
write_conf
(umask 077; start_ipcd)
is "a missing socket directory is made, mode 0755" 755 \
    "$(stat -c %a "$T/run")"
like "and its making is logged" "made the socket's directory $T/run" \
    "$(cat "$LOG")"
stop_ipcd
mkdir -m 0710 "$T/own"
SOCK=$T/own/ipcd.sock
write_conf
start_ipcd
is "an existing directory keeps its mode" 710 "$(stat -c %a "$T/own")"
stop_ipcd
SOCK=$T/no/such/ipcd.sock
write_conf
"$IPCD" -f "$CONF" 2>"$T/nodir.err"
is "a directory that cannot be made: exit 1" 1 $?
like "saying which and why" \
    "cannot make the socket's directory $T/no/such: No such file" \
    "$(cat "$T/nodir.err")"

# Only the socket ipcd made is removed when it stops: a file, or another
# ipcd's socket, put in its place meanwhile is left alone.
SOCK=$T/ipcd.sock
write_conf
start_ipcd
rm -f "$SOCK"; echo mine > "$SOCK"
stop_ipcd
is "a file put where the socket was is left alone" mine "$(cat "$SOCK")"
like "and ipcd says so" "is no longer ipcd's socket" "$(cat "$LOG")"
rm -f "$SOCK"
start_ipcd
first=$IPCD_PID
rm -f "$SOCK"
cp "$CONF" "$T/second.conf"
"$IPCD" -f "$T/second.conf" 2>"$T/second.log" &
IPCD_PID=$!
wait_ready 2
second=$IPCD_PID
IPCD_PID=$first
stop_ipcd
IPCD_PID=$second
is "stopping the first ipcd leaves the second one's socket" 20 \
    "$(ctl submit double 10)"
stop_ipcd

# A frozen ipcd whose backlog is full does not hang a second one: the
# check for a live socket never blocks.
start_ipcd
kill -STOP "$IPCD_PID"
/usr/bin/python3 -c '
import resource, socket, sys, time
h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
held = []
while len(held) < h - 16:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        break
    held.append(s)
print("full" if len(held) < h - 16 else "limit", flush=True)
time.sleep(120)
' "$SOCK" > "$T/backlog" 2>&1 &
filler=$!
_i=0
until [ -s "$T/backlog" ]; do
	_i=$((_i + 1)); [ $_i -lt 3000 ] || bail "the backlog did not fill"
	sleep 0.01
done
is "the frozen ipcd's backlog is full" full "$(cat "$T/backlog")"
timeout -s KILL "$STEP" "$IPCD" -f "$CONF" 2>"$T/frozen.err"
is "a second ipcd beside it exits 1 at once" 1 $?
like "saying another ipcd is there" 'another ipcd is listening there' \
    "$(cat "$T/frozen.err")"
kill "$filler"; wait "$filler" 2>/dev/null
kill -CONT "$IPCD_PID"
# thawed, it has thousands of connections to accept before there is room
is "the first one, thawed, answers" 20 "$(ctl -W 8 submit double 10)"
stop_ipcd

# Started with descriptors 0-2 closed, ipcd puts /dev/null there first, so
# that none of its own descriptors take their place.
(exec "$IPCD" -f "$CONF" <&- >&- 2>&-) &
IPCD_PID=$!
wait_ready 2
is "stdin, stdout and stderr were closed: /dev/null on each" \
    "/dev/null /dev/null /dev/null" \
    "$(readlink /proc/$IPCD_PID/fd/0 /proc/$IPCD_PID/fd/1 \
    /proc/$IPCD_PID/fd/2 | tr '\n' ' ' | sed 's/ $//')"
w=$(worker_pids | head -n 1)
is "and the workers have the same" "/dev/null /dev/null" \
    "$(readlink /proc/$w/fd/0 /proc/$w/fd/1 | tr '\n' ' ' | sed 's/ $//')"
is "jobs go through" 20 "$(ctl submit double 10)"
stop_ipcd
done_testing
