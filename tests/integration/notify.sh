#!/bin/sh
# systemd's side without systemd: READY, STATUS, RELOADING, STOPPING and
# WATCHDOG on a NOTIFY_SOCKET listener, and socket activation through
# systemd-socket-activate.
. "$TESTLIB"
plan 15

# seen PATTERN: poll until the listener has printed a matching line
seen() {
	_i=0
	until grep -Eq -- "$1" "$T/notify.out" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -le 500 ] || return 1; sleep 0.01
	done
}

"$NOTIFY" "$T/notify.sock" > "$T/notify.out" &
listener=$!
i=0; until [ -S "$T/notify.sock" ]; do i=$((i + 1)); [ $i -lt 500 ] || bail "no listener"; sleep 0.01; done
write_conf
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 "$IPCD" -f "$CONF" 2>"$LOG" &
IPCD_PID=$!
check "READY=1 once the workers are ready" seen '^READY=1 \| STATUS=2 workers'
like "READY comes with the pool's status" \
    'STATUS=2 workers: 0 busy, 2 idle; queue 0; 0 jobs done' \
    "$(grep '^READY=1' "$T/notify.out")"
check "WATCHDOG=1 when a watchdog is asked for" seen '^WATCHDOG=1$'
for n in 1 2 3; do ctl submit double $n >/dev/null; done
check "STATUS follows the jobs done" seen '^STATUS=.*; 3 jobs done, 0 failed'
kill -HUP "$IPCD_PID"
check "SIGHUP sends RELOADING=1" seen '^RELOADING=1 \| MONOTONIC_USEC=[0-9]+ \| STATUS='
check "then READY=1 again" seen 'READY=1.*' 
is "RELOADING is followed by READY" "READY=1" \
    "$(grep -A1 '^RELOADING=1' "$T/notify.out" | sed -n 2p | cut -d' ' -f1)"
# Workers that keep dying young: systemd hears of it at once, and again
# when the pool is healthy.
for n in 1 2 3; do
	wait_ready 2
	kill -KILL $(worker_pids)
done
check "a pool dying young says DEGRADED at once" seen '^STATUS=DEGRADED'
healed() {	# a plain STATUS line after the DEGRADED one
	sed -n '/^STATUS=DEGRADED/,$p' "$T/notify.out" | grep -q '^STATUS=2 workers'
}
i=0; while ! healed && [ $i -lt 1000 ]; do i=$((i + 1)); sleep 0.01; done
check "and when it is healthy again" healed
stop_ipcd TERM
check "SIGTERM sends STOPPING=1" seen '^STOPPING=1'
kill "$listener"

# Socket activation: the socket exists before ipcd does; the first client
# starts it; ipcd uses that socket and leaves it in place when it exits.
systemd-socket-activate -l "$SOCK" "$IPCD" -f "$CONF" 2>"$LOG" &
IPCD_PID=$!
i=0; until [ -S "$SOCK" ]; do i=$((i + 1)); [ $i -lt 500 ] || bail "no socket"; sleep 0.01; done
like "the first client starts ipcd" '^pong' "$(ctl -W 5 ping)"
is "and jobs run" 42 "$(ctl submit double 21)"
like "ipcd says it uses the passed socket" \
    'using the control socket passed by systemd' "$(cat "$LOG")"
stop_ipcd TERM
is "it exits 0" 0 "$IPCD_STATUS"
check "and leaves systemd's socket in place" test -S "$SOCK"
done_testing
