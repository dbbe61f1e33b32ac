#!/bin/sh
# libipcd as an application uses it: the man pages' example programs, built
# as written, run against the real daemon; and the shared library exports
# nothing but its API.
. "$TESTLIB"
plan 11
: "${MANEX:?}"
start_ipcd
export IPCD_SOCKET="$SOCK"

is "libipcd(3)'s example runs a job" 20 "$(timeout "$STEP" "$MANEX/libipcd")"
is "ipcd_submit(3)'s example: double 21" 42 \
    "$(timeout "$STEP" "$MANEX/ipcd_submit" double 21)"
out=$(timeout "$STEP" "$MANEX/ipcd_submit" nosuchtask 1 2>&1); rc=$?
is "an unknown task fails with 1" 1 "$rc"
like "and says unknown_task with the daemon's words" \
    "^unknown_task: no task named 'nosuchtask'" "$out"
is "ipcd_async(3)'s example: 1000 jobs in flight on libevent" \
    "1000 results, sum 1001000" "$(timeout "$STEP" "$MANEX/ipcd_async")"
is "the daemon counted every one" 1002 "$(json_field done)"
out=$(IPCD_SOCKET=$T/none timeout "$STEP" "$MANEX/ipcd_submit" double 1 2>&1)
rc=$?
is "no daemon: the example exits 3" 3 "$rc"
like "saying where it looked" "cannot connect to $T/none" "$out"

out=$(IPCD_SOCKET=$T/none timeout "$STEP" "$MANEX/libipcd" 2>&1); rc=$?
is "libipcd(3)'s example without a daemon exits 1" 1 "$rc"
like "with the library's words" "^connect: cannot connect to $T/none" "$out"

so=$(dirname "$MANEX")/../lib/.libs/libipcd.so
syms=$(nm -D --defined-only "$so" 2>/dev/null |
    awk '$2 ~ /^[TDBRV]$/ { sub(/@.*/, "", $3); print $3 }')
others=$(printf '%s\n' "$syms" | grep -v '^ipcd_' | tr '\n' ' ')
printf '%s\n' "$syms" | grep -qx ipcd_submit ||
    others="(no ipcd_submit in $so)"
is "libipcd.so exports only ipcd_* symbols" "" "$others"
