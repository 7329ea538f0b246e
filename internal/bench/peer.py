"""The CPython side of internal/bench: a stock multiprocessing.connection
Listener or Client, C pickle, nothing else. Embedded in the Go command.

    peer.py server FAMILY ADDRESS MODE      prints the address, serves one client
    peer.py client FAMILY ADDRESS MODE ...  prints one line of JSON

FAMILY is unix or tcp (ADDRESS a path, or host:port; port 0 picks one).
MODE rt: the server echoes objects (conn.send(conn.recv())); the client
sends the small object and receives the echo, ROUNDS times per repetition.
MODE bulk: the client sends COUNT messages of SIZE bytes (send_bytes) and an
empty one; the server receives them (recv_bytes) and answers b'ok' to the
empty one. The client times each batch, ack included.
"""
import json
import sys
import time
from multiprocessing.connection import Client, Listener

AUTHKEY = b'mpconn-bench'
SMALL = {'id': 12345, 'name': 'alice', 'score': 3.25, 'tag': None, 'kind': 'job'}


def address(family, addr):
    if family == 'unix':
        return 'AF_UNIX', addr
    host, port = addr.rsplit(':', 1)
    return 'AF_INET', (host, int(port))


def serve(family, addr, mode):
    fam, a = address(family, addr)
    with Listener(a, family=fam, authkey=AUTHKEY) as l:
        got = l.address
        print(got if family == 'unix' else '%s:%d' % got, flush=True)
        with l.accept() as conn:
            try:
                if mode == 'rt':
                    while True:
                        conn.send(conn.recv())
                else:
                    while True:
                        if len(conn.recv_bytes()) == 0:
                            conn.send_bytes(b'ok')
            except EOFError:
                pass


def client(family, addr, mode, reps, *args):
    fam, a = address(family, addr)
    out = []
    with Client(a, family=fam, authkey=AUTHKEY) as conn:
        if mode == 'rt':
            rounds = int(args[0])
            for _ in range(min(rounds, 1000)):  # warm up
                conn.send(SMALL)
                conn.recv()
            for _ in range(reps):
                t0 = time.perf_counter()
                for _ in range(rounds):
                    conn.send(SMALL)
                    conn.recv()
                out.append(time.perf_counter() - t0)
        else:
            size, count = int(args[0]), int(args[1])
            payload = bytes(size)
            conn.send_bytes(payload)  # warm up
            conn.send_bytes(b'')
            conn.recv_bytes()
            for _ in range(reps):
                t0 = time.perf_counter()
                for _ in range(count):
                    conn.send_bytes(payload)
                conn.send_bytes(b'')
                conn.recv_bytes()
                out.append(time.perf_counter() - t0)
    print(json.dumps({'seconds': out}), flush=True)


if __name__ == '__main__':
    role, family, addr, mode = sys.argv[1:5]
    if role == 'server':
        serve(family, addr, mode)
    else:
        client(family, addr, mode, int(sys.argv[5]), *sys.argv[6:])
