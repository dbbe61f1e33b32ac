#!/bin/sh
# The fuzz target over its seed corpus and over every input that once made
# it fail, kept in tests/fuzz/crashes: each one a TAP test.
dir=$(dirname "$TESTLIB")/fuzz
exec "$REPLAY" "$dir"/corpus/* "$dir"/crashes/*
