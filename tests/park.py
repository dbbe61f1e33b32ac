#!/usr/bin/python3
"""park: a test tool that parks jobs in ipcd's queue.

   park.py SOCKET COUNT SIZE [POOL]

Connects, sends COUNT SUBMITs of task "echo" whose data are SIZE bytes
(binary), each with a timeout of 60 s, prints "sent", and then holds the
connection, reading nothing, until it is killed or its standard input ends.
"""
import socket
import struct
import sys

import msgpack


def main():
    path, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pool = sys.argv[4] if len(sys.argv) > 4 else None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    data = b"\x5a" * size
    for i in range(count):
        job = {"v": 1, "type": "SUBMIT", "id": i + 1, "task": "echo",
               "data": data, "timeout": 60000}
        if pool:
            job["pool"] = pool
        body = msgpack.packb(job, use_bin_type=True)
        s.sendall(struct.pack(">I", len(body)) + body)
    print("sent", flush=True)
    sys.stdin.read()


main()
