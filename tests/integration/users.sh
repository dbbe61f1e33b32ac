#!/bin/sh
# One local user against another: each attack of a user allowed to connect
# (run as nobody) against a well-behaved client (root), with the bound
# that holds it asserted.
. "$TESTLIB"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null ||
    ! id nobody >/dev/null 2>&1 || ! getent group nogroup >/dev/null; then
	echo "1..0 # SKIP needs root, setpriv, and the user nobody"
	exit 0
fi
plan 36
chmod 711 "$T"		# nobody reaches the socket

# attack ARGS...: raw as nobody:nogroup, with no other group
attack() {
	timeout 30 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$RAW" "$SOCK" "$@"
}
# pjob ID TASK DATA TIMEOUT POOL: a SUBMIT to a pool, with a timeout
pjob() {
	printf 'json:{"v":1,"type":"SUBMIT","id":%s,"task":"%s","data":%s,"timeout":%s,"pool":"%s"}' \
	    "$1" "$2" "$3" "$4" "$5"
}
running() {		# running N: the workers hold N jobs in all
	[ "$(ctl status --json | grep -o '"jobs":[0-9]*' |
	    awk -F: '{ n += $2 } END { print n + 0 }')" = "$1" ]
}
field() {		# field NAME: NAME in the status, summed over pools
	ctl status --json | grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

# 3. Cheap jobs with a timeout of 1 ms, sent to land beside a victim's
# slow jobs, must not get the victim's jobs stopped or run again: with
# retries = 0 a re-run would show as worker_died.  Once for the built-in
# pool, whose workers run in order, and once for a program pool whose
# workers do not say so (their jobs' time counts from when each is sent).
victim_vs_late() {	# victim_vs_late POOL DESCRIPTION
	raw -n 2 -w 20000 "$(pjob 1 sleep 3000 60000 "$1")" \
	    "$(pjob 2 sleep 3000 60000 "$1")" > "$T/victim.out" &
	victim=$!
	wait_for "the victim's two jobs running" running 2
	frames=
	for i in $(seq 20); do frames="$frames $(pjob "$i" double "$i" 1 "$1")"; done
	attack -n 20 -w 20000 $frames > "$T/attack.out"
	wait $victim
	is "$2: the victim's jobs both get their result" \
	    '{"v":1,"type":"RESULT","id":1,"data":3000} {"v":1,"type":"RESULT","id":2,"data":3000}' \
	    "$(grep '"id":[12],' "$T/victim.out" | sort | tr '\n' ' ' | sed 's/ $//')"
	is "$2: and neither was sent again" 0 "$(field retried)"
	is "$2: the attacker got an answer for each of its 20 jobs" 20 \
	    "$(grep -c '"type":"\(RESULT\|ERROR\)"' "$T/attack.out")"
}
write_conf "socket_mode = 0666" "allow_users = nobody" "retries = 0" \
    "worker_window = 8" \
    "[pool p]" "command = $EXAMPLE_C" "workers = 2" "retries = 0" \
    "worker_window = 8"
start_ipcd 4
victim_vs_late builtin "in-order workers"
victim_vs_late p "a program pool"

# The same, made certain: a slow job and a cheap one with 1 ms, given in
# one write, land together on the one worker of a pool whose worker runs
# them one by one without saying so.  The cheap one is late at once, but
# the slow one, still in time, is neither stopped nor run again.
stop_ipcd
write_conf "socket_mode = 0666" "allow_users = nobody" "builtin = no" \
    "[pool q]" "command = $EXAMPLE_C" "workers = 1" "retries = 0" \
    "worker_window = 8"
start_ipcd 1
attack -n 2 -w 20000 "$(pjob 1 sleep 2000 60000 q)" "$(pjob 2 double 5 1 q)" \
    > "$T/pair.out"
is "the late job is answered timeout" \
    '{"v":1,"type":"ERROR","id":2,"code":"timeout","message":"the job ran past its timeout"}' \
    "$(grep '"id":2,' "$T/pair.out")"
is "the job beside it, in time, gets its result" \
    '{"v":1,"type":"RESULT","id":1,"data":2000}' "$(grep '"id":1,' "$T/pair.out")"
is "and was not sent again" 0 "$(field retried)"
like "the worker finished it before it was stopped" \
    "a job ran past its timeout; the worker finishes its other jobs first" \
    "$(cat "$LOG")"

# 2. Memory held for a client is given back when it goes: a client that
# parks 48 jobs of 512 KiB while both workers are busy, then leaves.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$IPCD_PID/status"; }
queue_is() { [ "$(field queue)" = "$1" ]; }
stop_ipcd
write_conf "socket_mode = 0666" "allow_users = nobody" "drain_timeout = 1"
start_ipcd 2
raw -n 2 -w 120000 "$(job 1 sleep 60000)" "$(job 2 sleep 60000)" >/dev/null &
busy=$!
wait_for "both workers busy" running 2
before=$(rss)
mkfifo "$T/park.in"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 "$PARK" "$SOCK" 48 524288 < "$T/park.in" > "$T/park.out" &
parker=$!
exec 9>"$T/park.in"
wait_for "48 jobs parked" queue_is 48
held=$(rss)
exec 9>&-
wait $parker
wait_for "the parked jobs dropped" queue_is 0
after=$(rss)
if [ "${SANITIZERS:-no}" = yes ]; then
	ok "# SKIP RSS under AddressSanitizer"
	ok "# SKIP RSS under AddressSanitizer"
else
	check "the parked jobs were held (RSS ${before} -> ${held} KiB)" \
	    test $((held - before)) -gt 20000
	check "and given back when the client left (${after} KiB)" \
	    test $((after - before)) -lt 8192
fi
kill $busy; wait $busy 2>/dev/null

# 1. A byte budget per user and in all.  With both workers busy, nobody
# offers 40 jobs of 256 KiB; its budget holds exactly 16 such frames (and
# 1000 bytes), so the master queues 16 and reads no further: the 17th
# frame waits in the socket, not in the master.  A small job of that user
# then gets busy; so does root's, once all clients together are at
# max_memory.  Everything comes back when the client goes.
frame=$(/usr/bin/python3 -c '
import msgpack
print(4 + len(msgpack.packb({"v": 1, "type": "SUBMIT", "id": 1, "task": "echo",
    "data": b"Z" * 262144, "timeout": 60000}, use_bin_type=True)))')
stop_ipcd
write_conf "socket_mode = 0666" "allow_users = nobody" \
    "max_memory_per_user = $((16 * frame + 1000))" \
    "max_memory = $((16 * frame + 20000))" "worker_window = 1" \
    "drain_timeout = 1"
start_ipcd 2
raw -n 2 -w 120000 "$(job 1 sleep 60000)" "$(job 2 sleep 60000)" >/dev/null &
busy=$!
wait_for "both workers busy" running 2
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 "$PARK" "$SOCK" 40 262144 < /dev/zero > /dev/null &
parker=$!
wait_for "16 jobs parked" queue_is 16
held=$(field held)
check "the master holds the 16 frames and no more ($held bytes)" \
    test "$held" -ge $((16 * frame)) -a "$held" -lt $((16 * frame + 1000))
like "past its budget, a job of that user gets busy, with the figures" \
    '"code":"busy","message":"ipcd holds [0-9]+ bytes for uid [0-9]+ already \(max_memory_per_user [0-9]+\)' \
    "$(attack "$(job 9 echo "\"$(head -c 10000 /dev/zero | tr '\0' x)\"")")"
like "past max_memory, root's job gets busy too" \
    'ipcctl: busy: ipcd holds [0-9]+ bytes for its clients already \(max_memory [0-9]+\)' \
    "$(ctl submit echo "\"$(head -c 30000 /dev/zero | tr '\0' x)\"" 2>&1)"
is "the queue still holds 16" 16 "$(field queue)"
kill "$parker"; wait "$parker" 2>/dev/null
wait_for "the parked jobs dropped" queue_is 0
check "the bytes are given back ($(field held) held)" test "$(field held)" -lt 1000
ctl scale 3 >/dev/null		# a worker free for it
is "and root's job goes through" 30000 \
    "$(ctl submit echo "\"$(head -c 30000 /dev/zero | tr '\0' x)\"" | wc -c | awk '{ print $1 - 3 }')"
