"""The Python half of examples/shm-numpy, unchanged Python 3.8+ code.

argv[1] names a ShareableList the Go parent made: [segment name, element
count, dtype character, result slot, engine slot]. The worker attaches to
the segment of float64s it describes, sums it and doubles every element in
place with numpy when it is installed (else with memoryview.cast, which
needs nothing), and writes the sum and the engine's name back into the
list. Nothing of the array goes through a pipe or a socket.
"""
import sys
from multiprocessing import resource_tracker, shared_memory

# Go owns both segments. Attaching registers them with this process's
# resource tracker, which would unlink them when the worker exits: opt out.
meta = shared_memory.ShareableList(name=sys.argv[1])
resource_tracker.unregister(meta.shm._name, "shared_memory")  # ShareableList has no track=
name, n, dtype = meta[0], meta[1], meta[2]
if sys.version_info >= (3, 13):
    shm = shared_memory.SharedMemory(name, track=False)
else:
    shm = shared_memory.SharedMemory(name)
    resource_tracker.unregister(shm._name, "shared_memory")

try:
    import numpy as np
except ImportError:
    np = None

if np is not None:
    a = np.ndarray((n,), dtype=dtype, buffer=shm.buf)  # a view, no copy
    total = float(a.sum())
    a *= 2
    del a  # release the buffer before close()
    engine = "numpy " + np.__version__
else:
    a = shm.buf[: n * 8].cast(dtype)  # a view, no copy
    total = sum(a)
    for i in range(n):
        a[i] *= 2
    a.release()
    engine = "memoryview"

meta[3] = total
meta[4] = engine[:16]
shm.close()
meta.shm.close()
