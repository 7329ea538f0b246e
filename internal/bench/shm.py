"""The CPython side of internal/bench's shared-memory rows (shm.go), run as
a child with a multiprocessing Connection on fd 3.

    shm.py
      'shm':   receive a SharedMemory (unpickling attaches), touch the
               array's first and last float64 through memoryview.cast('d'),
               send the SharedMemory back (its name and size), close; until
               None arrives.
      'bytes': echo each message (recv_bytes, send_bytes) until an empty one.
"""
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection

conn = Connection(3)
while True:
    try:
        mode = conn.recv()
    except EOFError:
        break
    if mode == 'shm':
        while True:
            shm = conn.recv()
            if shm is None:
                break
            a = shm.buf.cast('d')
            a[len(a) - 1] = a[0] + 1
            a.release()
            if getattr(shm, '_track', True):  # Go owns the segment (before 3.13 the attach registers it)
                resource_tracker.unregister(shm._name, 'shared_memory')
            conn.send(shm)
            shm.close()
    else:
        while True:
            data = conn.recv_bytes()
            conn.send_bytes(data)
            if not data:
                break
