# -*- coding: utf-8 -*-
"""Load-test client for mpconn: connects to a Go Listener, sends COUNT
messages, each {'client': id, 'seq': n, 'data': <random bytes>, 'sum':
crc32(data)}, one after the other with send(), and checks that every reply
({'client', 'seq', 'sum'}) comes back once, in order, with the right checksum.
Usage: load_client.py HOST PORT KEYHEX CLIENT_ID COUNT. Prints one JSON line.
Runs on CPython 2.7 and 3.6+.
"""
import json
import os
import random
import sys
import threading
import time
import zlib

import multiprocessing.connection as mpc

PY2 = sys.version_info[0] == 2


def main():
    host, port, keyhex, cid, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    key = bytes(bytearray.fromhex(keyhex)) if not PY2 else str(bytearray.fromhex(keyhex))
    rnd = random.Random(cid)
    start = time.time()
    conn = mpc.Client((host, port), authkey=key)
    # Connected and authenticated: wait for the test to start the traffic.
    sys.stdout.write("connected\n")
    sys.stdout.flush()
    sys.stdin.readline()
    start = time.time()
    sums = []
    errors = []

    def sender():
        try:
            for seq in range(count):
                data = bytearray(rnd.getrandbits(8) for _ in range(rnd.randint(0, 512)))
                s = zlib.crc32(bytes(data)) & 0xffffffff
                sums.append(s)
                if not PY2:
                    data = bytes(data)
                conn.send({u"client": cid, u"seq": seq, u"data": data, u"sum": s})
        except Exception as e:
            errors.append("send: %r" % (e,))

    t = threading.Thread(target=sender)
    t.start()
    got = 0
    try:
        for seq in range(count):
            r = conn.recv()
            if r[u"client"] != cid or r[u"seq"] != seq:
                errors.append("reply %d: got client %r seq %r" % (seq, r[u"client"], r[u"seq"]))
                break
            while len(sums) <= seq:
                time.sleep(0.001)
            if r[u"sum"] != sums[seq]:
                errors.append("reply %d: sum %r, sent %r" % (seq, r[u"sum"], sums[seq]))
                break
            got += 1
    except Exception as e:
        errors.append("recv after %d: %r" % (got, e))
    t.join()
    conn.close()
    res = {"ok": not errors, "client": cid, "replies": got, "errors": errors[:5],
           "seconds": time.time() - start, "version": list(sys.version_info[:3])}
    sys.stdout.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
