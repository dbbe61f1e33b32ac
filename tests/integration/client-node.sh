#!/bin/sh
# The Node.js client's own suite (clients/node/test, node:test) against the
# daemon under test, as TAP: one "ok N" for each of its cases.  The suite
# starts its daemons itself, each in a temporary directory of its own, and
# writes nothing in the source tree, which may be read-only (distcheck).
# Skipped when node is not installed or the client's dependencies are not
# (cd clients/node && npm ci).
: "${TESTLIB:?}" "${IPCD:?}"

CLIENT=$(cd "$(dirname "$TESTLIB")/../clients/node" 2>/dev/null && pwd) ||
	{ echo "1..0 # SKIP clients/node is not in the source tree"; exit 0; }
NODE=$(command -v node) ||
	{ echo "1..0 # SKIP node is not installed (apt-get install nodejs)"; exit 0; }
[ -d "$CLIENT/node_modules/msgpackr" ] ||
	{ echo "1..0 # SKIP no clients/node/node_modules (cd clients/node && npm ci)"; exit 0; }
# node:test and its TAP reporter came with Node 18
major=$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null)
[ "${major:-0}" -ge 18 ] ||
	{ echo "1..0 # SKIP node $("$NODE" --version) is older than 18"; exit 0; }

# A private TMPDIR for the suite's daemons, removed however this ends.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/ipcd-client-node.XXXXXX") || exit 1
export TMPDIR IPCD
trap 'rm -rf "$TMPDIR"' EXIT
trap 'exit 1' INT TERM

cd "$CLIENT" || exit 1
# The top-level cases of every file are the top-level "ok N" lines; nested
# TAP is indented, which the driver ignores.  Node's exit status, non-zero
# when a case failed, is this script's.
"$NODE" --test --test-reporter=tap test/*.test.js test/*.test.mjs
