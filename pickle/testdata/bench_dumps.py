"""Times CPython's C pickle.dumps on the datasets of the Go encoder
benchmarks (internal/benchdata builds the same values for encode_bench_test.go
and the comparison command internal/bench).

    python3.13 pickle/testdata/bench_dumps.py [protocol]

Prints one line per dataset: name, best wall time and best CPU time
(time.process_time, user+sys) per dumps in ms, output size,
and the SHA-256 of the output (equal to the Go output's for the datasets
whose order Go preserves).
"""
import hashlib
import pickle
import sys
import time
import timeit


def datasets():
    return {
        "dicts100k": [{"name": "user%d" % i, "id": i, "score": i * 1.5, "extra": None} for i in range(100000)],
        "ints1M": list(range(1000000)),
        "floats1M": [i * 0.5 for i in range(1000000)],
        "strings100k": ["string number %d" % i for i in range(100000)],
        "bytes32M": bytes(range(256)) * (32 * 1024 * 4),
        "records100k": [
            {
                "id": i,
                "name": "record %d" % i,
                "tags": ["a", "b", "c"],
                "owner": {"name": "owner %d" % i, "email": "o%d@example.com" % i},
                "scores": [i * 0.5, i * 0.25, 1.0],
                "active": i % 2 == 0,
            }
            for i in range(100000)
        ],
    }


def main():
    proto = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    for name, value in datasets().items():
        timer = timeit.Timer(lambda: pickle.dumps(value, proto))
        n, _ = timer.autorange()
        best = min(timer.repeat(repeat=5, number=n)) / n
        cpu = timeit.Timer(lambda: pickle.dumps(value, proto), timer=time.process_time)
        best_cpu = min(cpu.repeat(repeat=5, number=n)) / n
        data = pickle.dumps(value, proto)
        print("%-12s wall %9.3f ms  cpu %9.3f ms %10d bytes sha256=%s" % (
            name, best * 1e3, best_cpu * 1e3, len(data), hashlib.sha256(data).hexdigest()))


if __name__ == "__main__":
    main()
