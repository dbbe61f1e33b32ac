#!/bin/sh
# The config file: checked with -n, errors name the file and line.
. "$TESTLIB"
plan 35

out=$("$IPCD" -n -f "$CONF_IN" 2>&1)
is "the shipped config is valid" "$CONF_IN: configuration OK" "$out"
like "ipcd -V prints the version" '^ipcd [0-9]+\.[0-9]+' "$("$IPCD" -V)"

# bad CONTENT EXPECTED-MESSAGE
bad() {
	printf '%b' "$1" > "$T/bad.conf"
	out=$("$IPCD" -n -f "$T/bad.conf" 2>&1); rc=$?
	if [ "$rc" -eq 1 ] && [ "$out" = "ipcd: $T/bad.conf:$2" ]; then
		ok "refused: $2"
	else
		not_ok "refused: $2"; diag "rc $rc: $out"
	fi
}
bad '[ipcd]\nworkers = 0\n' '2: workers: 0 is out of range (1 to 1024)'
bad '[ipcd]\n\nworkers = two\n' "3: workers: 'two' is not a number"
bad '[ipcd]\nworkers = 5x\n' "2: workers: '5x' is not a number"
bad '[ipcd]\nworkers = -1\n' "2: workers: '-1' is not a number"
bad '[ipcd]\nqueue_limit = 99999999999\n' \
    '2: queue_limit: 99999999999 is out of range (0 to 10000000)'
bad '[ipcd]\nmax_message = 1T\n' \
    "2: max_message: '1T' is not a size (bytes, or a number with K, M or G)"
bad '[ipcd]\nmax_message = 100\n' \
    '2: max_message: 100 is out of range (1024 to 67108864)'
bad '[ipcd]\nsocket_mode = 0999\n' "2: socket_mode: '0999' is not an octal mode"
bad '[ipcd]\nlog_level = loud\n' \
    "2: log_level: 'loud' is not one of err, warning, notice, info, debug"
bad '[ipcd]\nworkers = 2\ncolour = blue\n' "3: unknown key 'colour'"
bad '[ipcd]\nworkers = 2\nworkers = 3\n' "3: key 'workers' given twice"
bad '[pool]\nworkers = 2\n' '1: unknown section [pool]'
bad '[ipcd]\nworkers = 2\n[empty]\n' '3: unknown section [empty]'
bad 'workers = 2\n' "1: key 'workers' is outside the [ipcd] section"
bad "[ipcd]\n# $(printf '%0300d' 0)\nworkers = 2\n" \
    '2: line longer than 198 characters'
bad '[ipcd]\nthis is not ini\n' \
    '2: syntax error (expected [section] or key = value)'

out=$("$IPCD" -n -f "$T/missing.conf" 2>&1); rc=$?
is "a missing config file is an error" \
    "1 ipcd: $T/missing.conf: No such file or directory" "$rc $out"

# -s overrides the socket; a second daemon on the same socket is refused.
printf '[ipcd]\nsocket = %s\n' "$T/other.sock" > "$CONF"
"$IPCD" -f "$CONF" -s "$SOCK" 2>"$LOG" &
IPCD_PID=$!
wait_ready 2
check "-s overrides the config's socket" test -S "$SOCK" -a ! -e "$T/other.sock"
out=$("$IPCD" -f "$CONF" -s "$SOCK" 2>&1); rc=$?
like "a second ipcd on a live socket is refused" \
    "another ipcd is listening there" "$rc $out"
stop_ipcd KILL
check "a killed ipcd leaves its socket file behind" test -S "$SOCK"
"$IPCD" -f "$CONF" -s "$SOCK" 2>"$LOG" &
IPCD_PID=$!
wait_ready 2
is "a stale socket file is replaced at start" 20 "$(ctl submit double 10)"

# A config at a path of about 1000 bytes of two-byte characters: the error
# keeps its line and problem, and is cut only between characters, in -n,
# in the bad_config reply and in the log.
long=$T
for i in 1 2 3 4 5 6 7 8; do
	long=$long/$(for j in $(seq 60); do printf '\303\251'; done)
done
mkdir -p "$long" || bail "cannot make a long directory"
utf8() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; }
printf '[ipcd]\nsocket = %s\n\n\n\n\nworkers = zero\n' "$SOCK" \
    > "$long/ipcd.conf"
out=$("$IPCD" -n -f "$long/ipcd.conf" 2>&1)
like "-n on a long path names the line and the problem" \
    "^ipcd: \.\.\..*/ipcd\.conf:7: workers: 'zero' is not a number\$" "$out"
check "in valid UTF-8" utf8 "$out"
stop_ipcd KILL
printf '[ipcd]\nsocket = %s\n' "$SOCK" > "$long/ipcd.conf"
"$IPCD" -f "$long/ipcd.conf" 2>"$LOG" &
IPCD_PID=$!
wait_ready 2
printf '[ipcd]\nsocket = %s\n\n\n\n\nworkers = zero\n' "$SOCK" \
    > "$long/ipcd.conf"
out=$(ctl reload 2>&1)
like "a refused reload names the line and the problem" \
    "^ipcctl: bad_config: \.\.\..*:7: workers: 'zero' is not a number\$" "$out"
check "in valid UTF-8" utf8 "$out"
like "and so does the log" ":7: workers: 'zero' is not a number" \
    "$(grep 'reload' "$LOG" | tail -n 1)"

stop_ipcd

# A config file, or its directory, that another user may write is refused
# (as sshd's StrictModes): with -n, at start and at a reload.
mkdir -m 0755 "$T/etc"
printf '[ipcd]\nsocket = %s\n' "$SOCK" > "$T/etc/ipcd.conf"
chmod 0666 "$T/etc/ipcd.conf"
out=$("$IPCD" -n -f "$T/etc/ipcd.conf" 2>&1); rc=$?
is "ipcd -n refuses a config anyone may write (exit 1)" 1 "$rc"
is "saying why and what to do" "ipcd: $T/etc/ipcd.conf: the file may be \
written by anyone (mode 0666): refused; chmod go-w it" "$out"
chmod 0644 "$T/etc/ipcd.conf"
chmod 0775 "$T/etc"
like "or whose directory its group may write" \
    "its directory may be written by its group \(mode 0775\)" \
    "$("$IPCD" -n -f "$T/etc/ipcd.conf" 2>&1)"
chmod 0755 "$T/etc"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$T/etc/ipcd.conf"
	like "or that another user owns" "the file is owned by uid \
$(id -u nobody), not by root or ipcd's user \(uid 0\): refused" \
	    "$("$IPCD" -n -f "$T/etc/ipcd.conf" 2>&1)"
	chown root "$T/etc/ipcd.conf"
else
	ok "# SKIP needs root and the user nobody"
fi
"$IPCD" -f "$T/etc/ipcd.conf" 2>"$LOG" &
IPCD_PID=$!
wait_ready 2
printf '[ipcd]\nsocket = %s\nworkers = 5\n' "$SOCK" > "$T/etc/ipcd.conf"
chmod 0666 "$T/etc/ipcd.conf"
kill -HUP "$IPCD_PID"
wait_log "reload refused.*may be written by anyone" ||
    diag "no refusal in the log"
like "a SIGHUP does not apply a file anyone may write" \
    "reload refused, the running configuration stays: .*mode 0666" \
    "$(cat "$LOG")"
is "and the pool keeps its size" 2 "$(ready_workers)"
chmod 0644 "$T/etc/ipcd.conf"
ctl reload >/dev/null
is "once fixed, the reload is applied" 5 "$(ready_workers)"
stop_ipcd

done_testing
