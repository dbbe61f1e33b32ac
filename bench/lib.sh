# Shared by the benchmarks: sourced after `top` is set, it makes the work
# directory (removed on exit, with the daemon it started), copies and
# builds the anchors, starts ipcd, and keeps and summarises the figures.

work=$(mktemp -d "${TMPDIR:-/tmp}/ipcd-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# anchors SRC: a writable copy of the anchors in $work/anchors, the C relay
# built
anchors() {
	cp -r "$1" "$work/anchors"
	chmod -R u+w "$work/anchors"
	make -s -C "$work/anchors" build/cnull >/dev/null
}

# start_ipcd: ipcd on $work/ipcd.conf (written by the caller, its socket
# $work/ipcd.sock), once it answers
start_ipcd() {
	"$IPCD" -f "$work/ipcd.conf" 2>"$work/ipcd.log" &
	pid=$!
	"$IPCCTL" -s "$work/ipcd.sock" -W 20 ping >/dev/null
}

# field NAME LINE: the value of NAME=... (anchors) or "NAME":... (ipcctl)
field() {
	printf '%s\n' "$2" | tr ' ,{}' '\n\n\n\n' |
	    sed -n "s/^\"\{0,1\}$1\"\{0,1\}[=:]//p"
}

# rec FILE VALUE: one more figure for FILE
rec() { echo "$2" >> "$work/$1"; }

# median FILE: the median of its figures, or -
median() {
	[ -s "$work/$1" ] || { echo -; return; }
	sort -g "$work/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# ratio A B: A / B to two places, or -
ratio() {
	awk -v a="$1" -v b="$2" \
	    'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else printf "-" }'
}
