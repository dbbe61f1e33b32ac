#!/bin/sh
# Who may use the socket: checked by the daemon from the peer's credentials,
# here with ipcctl run as nobody.
. "$TESTLIB"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null ||
    ! id nobody >/dev/null 2>&1 || ! getent group nogroup >/dev/null; then
	echo "1..0 # SKIP needs root, setpriv, and the user nobody"
	exit 0
fi
plan 18
chmod 755 "$T"		# nobody must reach the socket to be refused by ipcd

# as_nobody ARGS...: ipcctl as nobody:nogroup, with no other group
as_nobody() {
	timeout "$STEP" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$IPCCTL" -s "$SOCK" "$@"
}

write_conf "socket_mode = 0666"
start_ipcd
out=$(as_nobody submit double 10 2>&1); rc=$?
is "a user not allowed is refused (exit 1)" 1 "$rc"
like "with forbidden" '^ipcctl: forbidden: uid [0-9]+ may not use this socket' "$out"
like "and the refusal is logged" 'notice: refused a connection from uid' \
    "$(cat "$LOG")"
is "root is allowed" 20 "$(ctl submit double 10)"
is "a refused client ran nothing" 1 "$(json_field done)"

write_conf "socket_mode = 0666" "allow_users = nobody"
stop_ipcd; start_ipcd
is "allow_users lets nobody in" 20 "$(as_nobody submit double 10)"
like "nobody may read the status" '^ipcd ' "$(as_nobody status)"
out=$(as_nobody scale 3 2>&1); rc=$?
like "but not change the pool" \
    '^ipcctl: forbidden: SCALE needs root, ipcd.s user or admin_group' "$out"
is "(exit 1)" 1 "$rc"
like "nor reload it" '^ipcctl: forbidden: RELOAD needs' "$(as_nobody reload 2>&1)"
like "nor stop it" '^ipcctl: forbidden: SHUTDOWN needs' \
    "$(as_nobody shutdown 2>&1)"

write_conf "socket_mode = 0666" "allow_groups = nogroup" "admin_group = nogroup"
ctl reload >/dev/null
is "after a reload allow_groups lets nogroup in" 8 \
    "$(as_nobody submit double 4)"
is "and admin_group may scale" "3 workers" "$(as_nobody scale 3)"
is "and stop ipcd" stopping "$(as_nobody shutdown 2>&1)"
wait_exit
is "which exits 0" 0 "$IPCD_STATUS"

write_conf "socket_mode = 0660" "socket_group = nogroup" "socket_owner = nobody"
start_ipcd
is "socket_group owns the socket" nogroup "$(stat -c %G "$SOCK")"
is "socket_owner owns it too" nobody "$(stat -c %U "$SOCK")"
is "and its members may connect" 6 "$(as_nobody submit double 3)"
done_testing
