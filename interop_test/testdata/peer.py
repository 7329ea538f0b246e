# -*- coding: utf-8 -*-
"""Python peer for mpconn's wire interop tests.

The Go test drives this script one command at a time: each line on stdin is
a JSON object {"seq": n, "op": "...", ...}; for each one the script prints
exactly one JSON line on stdout {"seq": n, "op": "...", "ok": true|false, ...}.
Listeners and connections live in a table under the ids the commands give
them, so one process serves a whole scenario group. EOF on stdin ends the
script.

Payloads are never sent as JSON: both sides compute them from (seed, size)
with the same generator (see payload_test.go), so a receiver can report the
first byte that differs. Block i of a message is a fixed 1 MiB pseudo-random
block rotated by (seed*SEED_STRIDE + i*STRIDE) mod 1 MiB.

Runs unchanged on CPython 2.7 and 3.6+: no f-strings, no keyword-only
arguments, bytes/str handled for both.
"""
import binascii
import hashlib
import json
import os
import pickle
import sys
import time
import traceback

import multiprocessing
import multiprocessing.connection as mpc

PY2 = sys.version_info[0] == 2
BLOCK = 1 << 20
STRIDE = 7919

if PY2:
    import _multiprocessing


def _ascii(s):
    return s.encode("ascii")


SEED_STRIDE = 104729
_base = []


