"""Python peer for mpconn's shared-memory interop tests (shm_*_test.go).

Runs on CPython 3.8+. The Go test talks to it over the multiprocessing
Connection it inherits as descriptor 3 (fd 4, when present, is an anonymous
segment for the memfd case). Each request is (code, args): the code runs
with `args` (as Python unpickled them: SharedMemory and ShareableList
references arrive as real objects), a `state` dict kept between requests
and the helpers below, and sets `result`; the reply is ('ok', result), or
('error', type name, message, traceback). EOF ends the script.
"""
import mmap
import os
import pickle
import struct
import subprocess
import sys
import traceback
from multiprocessing import resource_tracker, shared_memory
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler

HAS_TRACK = sys.version_info >= (3, 13)


def attach(name):
    """Attach to a segment someone else owns without letting this process's
    resource tracker unlink it at exit: the README's opt-out."""
    if HAS_TRACK:
        return shared_memory.SharedMemory(name, track=False)
    shm = shared_memory.SharedMemory(name)
    resource_tracker.unregister(shm._name, "shared_memory")
    return shm


def attach_list(name):
    """ShareableList has no track= in any version: unregister."""
    sl = shared_memory.ShareableList(name=name)
    resource_tracker.unregister(sl.shm._name, "shared_memory")
    return sl


def untrack(shm):
    resource_tracker.unregister(shm._name, "shared_memory")


def run_python(code, stdin=None):
    """Run code in a fresh interpreter (its own resource tracker); returns
    (exit code, stderr). run() returns once every holder of the stderr pipe
    has closed it, the child's tracker included, so whatever the tracker
    unlinks at exit is gone by then."""
    p = subprocess.run([sys.executable, "-c", code], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def main():
    conn = Connection(3)
    state = {}
    while True:
        try:
            req = conn.recv()
        except EOFError:
            break
        except Exception as e:  # the request did not unpickle
            conn.send(("error", type(e).__name__, str(e), traceback.format_exc()))
            continue
        code, args = req
        ns = dict(globals(), args=args, state=state, conn=conn, result=None)
        try:
            exec(code, ns)
            conn.send(("ok", ns["result"]))
        except Exception as e:
            conn.send(("error", type(e).__name__, str(e), traceback.format_exc()))


main()
