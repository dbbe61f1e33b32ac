#!/bin/sh
# The Python client library (clients/python) against the real daemon and a
# fake server: its own test program, whose TAP is passed through as is.
set -u
: "${IPCD:?}" "${TESTLIB:?}"
PY=/usr/bin/python3
[ -x "$PY" ] ||
	{ echo "1..0 # SKIP $PY is not installed (apt-get install python3)"; exit 0; }
"$PY" -c 'import msgpack' 2>/dev/null ||
	{ echo "1..0 # SKIP python3-msgpack is not installed"; exit 0; }
CLIENT=$(cd "$(dirname "$TESTLIB")/../clients/python" && pwd) ||
	{ echo "Bail out! no clients/python beside $TESTLIB"; exit 1; }
# The source tree may be read-only (make distcheck): no __pycache__ there;
# the test program writes only into its own temporary directory.
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$CLIENT IPCD=$IPCD
export PYTHONDONTWRITEBYTECODE PYTHONPATH IPCD
exec "$PY" -B "$CLIENT/tests/test_ipcd.py"
