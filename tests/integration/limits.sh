#!/bin/sh
# What one client may hold: connections per user, jobs per connection, and
# replies waiting to be read.  Each limit refuses or drops only the client
# that reached it; everyone else is served as before.
. "$TESTLIB"
plan 21

# as_nobody PROGRAM ARGS...: run as nobody:nogroup, with no other group
as_nobody() {
	timeout "$STEP" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$@"
}

# clients_are N: poll until ipcd counts N clients (this status included)
clients_are() {
	_i=0
	until [ "$(json_field clients)" = "$1" ]; do
		_i=$((_i + 1)); [ $_i -le 1000 ] || return 1; sleep 0.01
	done
}

# queue_is N: poll until N jobs wait in the queue
queue_is() {
	_i=0
	until [ "$(json_field queue)" = "$1" ]; do
		_i=$((_i + 1)); [ $_i -le 500 ] || return 1; sleep 0.01
	done
}

# hold_as_nobody: an idle connection for up to 20 s, as nobody; its pid in $!
hold_as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$RAW" "$SOCK" -w 20000 >/dev/null 2>&1 &
}

# Connections per user: nobody may hold 2, root any number.
per_user() {
	nobody_uid=$(id -u nobody)
	chmod 755 "$T"		# nobody must reach the socket
	write_conf "socket_mode = 0666" "allow_users = nobody" \
	    "max_connections_per_user = 2"
	start_ipcd
	hold_as_nobody; h1=$!
	hold_as_nobody; h2=$!
	check "nobody holds 2 idle connections" clients_are 3
	out=$(as_nobody "$IPCCTL" -s "$SOCK" submit double 10 2>&1); rc=$?
	is "a third connection of the same user is refused (exit 1)" 1 "$rc"
	like "with busy, naming the uid and the setting" \
	    "^ipcctl: busy: uid $nobody_uid has 2 connections open \\(max_connections_per_user\\)" \
	    "$out"
	out=$(as_nobody "$RAW" "$SOCK" -w 2000 'json:{"v":1,"type":"PING","id":5}' \
	    2>/dev/null)
	like "busy is sent once, with id nil" '"id":null,"code":"busy"' \
	    "$(printf '%s\n' "$out" | sed -n 1p)"
	is "and the connection is closed" EOF "$(printf '%s\n' "$out" | sed -n 2p)"
	like "the refusal is logged" \
	    "notice: refused a connection from uid $nobody_uid .*max_connections_per_user" \
	    "$(cat "$LOG")"

	"$RAW" "$SOCK" -w 20000 >/dev/null 2>&1 & r1=$!
	"$RAW" "$SOCK" -w 20000 >/dev/null 2>&1 & r2=$!
	"$RAW" "$SOCK" -w 20000 >/dev/null 2>&1 & r3=$!
	check "root holds 3 more connections" clients_are 6
	is "and root is not limited" 20 "$(ctl submit double 10)"
	kill "$r1" "$r2" "$r3"; wait "$r1" "$r2" "$r3" 2>/dev/null

	kill "$h1"; wait "$h1" 2>/dev/null
	check "one of nobody's connections closes" clients_are 2
	is "and nobody may connect again" 8 \
	    "$(as_nobody "$IPCCTL" -s "$SOCK" submit double 4)"

	write_conf "socket_mode = 0666" "allow_users = nobody" \
	    "max_connections_per_user = 1"
	ctl reload >/dev/null
	is "after a reload to 1, the connection nobody holds is its limit" 1 \
	    "$(as_nobody "$IPCCTL" -s "$SOCK" submit double 4 >/dev/null 2>&1; echo $?)"
	kill "$h2"; wait "$h2" 2>/dev/null
	stop_ipcd
}

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null; then
	per_user
else
	i=0
	while [ $i -lt 11 ]; do
		ok "# SKIP needs root, setpriv, and the user nobody"
		i=$((i + 1))
	done
fi

# Jobs per connection: the fourth and fifth of five pipelined jobs are
# refused at once; the first three run, and other connections are served.
write_conf "workers = 4" "max_jobs_per_client = 3"
start_ipcd 4
raw -n 5 \
    'json:{"v":1,"type":"SUBMIT","id":1,"task":"sleep","data":600}' \
    'json:{"v":1,"type":"SUBMIT","id":2,"task":"sleep","data":600}' \
    'json:{"v":1,"type":"SUBMIT","id":3,"task":"sleep","data":600}' \
    'json:{"v":1,"type":"SUBMIT","id":4,"task":"sleep","data":600}' \
    'json:{"v":1,"type":"SUBMIT","id":5,"task":"sleep","data":600}' \
    > "$T/jobs.out" &
piped=$!
i=0
until [ "$(ctl status --json | grep -o '"jobs":1' | wc -l)" -eq 3 ]; do
	i=$((i + 1)); [ $i -le 500 ] || break; sleep 0.01
done
is "while a connection holds 3 jobs, another gets its job through" 20 \
    "$(ctl submit double 10)"
wait $piped
out=$(cat "$T/jobs.out")
is "past max_jobs_per_client, jobs 4 and 5 get busy at once" "4 5" \
    "$(printf '%s\n' "$out" | sed -n '1,2p' | grep '"code":"busy"' |
    grep -o '"id":[0-9]*' | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"
like "saying how many are outstanding" \
    'too many jobs outstanding on this connection \(3, max_jobs_per_client\)' \
    "$(printf '%s\n' "$out" | sed -n 1p)"
is "and jobs 1 to 3 finish normally" "1 2 3" \
    "$(printf '%s\n' "$out" | sed -n '3,5p' | grep '"type":"RESULT"' |
    grep -o '"id":[0-9]*' | cut -d: -f2 | sort | tr '\n' ' ' |
    sed 's/ $//')"

# Replies waiting: a client that submits 40 jobs of 16 KiB and reads
# nothing is dropped once 64 KiB wait for it, beyond what the socket holds.
stop_ipcd
write_conf "workers = 1" "worker_window = 4" "max_client_buffer = 64K"
start_ipcd 1
data=$(head -c 16384 /dev/zero | tr '\0' x)
echo='"task":"echo","data":'
set -- 'json:{"v":1,"type":"SUBMIT","id":0,"task":"sleep","data":1000}'
i=1
while [ $i -le 40 ]; do
	set -- "$@" "json:{\"v\":1,\"type\":\"SUBMIT\",\"id\":$i,$echo\"$data\"}"
	i=$((i + 1))
done
raw -p 4000 -w 2000 "$@" > "$T/flood.out" 2>/dev/null &
flood=$!
# (the worker holds 2 of them: a new worker's window)
check "its jobs wait in the queue behind a sleeping worker" queue_is 39
wait $flood
is "a client that does not read its replies is disconnected" EOF \
    "$(tail -n 1 "$T/flood.out")"
like "with a warning naming it and the size" \
    "warning: client [0-9]+ \\(pid [0-9]+, uid $(id -u)\\): [0-9]+ bytes of replies unread, above max_client_buffer \\(65536\\)" \
    "$(cat "$LOG")"
is "its waiting jobs are dropped: the queue is empty" 0 "$(json_field queue)"
done_jobs=$(json_field done)
check "and did not run ($done_jobs of 41 done)" [ "$done_jobs" -lt 41 ]
is "and the daemon serves other clients" 20 "$(ctl submit double 10)"
done_testing
