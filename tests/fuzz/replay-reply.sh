#!/bin/sh
# libipcd's reply path over its seed corpus, each seed also 2000 times
# mutated: each file a TAP test (a crash or a request answered twice fails
# it).
dir=$(dirname "$TESTLIB")/fuzz
exec "$REPLAY_REPLY" -m 2000 "$dir"/corpus-reply/*
