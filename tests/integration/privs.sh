#!/bin/sh
# What the workers run as: worker_user and worker_group, their resource
# limits, and no new privileges, read from /proc; and a master that cannot
# give its workers the configured user runs none rather than run them as
# itself.
. "$TESTLIB"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null ||
    ! id nobody >/dev/null 2>&1 || ! getent group nogroup >/dev/null; then
	echo "1..0 # SKIP needs root, setpriv, the user nobody and group nogroup"
	exit 0
fi
plan 32
NOBODY=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
NOGROUP=$(getent group nogroup | cut -d: -f3)

# status_of PID FIELD: the value of FIELD in /proc/PID/status
status_of() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ +/, ""); print }' \
	    "/proc/$1/status"
}

# limit_of PID NAME: the soft and hard values of a limit in /proc/PID/limits
limit_of() {
	sed -n "s/^$2  *\([^ ]*\)  *\([^ ]*\).*/\1 \2/p" "/proc/$1/limits"
}

# workers FUNCTION [ARG]: FUNCTION's answer for every worker, each once
workers() {
	for _p in $(worker_pids); do "$1" "$_p" "${2-}"; done | sort -u
}

# caps_of PID: its permitted and effective capabilities
caps_of() { echo "$(status_of "$1" CapPrm) $(status_of "$1" CapEff)"; }

# four ID: real, effective, saved and file-system ids all ID
four() { echo "$1 $1 $1 $1"; }


# start_as_nobody: run ipcd as nobody:nogroup, with no other group
start_as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$IPCD" -f "$CONF" 2>"$LOG" &
	IPCD_PID=$!
}

# AddressSanitizer reserves terabytes of address space: no limit_as there.
as="limit_as = 512M"
[ "${SANITIZERS:-no}" = yes ] && as=
write_conf "worker_user = nobody" "worker_group = nogroup" \
    "limit_nofile = 64" "$as" "limit_cpu = 30"
start_ipcd
is "two workers" 2 "$(worker_pids | wc -l)"
like "worker_user = nobody is warned of: others share that user" \
    "warning: pool builtin: worker_user is nobody, whom other services share" \
    "$(cat "$LOG")"
is "every worker's uids (real, effective, saved, fs) are nobody's" \
    "$(four "$NOBODY")" "$(workers status_of Uid)"
is "and its gids nogroup's" "$(four "$NOGROUP")" "$(workers status_of Gid)"
is "nogroup is its only group" "$NOGROUP" "$(workers status_of Groups)"
is "it may gain no privilege (NoNewPrivs)" 1 \
    "$(workers status_of NoNewPrivs)"
is "and holds no capability" "0000000000000000 0000000000000000" \
    "$(workers caps_of)"
is "limit_nofile = 64" "64 64" "$(workers limit_of 'Max open files')"
if [ "${SANITIZERS:-no}" = yes ]; then
	ok "limit_as = 512M # SKIP built with AddressSanitizer"
else
	is "limit_as = 512M" "536870912 536870912" \
	    "$(workers limit_of 'Max address space')"
fi
is "limit_cpu = 30: SIGXCPU at 30 s, SIGKILL 5 s later" "30 35" \
    "$(workers limit_of 'Max cpu time')"
is "jobs still run" 20 "$(ctl submit double 10)"
is "the master is still root" "$(four 0)" "$(status_of "$IPCD_PID" Uid)"
is "and keeps the limits it was started with" \
    "$(limit_of $$ 'Max open files')" \
    "$(limit_of "$IPCD_PID" 'Max open files')"

write_conf "worker_user = nobody"
stop_ipcd; start_ipcd
is "worker_user alone: the user's uid" "$(four "$NOBODY")" \
    "$(workers status_of Uid)"
is "and the user's primary group" "$(four "$NOBODY_GID")" \
    "$(workers status_of Gid)"
is "as its only group" "$NOBODY_GID" "$(workers status_of Groups)"

write_conf "worker_group = nogroup"
stop_ipcd; start_ipcd
is "worker_group alone: ipcd's uid" "$(four 0)" "$(workers status_of Uid)"
is "the group's gid" "$(four "$NOGROUP")" "$(workers status_of Gid)"
is "as its only group" "$NOGROUP" "$(workers status_of Groups)"
is "and no capability of root's" "0000000000000000 0000000000000000" \
    "$(workers caps_of)"

write_conf
stop_ipcd; start_ipcd
is "neither: ipcd's uid" "$(four 0)" "$(workers status_of Uid)"
is "no capability" "0000000000000000 0000000000000000" "$(workers caps_of)"
is "still no new privileges" 1 "$(workers status_of NoNewPrivs)"
is "and the limits ipcd has" "$(limit_of $$ 'Max open files')" \
    "$(workers limit_of 'Max open files')"

# A worker that has used its second of CPU is ended and replaced.
write_conf "workers = 1" "worker_user = nobody" "limit_cpu = 1"
stop_ipcd; start_ipcd 1
_i=0
while [ "$_i" -lt 60 ] && ! grep -q SIGXCPU "$LOG"; do
	ctl bench -n 20000 -w 1 -k 0 >/dev/null 2>&1
	_i=$((_i + 1))
done
like "limit_cpu = 1: a busy worker gets SIGXCPU" \
    'worker 0 \(pid [0-9]+\) was killed by signal [0-9]+ \(SIGXCPU\)' \
    "$(cat "$LOG")"
is "and a new one takes the jobs" 14 "$(ctl submit double 7)"

# A master that is not root may name its own user: nothing to switch.
stop_ipcd
chmod 711 "$T"		# nobody reaches its socket's directory
mkdir "$T/run" && chown nobody "$T/run"
SOCK=$T/run/ipcd.sock
write_conf "worker_user = nobody" "worker_group = nogroup"
start_as_nobody
wait_ready 2
is "ipcd as nobody, worker_user = nobody: workers run as nobody" \
    "$(four "$NOBODY")" "$(workers status_of Uid)"
is "and take jobs" 20 "$(ctl submit double 10)"

# Any other user it cannot give them: no worker runs, the log says why.
write_conf "worker_user = root"
stop_ipcd; start_as_nobody
why='worker: cannot make gid 0 its only group: Operation not permitted'
check "ipcd as nobody, worker_user = root: the worker says why it stops" \
    wait_log "warning: $why"
check "and exits with status 1" \
    wait_log 'worker 0 \(pid [0-9]+\) exited with status 1'
is "no worker is ever ready" 0 "$(ready_workers)"

# A worker user that other processes run as is warned of too.
if id daemon >/dev/null 2>&1; then
	stop_ipcd 2>/dev/null
	SOCK=$T/ipcd.sock
	setpriv --reuid=daemon --regid=daemon --clear-groups sleep 60 &
	other=$!
	write_conf "worker_user = daemon"
	start_ipcd
	like "a worker_user that runs other processes is warned of" \
	    "worker_user \\(uid $(id -u daemon)\\) also runs other processes \\(pid $other\\)" \
	    "$(cat "$LOG")"
	kill "$other"
else
	ok "# SKIP needs the user daemon"
fi
done_testing
