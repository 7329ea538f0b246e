# -*- coding: utf-8 -*-
"""A Python peer for mpconn's fault tests: it does one thing, says so on
stdout, and waits to be killed (SIGKILL) or stopped (SIGSTOP) by the test.

  fault_peer.py send_big HOST PORT KEYHEX SIZE  connect, print "sending", send_bytes(SIZE bytes)
  fault_peer.py hold HOST PORT KEYHEX           connect, print "connected", never read
  fault_peer.py raw HOST PORT                   plain TCP connect, print "connected", say nothing
  fault_peer.py listen KEYHEX                   Listener; print its port; accept; print "accepted"; hold
  fault_peer.py echo HOST PORT KEYHEX           connect, print "connected", echo messages until EOF

Runs on CPython 2.7 and 3.6+.
"""
import socket
import sys
import time

import multiprocessing.connection as mpc

PY2 = sys.version_info[0] == 2


def key_of(h):
    return bytes(bytearray.fromhex(h)) if not PY2 else str(bytearray.fromhex(h))


def say(s):
    sys.stdout.write(s + "\n")
    sys.stdout.flush()


def main():
    mode = sys.argv[1]
    if mode == "send_big":
        conn = mpc.Client((sys.argv[2], int(sys.argv[3])), authkey=key_of(sys.argv[4]))
        data = b"\x5a" * int(sys.argv[5])
        say("sending")
        conn.send_bytes(data)
        say("sent")
    elif mode == "hold":
        conn = mpc.Client((sys.argv[2], int(sys.argv[3])), authkey=key_of(sys.argv[4]))
        say("connected")
    elif mode == "raw":
        s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
        say("connected")
    elif mode == "listen":
        lst = mpc.Listener(("127.0.0.1", 0), authkey=key_of(sys.argv[2]))
        say(str(lst.address[1]))
        conn = lst.accept()
        say("accepted")
    elif mode == "echo":
        conn = mpc.Client((sys.argv[2], int(sys.argv[3])), authkey=key_of(sys.argv[4]))
        say("connected")
        while True:
            try:
                conn.send_bytes(conn.recv_bytes())
            except EOFError:
                return
    time.sleep(600)


if __name__ == "__main__":
    main()
