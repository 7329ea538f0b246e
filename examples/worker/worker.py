# A worker process, started by the Go parent with one end of a socketpair as
# descriptor 3. It answers jobs until the parent closes its end.
import os
import sys
from multiprocessing.connection import Connection

conn = Connection(3)
worker = int(sys.argv[1])
while True:
    try:
        job = conn.recv()  # a Go Job arrives as a dict
    except EOFError:
        break  # the parent has no more work
    if job.get('crash'):
        os._exit(3)  # die abruptly, mid-job, without a reply
    conn.send({'id': job['id'], 'sum': sum(job['numbers']), 'worker': worker})
