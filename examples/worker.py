#!/usr/bin/python3
"""An ipcd worker in Python, on ipcd's worker plane (doc/PROTOCOL.md, 6).

ipcd starts it with its channel to the master on descriptor 3.  It says
READY, then answers each TASK with RESULT or ERROR under the TASK's id, one
at a time, in order, until the master closes the channel.  Its tasks:

  double  a number        -> twice the number
  upper   a string        -> the string in upper case
  echo    any value       -> the same value
  sleep   milliseconds    -> the same number, after sleeping that long

Run it in a pool (ipcd.conf):

  [pool py]
  command = /usr/bin/python3 /usr/share/doc/ipcd/examples/worker.py
  tasks = upper
  in_order = yes

Needs python3-msgpack.
"""
import os
import socket
import struct
import sys
import time

import msgpack

channel = socket.socket(fileno=3)
reader = channel.makefile("rb")


def send(msg):
    body = msgpack.packb(msg)
    channel.sendall(struct.pack(">I", len(body)) + body)


def receive():
    """The next message, or None once the master has closed the channel."""
    header = reader.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    body = reader.read(length)
    if len(body) < length:
        return None
    return msgpack.unpackb(body, raw=False, strict_map_key=False)


def double(data):
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise ValueError("double takes a number")
    return data * 2


def upper(data):
    if not isinstance(data, str):
        raise ValueError("upper takes a string")
    return data.upper()


def sleep(data):
    if isinstance(data, bool) or not isinstance(data, int) or \
            not 0 <= data <= 3600000:
        raise ValueError("sleep takes 0 to 3600000 milliseconds")
    time.sleep(data / 1000)
    return data


TASKS = {"double": double, "upper": upper, "echo": lambda data: data,
         "sleep": sleep}


def answer(msg):
    reply = {"v": 1, "id": msg["id"]}
    task = TASKS.get(msg.get("task"))
    if task is None:
        reply.update(type="ERROR", code="unknown_task",
                     message="no task named '%s'" % msg.get("task"))
        return reply
    try:
        reply.update(type="RESULT", data=task(msg.get("data")))
    except ValueError as e:
        reply.update(type="ERROR", code="bad_data", message=str(e))
    return reply


def main():
    send({"v": 1, "type": "READY", "pid": os.getpid()})
    while (msg := receive()) is not None:
        if msg.get("type") == "TASK":
            send(answer(msg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
