"""The CPython side of internal/bench's manager row: the docs' remote queue
with stock multiprocessing.managers. Embedded in the Go command.

    managers.py server                 serves get_queue on 127.0.0.1, prints
                                       host:port; EOF on stdin ends it
    managers.py client ADDR PAIRS [N]  connects, warms up, prints 'ready'; then for
                                       every 'go' line on stdin puts and gets PAIRS
                                       items and prints the seconds it took; EOF
                                       ends it (N, the number of clients at once,
                                       is for the Go peer, which runs them all)
"""
import json
import sys
import threading
import time
from multiprocessing.managers import BaseManager

try:
    from queue import Queue
except ImportError:
    from Queue import Queue

AUTHKEY = b'mpconn-bench'


class QueueManager(BaseManager):
    pass


def serve():
    queue = Queue()
    QueueManager.register('get_queue', callable=lambda: queue)
    m = QueueManager(address=('127.0.0.1', 0), authkey=AUTHKEY)
    s = m.get_server()
    print('%s:%d' % s.address, flush=True)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    sys.stdin.read()


def client(addr, pairs):
    QueueManager.register('get_queue')
    host, port = addr.rsplit(':', 1)
    m = QueueManager(address=(host, int(port)), authkey=AUTHKEY)
    m.connect()
    q = m.get_queue()
    for i in range(min(pairs, 200)):  # warm up
        q.put(i)
        q.get()
    print('ready', flush=True)
    for line in sys.stdin:
        t0 = time.perf_counter()
        for i in range(pairs):
            q.put(i)
            q.get()
        print(json.dumps(time.perf_counter() - t0), flush=True)


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        serve()
    else:
        client(sys.argv[2], int(sys.argv[3]))
