# The Python side of the quickstart: an unmodified multiprocessing Listener.
# It prints its address, accepts one authenticated connection, then for every
# object it receives sends back (repr(obj), type name, obj) until 'close'.
# Finally it sends a few objects of its own for Go to print.
import datetime
import decimal
import os
import sys
from multiprocessing.connection import Listener

key = bytes.fromhex(os.environ["QUICKSTART_KEY"])
with Listener(("127.0.0.1", 0), authkey=key) as listener:
    print("%s:%d" % listener.address, flush=True)
    with listener.accept() as conn:
        while True:
            obj = conn.recv()
            if obj == "close":
                break
            conn.send((repr(obj), type(obj).__name__, obj))
        conn.send({
            "python": sys.version.split()[0],
            "when": datetime.datetime(2024, 5, 17, 12, 30, tzinfo=datetime.timezone.utc),
            "price": decimal.Decimal("19.99"),
            "error": KeyError("missing"),
            "primes": frozenset({2, 3, 5, 7}),
        })