kill $busy; wait $busy 2>/dev/null

# Frames begun and never finished count too: 20 connections of nobody's
# each start a frame of 1000000 bytes and stop after 100 KB; its budget
# takes four such frames, and the other connections wait unread.
half='
import socket, struct, sys, time
conns = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(struct.pack(">I", 1000000) + b"\x85" + b"\xa1" * 99999)
    conns.append(s)
print("sent", flush=True)
time.sleep(60)
'
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 -c "$half" "$SOCK" > "$T/half.out" &
halves=$!
held_is() { [ "$(field held)" = "$1" ]; }
# four frames, beside root's two running jobs (a few bytes each)
four_held() { _h=$(field held); [ "$_h" -ge 4000016 ] && [ "$_h" -lt 4001016 ]; }
small_held() { [ "$(field held)" -lt 1000 ]; }
wait_for "four frames begun are held" four_held
check "all twenty stay connected ($(field clients) clients)" \
    test "$(field clients)" -ge 21
is "and root is served meanwhile" 20 "$(ctl submit double 10)"
check "still four held ($(field held) bytes)" four_held
kill "$halves"; wait "$halves" 2>/dev/null
wait_for "nothing held once they are gone" small_held

# And a frame let in must be finished within frame_timeout: a sender that
# stops half way is told so and closed, and its room comes back.
stop_ipcd
write_conf "socket_mode = 0666" "allow_users = nobody" "frame_timeout = 1s"
start_ipcd 2
stall='
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(struct.pack(">I", 1000000) + b"\x85" + b"\xa1" * 99999)
print(s.recv(4096)[4:].decode("utf-8", "replace"), flush=True)
print("closed" if s.recv(4096) == b"" else "open", flush=True)
'
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 -c "$stall" "$SOCK" > "$T/stall.out" &
wait $!
like "a frame not finished in frame_timeout gets bad_frame" \
    'bad_frame.*a frame begun [0-9]+ ms ago is not finished \(frame_timeout 1000 ms\)' \
    "$(head -n 1 "$T/stall.out")"
