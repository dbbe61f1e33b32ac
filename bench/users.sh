#!/bin/sh
# One user against another, measured: a well-behaved client (root) sends a
# `double` every 20 ms and records each round trip, first with ipcd at
# rest, then under each attack of another user (nobody):
#
#   ints-4, ints-64  4 or 64 connections sending, as fast as the master
#                    reads, 1 MB frames holding an array of a million small
#                    integers (task "nosuch": refused once checked)
#   park             one connection holding both workers with sleeps of
#                    "timeout": 0 (job_timeout is 2 s), then parking 1 MiB
#                    echo jobs, never reading its replies
#   flood            one connection filling the queue with 65536 jobs
#                    (sleep 1 ms each) and keeping it full
#
# For each: the good client's p50, p99 and worst round trip, its jobs that
# did not get their result (noanswer: none within 2 s), and the master's
# peak RSS.  Run it against two
# builds to compare them:
#
#   bench/users.sh [IPCD [IPCCTL]]     (default: this tree's)
#
# Environment: SECS (8), the good client's run per attack; ATTACKS, the
# runs to make (default: "rest ints-4 ints-64 park flood").  Needs root,
# setpriv, the user nobody, and python3-msgpack.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
IPCD=${1:-$top/daemon/ipcd}
SECS=${SECS:-8}
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/ipcd-users.XXXXXX")
chmod 711 "$work"
pid= attacker=
cleanup() {
	[ -n "$attacker" ] && kill "$attacker" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat > "$work/good.py" <<'PY'
# good.py SOCKET SECS: a double every 20 ms; p50/p99/max in ms, failures
import socket, struct, sys, time, msgpack
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
end, lat, bad, i = time.monotonic() + float(sys.argv[2]), [], {}, 0
un = msgpack.Unpacker(raw=False)
buf = b""
def reply(i, t0):	# the reply to job i, or None after 2 s
    global buf
    while True:
        while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
            n = struct.unpack(">I", buf[:4])[0]
            m, buf = msgpack.unpackb(buf[4:4 + n], raw=False), buf[4 + n:]
            if m.get("id") == i:
                return m
        left = t0 + 2 - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            c = s.recv(1 << 16)
        except socket.timeout:
            return None
        if not c:
            raise SystemExit("closed")
        buf += c
def fail(code):
    bad[code] = bad.get(code, 0) + 1
while time.monotonic() < end:
    i += 1
    t0 = time.monotonic()
    body = msgpack.packb({"v": 1, "type": "SUBMIT", "id": i, "task": "double",
                          "data": i})
    s.sendall(struct.pack(">I", len(body)) + body)
    m = reply(i, t0)
    lat.append((time.monotonic() - t0) * 1000)
    if m is None:
        fail("noanswer")
    elif m.get("type") != "RESULT" or m.get("data") != 2 * i:
        fail(m.get("code", "wrong"))
    time.sleep(max(0, 0.02 - (time.monotonic() - t0)))
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print("%6.2f %8.2f %8.1f  %s" % (q(0.5), q(0.99), lat[-1],
      " ".join("%s=%d" % kv for kv in sorted(bad.items())) or "none"))
PY
cat > "$work/attack.py" <<'PY'
# attack.py SOCKET KIND [CONNS]: keep sending, reading replies aside
import socket, struct, sys, threading, msgpack
path, kind = sys.argv[1], sys.argv[2]
conns = int(sys.argv[3]) if len(sys.argv) > 3 else 1
def frame(i, task, data, **kw):
    m = {"v": 1, "type": "SUBMIT", "id": i, "task": task, "data": data}
    m.update(kw)
    b = msgpack.packb(m, use_bin_type=True)
    return struct.pack(">I", len(b)) + b
def drain(s):
    while s.recv(1 << 20):
        pass
def ints(s):
    f = frame(1, "nosuch", [1] * 999000)
    threading.Thread(target=drain, args=(s,), daemon=True).start()
    while True:
        s.sendall(f)
def park(s):
    s.sendall(frame(1, "sleep", 600000, timeout=0) +
              frame(2, "sleep", 600000, timeout=0))
    f = frame(3, "echo", b"Z" * 1048000, timeout=60000)
    while True:		# never reads: its replies pile up too
        s.sendall(f)
def flood(s):
    threading.Thread(target=drain, args=(s,), daemon=True).start()
    f = b"".join(frame(i, "sleep", 1) for i in range(1, 1001))
    while True:
        s.sendall(f)
def run():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    {"ints": ints, "park": park, "flood": flood}[kind](s)
ts = [threading.Thread(target=run, daemon=True) for _ in range(conns)]
for t in ts: t.start()
for t in ts: t.join()
PY

cat > "$work/ipcd.conf" <<CONF
[ipcd]
socket = $work/ipcd.sock
socket_mode = 0666
allow_users = nobody
workers = 2
job_timeout = 2s
CONF

hwm() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }

# run NAME [KIND CONNS]: a fresh daemon, the attack if any, the good client
run() {
	"$IPCD" -f "$work/ipcd.conf" 2>/dev/null &
	pid=$!
	i=0
	until "$top/client/ipcctl" -s "$work/ipcd.sock" ping >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "no ipcd" >&2; exit 1; }
		sleep 0.01
	done
	if [ $# -gt 1 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$PY" "$work/attack.py" "$work/ipcd.sock" "$2" "$3" \
		    2>/dev/null &
		attacker=$!
		sleep 1		# let the attack reach its steady state
	fi
	printf '%-8s ' "$1"
	r=$("$PY" "$work/good.py" "$work/ipcd.sock" "$SECS" 2>&1 || true)
	printf '%s  %s MiB\n' "$r" "$(hwm)"
	[ -n "$attacker" ] && kill "$attacker" 2>/dev/null
	wait "$attacker" 2>/dev/null || true
	attacker=
	kill "$pid"; wait "$pid" 2>/dev/null || true
	pid=
}

echo "ipcd: $IPCD"
echo "attack   p50 ms   p99 ms   max ms  failed  master peak RSS"
for a in ${ATTACKS:-rest ints-4 ints-64 park flood}; do
	case $a in
	rest)	run rest ;;
	ints-*)	run "$a" ints "${a#ints-}" ;;
	*)	run "$a" "$a" 1 ;;
	esac
done