def base_block():
    """BLOCK pseudo-random bytes: sha256("mpconn:<j>") for j = 0, 1, ..., computed once."""
    if not _base:
        parts = []
        for j in range(BLOCK // 32):
            parts.append(hashlib.sha256(_ascii("mpconn:%d" % j)).digest())
        _base.append(b"".join(parts))
    return _base[0]


def block(seed, i):
    """Block i of a message: the base block rotated left by (seed*SEED_STRIDE + i*STRIDE) % BLOCK."""
    base = base_block()
    r = (seed * SEED_STRIDE + i * STRIDE) % BLOCK
    return base[r:] + base[:r]


def payload(seed, size):
    if size > 64 * BLOCK:
        # fill in place: a list of blocks plus the join would double the peak
        buf = bytearray(size)
        i = 0
        for off in range(0, size, BLOCK):
            n = min(BLOCK, size - off)
            buf[off:off + n] = block(seed, i)[:n]
            i += 1
        return buf
    parts = []
    i = 0
    left = size
    while left > 0:
        b = block(seed, i)
        if left < BLOCK:
            b = b[:left]
        parts.append(b)
        left -= len(b)
        i += 1
    return b"".join(parts)


def first_difference(data, seed, size):
    """Offset of the first byte of data that differs from payload(seed, size), or -1."""
    n = min(len(data), size)
    i = 0
    off = 0
    while off < n:
        want = block(seed, i)
        got = data[off:off + BLOCK]
        if len(got) < len(want):
            want = want[:len(got)]
        if got != want:
            for k in range(len(got)):
                if got[k] != want[k]:
                    return off + k
        off += BLOCK
        i += 1
    if len(data) != size:
        return n
    return -1


def sha256_hex(data):
    h = hashlib.sha256()
    # hash in slices: a > 2 GiB buffer in one update is fine on 3.x but
    # slicing keeps 2.7 happy too
    step = 64 * BLOCK
    for off in range(0, len(data), step):
        h.update(data[off:off + step])
    return h.hexdigest()


def sample_objects():
    """What a service typically receives: request dicts shaped like the Go
    fuzz target recvTarget, shared references, and the odd scalar. Used to
    capture real CPython pickles as fuzz seeds."""
    import datetime
    shared = [1, 2, 3]
    inner = {"id": 2, "name": u"inner", "tags": {}}
    req = {
        "id": 1, "seq": 7, "name": u"job \u20ac", "data": b"\x00\x01abc", "sum": 3735928559,
        "args": [0.5, 1.5, -2.0], "tags": {u"a": u"b", u"k": u"v"}, "grid": [[1, 2], [3], []],
        "when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
        "delay": datetime.timedelta(seconds=90, microseconds=5),
        "big": 2 ** 70 + 1, "any": (1, None, True, 2.5), "pair": (u"x", u"y"), "next": inner,
    }
    return [
        req,
        {"id": 3, "seq": 0, "grid": [shared, shared, shared], "any": [shared, {"again": shared}]},
        [req, req],
        (1, u"two", 3.0),
        None,
        2 ** 64,
        u"x" * 300,
        b"\xff" * 20000,
    ]


def address_of(cmd):
    family = cmd["family"]
    addr = cmd.get("address")
    if family == "tcp":
        return (addr[0], int(addr[1]))
    if family == "unix":
        return str(addr)
    if family == "abstract":
        # 2.7 and 3.6 only take the str form; 3.7+ document the bytes form.
        if sys.version_info[:2] >= (3, 7):
            return b"\0" + addr.encode("ascii")
        return str("\0" + addr)
    raise ValueError("unknown family %r" % (family,))


def authkey_of(cmd):
    key = cmd.get("authkey")
    if key is None:
        return None
    return bytes(bytearray.fromhex(key)) if not PY2 else str(bytearray.fromhex(key))


def printable_address(addr):
    if isinstance(addr, tuple):
        return list(addr)
    if isinstance(addr, bytes) and not PY2:
        return addr.decode("latin-1")
    return addr


class Peer(object):
    def __init__(self):
        self.listeners = {}
        self.conns = {}
        self.sent = {}  # obj_send: case -> the object sent, for obj_check_echo

    def op_hello(self, cmd):
        return {"version": list(sys.version_info[:3]), "pid": os.getpid()}

    def op_listen(self, cmd):
        lst = mpc.Listener(address_of(cmd), authkey=authkey_of(cmd))
        self.listeners[cmd["id"]] = lst
        return {"address": printable_address(lst.address)}

    def op_accept(self, cmd):
        conn = self.listeners[cmd["listener"]].accept()
        self.conns[cmd["id"]] = conn
        return {}

    def op_close_listener(self, cmd):
        lst = self.listeners.pop(cmd["id"])
        try:
            lst.close()
        except Exception as e:
            # 2.7 (TypeError) and 3.6 (ValueError) try to unlink an abstract
            # address on close; the socket itself is closed by then.
            return {"close_error": type(e).__name__}
        return {}

    def op_connect(self, cmd):
        conn = mpc.Client(address_of(cmd), authkey=authkey_of(cmd))
        self.conns[cmd["id"]] = conn
        return {}

    def op_fd(self, cmd):
        readable = cmd.get("readable", True)
        writable = cmd.get("writable", True)
        if PY2:
            conn = _multiprocessing.Connection(int(cmd["fd"]), readable, writable)
        else:
            conn = mpc.Connection(int(cmd["fd"]), readable, writable)
        self.conns[cmd["id"]] = conn
        return {}

    def op_send(self, cmd):
        data = payload(int(cmd["seed"]), int(cmd["size"]))
        digest = sha256_hex(data)
        self.conns[cmd["id"]].send_bytes(data)
        return {"size": len(data), "sha256": digest}

    def op_recv(self, cmd):
        data = self.conns[cmd["id"]].recv_bytes()
        res = {"size": len(data), "sha256": sha256_hex(data)}
        if "seed" in cmd:
            res["diff"] = first_difference(data, int(cmd["seed"]), int(cmd["size"]))
        return res

    def op_poll(self, cmd):
        return {"ready": bool(self.conns[cmd["id"]].poll(float(cmd.get("timeout", 0))))}

    def op_close(self, cmd):
        self.conns.pop(cmd["id"]).close()
        return {}

    def op_digest(self, cmd):
        data = payload(int(cmd["seed"]), int(cmd["size"]))
        return {"size": len(data), "sha256": sha256_hex(data)}

    def op_send_objects(self, cmd):
        """Send sample_objects() with send(), at this interpreter's default protocol."""
        objs = sample_objects()
        for obj in objs:
            self.conns[cmd["id"]].send(obj)
        return {"count": len(objs)}

    def op_send_hex(self, cmd):
        """send_bytes() of raw bytes given in hex (hostile pickles and the like)."""
        data = bytearray.fromhex(cmd["hex"])
        self.conns[cmd["id"]].send_bytes(bytes(data) if not PY2 else str(data))
        return {"size": len(data)}

    def op_send_json(self, cmd):
        """send() of a JSON value, pickled by this interpreter."""
        self.conns[cmd["id"]].send(cmd["value"])
        return {}

    def op_sleep(self, cmd):
        time.sleep(float(cmd["seconds"]))
        return {}

    # XML-RPC commands (wire_xmlrpc_test.go): XmlListener and XmlClient,
    # values built and checked by Python expressions (see xml_eval).

    def op_xml_listen(self, cmd):
        lst = mpc.XmlListener(address_of(cmd), authkey=authkey_of(cmd))
        self.listeners[cmd["id"]] = lst
        return {"address": printable_address(lst.address)}

    def op_xml_connect(self, cmd):
        self.conns[cmd["id"]] = mpc.XmlClient(address_of(cmd), authkey=authkey_of(cmd))
        return {}

    def op_xml_send(self, cmd):
        """send() of the value of cmd["expr"]."""
        self.conns[cmd["id"]].send(xml_eval(cmd["expr"]))
        return {}

    def op_xml_recv(self, cmd):
        """recv() a value x and evaluate cmd["check"] with x and cmd["want"]."""
        x = self.conns[cmd["id"]].recv()
        return {"match": bool(xml_eval(cmd["check"], x=x, want=cmd.get("want"))), "repr": repr(x)}

    def op_xml_dumps(self, cmd):
        """What send() of cmd["expr"] puts in the message, in hex."""
        xc = xml_module()
        data = xc.dumps((xml_eval(cmd["expr"]),), None, None, None, 1)
        if not PY2:
            data = data.encode("utf-8")
        return {"hex": binascii.hexlify(data).decode("ascii")}

    # Handle commands (wire_handle_test.go): multiprocessing.reduction's
    # send_handle and recv_handle on a connection.

    def op_handle_acks(self, cmd):
        """Whether this Python's recv_handle acknowledges a descriptor: one
        passed over a socketpair, then is a byte waiting at the sender?"""
        import select
        import socket
        from multiprocessing import reduction
        a, b = socket.socketpair()
        r, w = os.pipe()
        try:
            if PY2:
                _multiprocessing.sendfd(a.fileno(), r)
            else:
                a.sendmsg([b"\x01"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array_of_fds([r]))])
            os.close(reduction.recv_handle(FilenoOf(b)))
            acked = bool(select.select([a], [], [], 0)[0])
        finally:
            for f in (r, w):
                os.close(f)
            a.close()
            b.close()
        return {"acks": acked}

    def op_handle_recv(self, cmd):
        """recv_handle(conn); read the file from the start; append
        cmd["append"] to it; report what was read."""
        from multiprocessing import reduction
        fd = reduction.recv_handle(self.conns[cmd["id"]])
        try:
            os.lseek(fd, 0, 0)
            data = b""
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                data += chunk
            if cmd.get("append"):
                os.write(fd, cmd["append"].encode("utf-8"))
        finally:
            os.close(fd)
        return {"content": data.decode("utf-8")}

    def op_handle_send(self, cmd):
        """A temporary file holding cmd["content"]; if cmd["message"],
        send() it first; then send_handle(conn, fd, pid)."""
        import tempfile
        from multiprocessing import reduction
        conn = self.conns[cmd["id"]]
        f = tempfile.TemporaryFile()
        try:
            f.write(cmd["content"].encode("utf-8"))
            f.flush()
            if cmd.get("message") is not None:
                conn.send_bytes(cmd["message"].encode("utf-8"))
            reduction.send_handle(conn, f.fileno(), os.getpid())
        finally:
            f.close()
        return {}

    # Object commands (objects_*_test.go): the objects and the comparisons
    # are Python expressions evaluated in testdata/objects_corpus.py.

    def op_obj_send(self, cmd):
        """Build cmd["expr"], send it cmd["times"] times (with send(), or as a
        protocol cmd["proto"] pickle), keep it as case cmd["case"]."""
        import objects_corpus as oc
        obj = oc.build(cmd["expr"])
        self.sent[cmd["case"]] = obj
        for _ in range(int(cmd.get("times", 1))):
            oc.send(self.conns[cmd["id"]], obj, cmd.get("proto"))
        return {"repr": oc.short(obj)}

    def op_obj_check_echo(self, cmd):
        """Receive Go's echo of case cmd["case"] and compare it with what was
        sent: o == x and same type unless cmd["check"] says otherwise."""
        import objects_corpus as oc
        o = self.sent.pop(cmd["case"])
        x = self.conns[cmd["id"]].recv()
        chk = cmd.get("check") or "x == o and tname(x) == tname(o)"
        return {"mismatch": oc.check(x, check_=chk, o=o), "repr": oc.short(x)}

    def op_obj_recv_raw(self, cmd):
        """Receive one pickle with recv_bytes: its first two bytes (PROTO n)
        and what it loads as."""
        import objects_corpus as oc
        data = self.conns[cmd["id"]].recv_bytes()
        return {"head": binascii.hexlify(data[:2]).decode("ascii"), "repr": oc.short(pickle.loads(data))}

    def op_obj_recv(self, cmd):
        """Receive a Go value, compare it with cmd["expr"] (==), cmd["type"]
        and cmd["check"], then send it back cmd["echo"] times."""
        import objects_corpus as oc
        conn = self.conns[cmd["id"]]
        x = conn.recv()
        mismatch = oc.check(x, cmd.get("expr"), cmd.get("type"), cmd.get("check"))
        for _ in range(int(cmd.get("echo", 0))):
            oc.send(conn, x, cmd.get("proto"))
        return {"mismatch": mismatch, "repr": oc.short(x)}