is "and its connection is closed" closed "$(tail -n 1 "$T/stall.out")"
is "its room is given back" 0 "$(field held)"
like "the log names it" 'a frame of 1000004 bytes begun [0-9]+ ms ago is not finished \(frame_timeout\); closing' \
    "$(cat "$LOG")"

# 5. Fair shares of the queue.  Both workers are busy with root's jobs;
# nobody fills the queue (queue_limit 100) with jobs of a minute, and its
# 101st is refused.  Root's next job is not: it pushes out nobody's newest,
# and when two workers are added, takes its turn on the second, ahead of
# the 98 jobs of nobody's still waiting.
stop_ipcd
write_conf "socket_mode = 0666" "allow_users = nobody" "queue_limit = 100" \
    "worker_window = 1" "drain_timeout = 1"
start_ipcd 2
raw -n 2 -w 120000 "$(job 1 sleep 60000)" "$(job 2 sleep 60000)" >/dev/null &
busy=$!
wait_for "both workers busy" running 2
frames=
for i in $(seq 101); do frames="$frames $(job "$i" sleep 60000)"; done
attack -n 101 -w 120000 $frames > "$T/hog.out" &
hog=$!
wait_for "the queue full of nobody's jobs" queue_is 100
hog_has() { grep -q "$1" "$T/hog.out"; }
wait_for "nobody's 101st job answered" hog_has '"id":101,'
like "nobody's 101st job is refused: it has all of the queue" \
    '"id":101,"code":"busy","message":"all workers busy and the queue is full \(100 jobs\)"' \
    "$(cat "$T/hog.out")"
