# -*- coding: utf-8 -*-
"""Python peer for mpconn's managers interop tests.

Driven like peer.py: one JSON command per line on stdin, one JSON reply per
command on stdout, in order. EOF on stdin ends the process.

Commands:
  {"op": "serve", "address": [host, port], "authkey": hex}
      Start a stock manager server (SyncManager's typeids, the docs'
      get_queue and the test type Thing) and reply with its address. The
      main thread then runs server.serve_forever(), as the docs do, and the
      commands that follow are read by another thread; a client's shutdown
      ends the process the way it ends a Python manager.
  {"op": "connect", "name": n, "address": a, "authkey": hex, "cls": c}
      Connect a client manager (c: "SyncManager", "QueueManager" or
      "TestManager") and bind it to n in the namespace of exec. The
      process's authkey becomes the manager's, so that proxies received in
      messages can reach it (Python's RebuildProxy uses the process's key).
  {"op": "exec", "code": src, "fresh": bool}
      Run src in a namespace shared by every exec (or, when fresh, in a copy
      of it that is dropped afterwards, with the proxies it made); reply with
      the value of the variable result (JSON, or {"repr": ...}), or with the
      exception: its type, module and str (RemoteError text included).

Runs unchanged on CPython 2.7 and 3.6+.
"""
import binascii
import gc
import json
import os
import sys
import threading
import time
import traceback

import multiprocessing
from multiprocessing import managers
from multiprocessing.managers import BaseManager, SyncManager, RemoteError

try:
    import queue
except ImportError:  # Python 2
    import Queue as queue

PY2 = sys.version_info[0] == 2

# The docs' server: one queue, handed out by get_queue.
docs_queue = queue.Queue()


class Thing(object):
    """A user type whose methods fail the ways the tests need."""

    def boom(self):
        raise ValueError('boom', 42)

    def unpicklable(self):
        return lambda: 1

    def echo(self, *args, **kwds):
        return [list(args), kwds]


class TestManager(SyncManager):
    pass


TestManager.register('get_queue', callable=lambda: docs_queue)
TestManager.register('Thing', Thing)


class QueueManager(BaseManager):
    pass


QueueManager.register('get_queue')

CLASSES = {"SyncManager": SyncManager, "QueueManager": QueueManager, "TestManager": TestManager}

namespace = {
    "queue": queue, "time": time, "gc": gc, "threading": threading, "managers": managers,
    "multiprocessing": multiprocessing, "RemoteError": RemoteError, "PY2": PY2, "sys": sys,
}



def exc(f, *args, **kwds):
    """The outcome of f(*args, **kwds) as the tests compare it: the result,
    or the exception's type name; for a RemoteError (a #TRACEBACK reply) the
    name of the exception on the traceback's last line."""
    try:
        return f(*args, **kwds)
    except RemoteError as e:
        text = str(e.args[0])
        if text.startswith("Unserializable message"):
            # what failed to pickle differs by server and version
            return "RemoteError:Unserializable"
        return "RemoteError:" + text.strip().splitlines()[-1].split(":")[0]
    except Exception as e:
        return type(e).__name__


def exc_args(f, *args, **kwds):
    """Like exc, with the exception's arguments."""
    try:
        return f(*args, **kwds)
    except RemoteError as e:
        return ["RemoteError", str(e.args[0]).strip().splitlines()[-1].split(":")[0]]
    except Exception as e:
        return [type(e).__name__, list(e.args)]


namespace["exc"] = exc
namespace["exc_args"] = exc_args

out_lock = threading.Lock()


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
        sys.stdout.flush()


def key_of(cmd):
    return binascii.unhexlify(cmd["authkey"].encode("ascii"))


def address_of(cmd):
    a = cmd["address"]
    if isinstance(a, list):
        return (str(a[0]), int(a[1]))
    return str(a)


def encode(v):
    try:
        json.dumps(v)
        return v
    except (TypeError, ValueError):
        return {"repr": repr(v)}


def error_result(e):
    res = {"ok": False, "type": type(e).__name__, "module": type(e).__module__,
           "remote": isinstance(e, RemoteError), "traceback": traceback.format_exc()}
    try:
        res["msg"] = str(e)
    except Exception:
        res["msg"] = repr(e)
    if isinstance(e, RemoteError):
        res["msg"] = str(e.args[0])
    return res


def op_connect(cmd):
    cls = CLASSES[cmd.get("cls") or "SyncManager"]
    key = key_of(cmd)
    multiprocessing.current_process().authkey = key
    m = cls(address=address_of(cmd), authkey=key)
    m.connect()
    namespace[cmd["name"]] = m
    return {}


def op_exec(cmd):
    ns = namespace
    if cmd.get("fresh"):
        ns = dict(namespace)
    ns.pop("result", None)
    try:
        exec(cmd["code"], ns)
        return {"result": encode(ns.get("result"))}
    finally:
        if ns is not namespace:
            ns.clear()
            gc.collect()


def handle(cmd):
    op = cmd.get("op")
    try:
        res = globals()["op_" + str(op)](cmd)
        res["ok"] = True
    except Exception as e:
        res = error_result(e)
    res["seq"] = cmd.get("seq")
    res["op"] = op
    emit(res)


def read_commands():
    """Handle commands until EOF; return a serve command if one comes."""
    while True:
        line = sys.stdin.readline()
        if not line:
            os._exit(0)
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if cmd.get("op") == "serve":
            return cmd
        handle(cmd)


def serve(cmd):
    m = TestManager(address=address_of(cmd), authkey=key_of(cmd))
    server = m.get_server()
    address = server.address
    if isinstance(address, tuple):
        address = list(address)
    emit({"seq": cmd.get("seq"), "op": "serve", "ok": True, "address": address,
          "protocol": pickle_protocol()})
    t = threading.Thread(target=read_commands)
    t.daemon = True
    t.start()
    server.serve_forever()


def pickle_protocol():
    import pickle
    return pickle.DEFAULT_PROTOCOL if hasattr(pickle, "DEFAULT_PROTOCOL") else 2


def main():
    cmd = read_commands()
    serve(cmd)


if __name__ == "__main__":
    main()
