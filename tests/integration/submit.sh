#!/bin/sh
# A user submits jobs with ipcctl and reads their results.
. "$TESTLIB"
plan 22
start_ipcd

is "double 10 prints 20" 20 "$(ctl submit double 10)"
is "double of a negative number" -14 "$(ctl submit double -7)"
is "double of a real" 3.0 "$(ctl submit double 1.5)"
is "echo returns its JSON data" '{"a":[1,"x"]}' \
    "$(ctl submit echo '{"a":[1,"x"]}')"
is "echo of nested values and null" '[null,true,false,{"k":[]}]' \
    "$(ctl submit echo '[null, true, false, {"k": []}]')"
is "echo without data returns null" null "$(ctl submit echo)"
is "sha256 of a string" \
    '"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"' \
    "$(ctl submit sha256 '"abc"')"
printf 'abc' > "$T/abc"
is "sha256 of a file sent as binary" \
    '"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"' \
    "$(ctl submit sha256 --file "$T/abc")"
is "binary results print as base64" '"YWJj"' \
    "$(ctl submit echo --file "$T/abc")"
is "sleep returns its milliseconds" 30 "$(ctl submit sleep 30)"
is "data from stdin with -" '{"n":5}' \
    "$(echo '{"n": 5}' | ctl submit echo -)"
is "IPCD_SOCKET names the socket" 8 \
    "$(IPCD_SOCKET=$SOCK timeout 10 "$IPCCTL" submit double 4)"

err=$(ctl submit nosuchtask 1 2>&1 >/dev/null); rc=$?
is "an unknown task exits 1" 1 "$rc"
is "an unknown task says unknown_task" \
    "ipcctl: unknown_task: no task named 'nosuchtask'" "$err"

err=$(ctl submit double '"x"' 2>&1 >/dev/null); rc=$?
is "bad data exits 1" 1 "$rc"
like "bad data says bad_data" '^ipcctl: bad_data: ' "$err"
like "an overflowing double is refused" '^ipcctl: bad_data: ' \
    "$(ctl submit double -9223372036854775808 2>&1)"

err=$(ctl submit echo hello 2>&1); rc=$?
is "data that is not JSON is a usage error" 2 "$rc"
like "and says so" 'DATA is not JSON' "$err"

"$IPCCTL" -s "$T/nothere.sock" submit double 1 2>/dev/null; rc=$?
is "no daemon: exit 3" 3 "$rc"

big=$(head -c 2000000 /dev/zero | tr '\0' a)
err=$(printf '"%s"' "$big" | ctl submit echo - 2>&1); rc=$?
like "a job above max_message is refused with too_large" \
    '^ipcctl: too_large: ' "$err"
is "and the daemon still answers" 20 "$(ctl submit double 10)"

done_testing
