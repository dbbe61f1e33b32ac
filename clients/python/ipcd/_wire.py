"""The parts of ipcd's protocol that both flavours share: framing, encoding
requests, decoding and checking replies, and the Error type.

See doc/PROTOCOL.md: a frame is a 4-byte big-endian length N and a body of
N bytes holding one MessagePack map.
"""
import os
import struct

import msgpack

VERSION = 1
DEFAULT_SOCKET = "/run/ipcd/ipcd.sock"
# The daemon's default max_message: the largest request sent when the
# daemon's PONG does not say its own.
DEFAULT_MAX_MESSAGE = 1 << 20
# The protocol's largest max_message: no reply can be longer.
PROTOCOL_MAX_MESSAGE = 64 << 20
# Ids stay below 2^53, so that every client language holds them exactly.
ID_LIMIT = 1 << 53

_HEADER = struct.Struct(">I")
_unpack_header = _HEADER.unpack_from
_pack_header = _HEADER.pack

# The replies each kind of request may get, besides ERROR.
REPLY_TYPES = {
    "SUBMIT": "RESULT",
    "STATUS": "STATUS",
    "PING": "PONG",
    "RELOAD": "OK",
    "SCALE": "OK",
    "SHUTDOWN": "OK",
}
_KNOWN_REPLIES = frozenset(REPLY_TYPES.values()) | {"ERROR"}
_ENVELOPE = ("v", "type", "id")


class Error(Exception):
    """A request failed.

    code is the protocol's error code ('busy', 'unknown_task', 'timeout',
    ...; a worker may send codes of its own) or one of this library's:
    'closed', 'bad_reply', 'too_large', 'timeout', 'cancelled'.
    message is the daemon's text, or this library's.
    """

    def __init__(self, code, message=""):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self):
        return "%s: %s" % (self.code, self.message) if self.message \
            else self.code

    def __repr__(self):
        return "ipcd.Error(%r, %r)" % (self.code, self.message)


class BadReply(Exception):
    """Internal: the byte stream from the daemon cannot be trusted."""


def socket_path(socket):
    """The socket to use: the argument, else $IPCD_SOCKET, else the default."""
    if socket:
        return os.fspath(socket)
    return os.environ.get("IPCD_SOCKET") or DEFAULT_SOCKET


def seconds(timeout, what="timeout"):
    """Check a timeout in seconds (None: none) and return it as a float."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("%s must be a number of seconds or None" % what)
    if not timeout > 0:
        raise ValueError("%s must be above 0 seconds" % what)
    return float(timeout)


def timeout_ms(timeout):
    """SUBMIT's "timeout": whole milliseconds, rounded up, within uint32."""
    ms = int(-(-timeout * 1000 // 1))
    return min(max(ms, 1), 0xFFFFFFFF)


def new_packer():
    return msgpack.Packer(use_bin_type=True, unicode_errors="surrogateescape")


def frame(packer, msg):
    """The frame (header and body) of the map msg."""
    body = packer.pack(msg)
    return _pack_header(len(body)) + body


def submit_msg(id, task, data, pool, timeout):
    msg = {"v": VERSION, "type": "SUBMIT", "id": id, "task": task,
           "data": data}
    if timeout is not None:
        msg["timeout"] = timeout_ms(timeout)
    if pool is not None:
        msg["pool"] = pool
    return msg


def control_msg(id, type, pool=None, count=None):
    msg = {"v": VERSION, "type": type, "id": id}
    if count is not None:
        msg["count"] = count
    if pool is not None:
        msg["pool"] = pool
    return msg


def check_task(task, pool):
    if not isinstance(task, str):
        raise TypeError("task must be a str")
    if pool is not None and not isinstance(pool, str):
        raise TypeError("pool must be a str or None")


def too_large(size, limit):
    return Error("too_large", "request of %d bytes is larger than "
                 "max_message (%d bytes)" % (size, limit))


def decode(buf, limit, out):
    """Decode the complete frames at the start of buf into out, a list.

    Returns how many bytes they took; what is left is the start of a frame
    still to come. Raises BadReply for a frame that cannot be a reply.
    """
    end = len(buf)
    pos = 0
    view = memoryview(buf)
    try:
        while end - pos >= 4:
            (n,) = _unpack_header(buf, pos)
            if n == 0:
                raise BadReply("a frame of length 0")
            if n > limit:
                raise BadReply("a frame of %d bytes, above the limit of %d"
                               % (n, limit))
            if end - pos - 4 < n:
                break
            pos += 4
            try:
                msg = msgpack.unpackb(view[pos:pos + n], raw=False,
                                      strict_map_key=False,
                                      unicode_errors="surrogateescape")
            except Exception as e:
                raise BadReply("a body that is not one MessagePack value "
                               "(%s: %s)" % (e.__class__.__name__, e)) \
                    from None
            pos += n
            out.append(msg)
    finally:
        view.release()
    return pos


def check_reply(msg):
    """The (id, type) of a reply, after checking its envelope."""
    if type(msg) is not dict:
        raise BadReply("a reply that is not a map")
    try:
        v = msg["v"]
        kind = msg["type"]
        id = msg["id"]
    except KeyError as e:
        raise BadReply("a reply without %r" % (e.args[0],)) from None
    if type(v) is not int or v != VERSION:
        raise BadReply("a reply of protocol version %r" % (v,))
    if type(kind) is not str or kind not in _KNOWN_REPLIES:
        raise BadReply("a reply of unknown type %r" % (kind,))
    if id is not None and (type(id) is not int or id < 0):
        raise BadReply("a reply whose id is %r" % (id,))
    if kind == "ERROR":
        code = msg.get("code")
        text = msg.get("message", "")
        if type(code) is not str or not code or type(text) is not str:
            raise BadReply("an ERROR without a code and a message")
    return id, kind


def reply_error(msg):
    return Error(msg["code"], msg.get("message", ""))


def body(msg):
    """A reply's fields, without the envelope."""
    return {k: v for k, v in msg.items() if k not in _ENVELOPE}


def pong_info(msg):
    """(version, max_message) from a PONG; None for each one not given."""
    version = msg.get("version")
    if type(version) is not str:
        version = None
    size = msg.get("max_message")
    if type(size) is not int or not 0 < size <= PROTOCOL_MAX_MESSAGE:
        size = None
    return version, size
