"""Times CPython's C pickle.loads and pickle.dumps for internal/bench, on the
pickles the Go command wrote: DIR/decode-NAME.pickle are loaded, and
DIR/encode-NAME.pickle are loaded once and the value dumped again
(protocol 4), as bench_dumps.py does with the same datasets.

    pickles.py DIR REPS MIN_SECONDS

Prints one JSON object: {"decode": {NAME: [seconds per call, ...]}, "encode": ...},
one entry per repetition (each repetition runs at least MIN_SECONDS).
"""
import gc
import glob
import json
import os
import pickle
import sys
import time


def timeit(fn, reps, min_seconds):
    fn()
    out = []
    for _ in range(reps):
        gc.collect()
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= min_seconds:
                break
        out.append(el / n)
    return out


def main():
    d, reps, min_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    res = {'decode': {}, 'encode': {}}
    for kind in ('decode', 'encode'):
        for path in sorted(glob.glob(os.path.join(d, kind + '-*.pickle'))):
            name = os.path.basename(path)[len(kind) + 1:-7]
            with open(path, 'rb') as f:
                data = f.read()
            if kind == 'decode':
                res[kind][name] = timeit(lambda: pickle.loads(data), reps, min_seconds)
            else:
                value = pickle.loads(data)
                res[kind][name] = timeit(lambda: pickle.dumps(value, 4), reps, min_seconds)
                del value
    print(json.dumps(res))


if __name__ == '__main__':
    main()