ctl submit double 21 > "$T/root.out" &
root=$!
wait_for "root's job queued, nobody's newest out" hog_has '"id":100,'
like "nobody's newest job was pushed out for it, with busy" \
    '"id":100,"code":"busy","message":"all workers busy and the queue is full \(100 jobs\): pushed out for another user' \
    "$(cat "$T/hog.out")"
ctl scale 4 >/dev/null
wait $root
is "root's job, past a queue full of another user's, gets its result" 42 \
    "$(cat "$T/root.out")"
check "while nobody's jobs still wait ($(field queue) of them)" \
    test "$(field queue)" -ge 97
kill "$hog"
kill $busy; wait $busy 2>/dev/null

# 4. A client cannot switch off the operator's job_timeout: "timeout": 0,
# or a longer time, gets job_timeout (the ceiling when max_job_timeout is
# not set), and the workers are free again for everyone else.
stop_ipcd
write_conf "socket_mode = 0666" "allow_users = nobody" "job_timeout = 1s"
start_ipcd 2
attack -n 2 -w 20000 "$(job 1 sleep 15000 0)" "$(job 2 sleep 15000 3600000)" \
    > "$T/long.out"
is "asking for no limit, or an hour, gets the operator's 1 s: timeout" 2 \
    "$(grep -c '"code":"timeout"' "$T/long.out")"
wait_for "the workers to be replaced" running 0
is "and the good client is served" 20 "$(ctl submit double 10)"
like "the stops are logged" "a job ran past its timeout; stopping the worker" \
    "$(cat "$LOG")"

# 6. A refused user cannot flood the log, and a slow log reader never
# stalls the master.  1000 connections from a uid not let in: the
# refusals are rated (10 per 5 s), and a later one says how many were not
# logged.
stop_ipcd
write_conf "socket_mode = 0666"
start_ipcd 2
knock='
import socket, sys
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.recv(512)
    s.close()
'
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 -c "$knock" "$SOCK" 1000
n=$(grep -c 'refused a connection from uid' "$LOG")
check "1000 refused connections make at most 30 log lines ($n)" \
    test "$n" -le 30
_i=0
until grep -q 'more like it in 5 s, not logged' "$LOG"; do
	_i=$((_i + 1)); [ $_i -le 100 ] || break
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    /usr/bin/python3 -c "$knock" "$SOCK" 1
	sleep 0.1
done
like "a later refusal says how many were not logged" \
    'refused a connection from uid [0-9]+ .* \(and [0-9]+ more like it in 5 s, not logged\)' \
    "$(cat "$LOG")"
stop_ipcd

# The log on a pipe that nobody reads: once the pipe is full, lines are
# dropped and counted, and the master goes on answering.
mkfifo "$T/log.fifo"
sleep 600 < "$T/log.fifo" &
stuck=$!
"$IPCD" -f "$CONF" -v 2>"$T/log.fifo" &
IPCD_PID=$!
wait_ready 2
for i in $(seq 20); do ctl status >/dev/null; done
/usr/bin/python3 -c '
import socket, sys
for i in range(3000):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.close()
' "$SOCK"
is "with its log full, the master still answers" 20 "$(ctl -t 5 submit double 10)"
cat "$T/log.fifo" > "$T/log.read" &
reader=$!
kill "$stuck"
_i=0
until grep -q 'log lines dropped' "$T/log.read"; do
	_i=$((_i + 1)); [ $_i -le 1000 ] || break
	ctl status >/dev/null; sleep 0.01
done
like "once read again, the log says how many lines were dropped" \
    'warning: [0-9]+ log lines dropped: the log was not read fast enough' \
    "$(cat "$T/log.read")"
stop_ipcd
kill "$reader" 2>/dev/null
done_testing