def xml_module():
    try:
        import xmlrpc.client as xc
    except ImportError:
        import xmlrpclib as xc
    return xc


def xml_eval(expr, **names):
    """Evaluate expr with the names XML-RPC values need, on 2.7 and 3.x."""
    import datetime
    xc = xml_module()

    def is_int(v):
        return (isinstance(v, int) or (PY2 and isinstance(v, long))) and not isinstance(v, bool)

    def is_str(v):
        return isinstance(v, str) or (PY2 and isinstance(v, unicode))

    ns = {"Binary": xc.Binary, "DateTime": xc.DateTime, "datetime": datetime.datetime,
          "is_int": is_int, "is_str": is_str}
    ns.update(names)
    return eval(expr, ns)


class FilenoOf(object):
    """What reduction's handle functions need of a connection: fileno()."""

    def __init__(self, sock):
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()


def array_of_fds(fds):
    import array
    return array.array("i", fds)


def error_result(e):
    return {
        "ok": False,
        "type": type(e).__name__,
        # the one check the tests care about: is it multiprocessing's class?
        "auth": isinstance(e, multiprocessing.AuthenticationError),
        "msg": str(e),
        "traceback": traceback.format_exc(),
    }


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def main():
    peer = Peer()
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        op = cmd.get("op")
        try:
            fn = getattr(peer, "op_" + str(op))
        except AttributeError:
            emit({"seq": cmd.get("seq"), "op": op, "ok": False, "type": "UnknownOp", "auth": False, "msg": str(op)})
            continue
        try:
            res = fn(cmd)
            res["ok"] = True
        except Exception as e:
            res = error_result(e)
        res["seq"] = cmd.get("seq")
        res["op"] = op
        emit(res)


if __name__ == "__main__":
    main()
