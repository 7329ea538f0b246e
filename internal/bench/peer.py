"""The CPython side of internal/bench: a stock multiprocessing.connection
Listener or Client, C pickle, nothing else. Embedded in the Go command.

    peer.py server FAMILY ADDRESS MODE      prints the address, serves one client
    peer.py client FAMILY ADDRESS MODE ...  connects, then answers requests

FAMILY is unix or tcp (ADDRESS a path, or host:port; port 0 picks one).
MODE rt: the server echoes objects (conn.send(conn.recv())); the client
sends the small object and receives the echo, ROUNDS times per repetition.
MODE bulk: the client sends COUNT messages of SIZE bytes (send_bytes) and an
empty one; the server receives them (recv_bytes) and answers b'ok' to the
empty one. The client times each batch, ack included.

The client runs one repetition per request, so that the Go command can
interleave its repetitions with the other pairs': it reads one line of JSON
per request on stdin, {"op": "warm"} (one untimed batch: up to 1000 round
trips, or one message) or {"op": "rep"} (one timed repetition), and answers
one line, {} or {"seconds": S}, until stdin ends.
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


def answer(handle):
    """Answers requests until stdin ends: one line of JSON in, handle(request)
    (a dict) out as one line of JSON, or {"error": ...} if it raised."""
    for line in sys.stdin:
        try:
            out = handle(json.loads(line))
        except Exception as e:
            out = {'error': '%s: %s' % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out) + '\n')
        sys.stdout.flush()


def client(family, addr, mode, *args):
    fam, a = address(family, addr)
    with Client(a, family=fam, authkey=AUTHKEY) as conn:
        if mode == 'rt':
            rounds = int(args[0])

            def batch(n):
                for _ in range(n):
                    conn.send(SMALL)
                    conn.recv()
            warm, rep = min(rounds, 1000), rounds
        else:
            size, count = int(args[0]), int(args[1])
            payload = bytes(size)

            def batch(n):
                for _ in range(n):
                    conn.send_bytes(payload)
                conn.send_bytes(b'')
                conn.recv_bytes()
            warm, rep = 1, count

        def handle(req):
            if req['op'] == 'warm':
                batch(warm)
                return {}
            if req['op'] != 'rep':
                raise ValueError('unknown op %r' % req['op'])
            t0 = time.perf_counter()
            batch(rep)
            return {'seconds': time.perf_counter() - t0}
        answer(handle)


if __name__ == '__main__':
    role, family, addr, mode = sys.argv[1:5]
    if role == 'server':
        serve(family, addr, mode)
    else:
        client(family, addr, mode, *sys.argv[5:])
