"""ipcd: a client for the ipcd worker-pool daemon.

    import ipcd
    with ipcd.connect() as conn:
        conn.submit("double", 10)            # 20

    async with await ipcd.open_connection() as conn:
        await conn.submit("double", 10)      # 20

The protocol is described in ipcd's doc/PROTOCOL.md.
"""
from ._wire import (DEFAULT_MAX_MESSAGE, DEFAULT_SOCKET, PROTOCOL_MAX_MESSAGE,
                    Error)
from ._sync import Connection, Job, Pipeline, gather
from ._aio import AsyncConnection, open_connection

__all__ = ["connect", "open_connection", "Connection", "AsyncConnection",
           "Job", "Pipeline", "gather", "Error", "DEFAULT_SOCKET",
           "DEFAULT_MAX_MESSAGE", "PROTOCOL_MAX_MESSAGE"]
__version__ = "0.1.0"


def connect(socket=None, timeout=None, *, ping=True, max_message=None):
    """Connect to ipcd; returns a Connection.

    socket is the control socket's path (default: $IPCD_SOCKET, else
    /run/ipcd/ipcd.sock). timeout, in seconds (default: none), bounds the
    connect and is the default timeout of every request on the connection.
    With ping (the default) a PING is sent at once and its PONG awaited,
    which tells the daemon's version and max_message when it gives them.
    max_message overrides the largest request sent (default: the daemon's
    max_message from its PONG, else 1 MiB, the daemon's default).
    """
    return Connection(socket, timeout, ping=ping, max_message=max_message)

for _cls in (Error, Connection, Job, Pipeline, AsyncConnection):
    _cls.__module__ = __name__
del _cls
