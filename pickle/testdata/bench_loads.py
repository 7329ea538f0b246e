# Times CPython's C pickle.loads on the benchmark pickles the Go tests write:
#   MPCONN_BENCH_DIR=/tmp/pk go test ./pickle/ -run TestBenchPicklesDecode
#   (internal/benchdata builds the pickles; internal/bench times CPython on
#   the same bytes side by side with the Go decoders)
#   python3.13 pickle/testdata/bench_loads.py /tmp/pk
import glob
import os
import pickle
import sys
import timeit

for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.pickle'))):
    with open(path, 'rb') as f:
        data = f.read()
    n, total = timeit.Timer(lambda: pickle.loads(data)).autorange()
    best = min(timeit.repeat(lambda: pickle.loads(data), number=n, repeat=5)) / n
    print('%-20s %10.3f ms' % (os.path.basename(path)[:-7], best * 1e3))
