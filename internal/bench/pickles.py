"""The CPython side of internal/bench's pickle rows: C pickle.loads and
pickle.dumps timed one repetition per request, so that the Go command can
interleave CPython's repetitions with its own, and the datasets CPython
writes itself. Embedded in the Go command and started once per run; it
answers one line of JSON on stdout per line of JSON on stdin, until EOF.
NAME is a key under which this process keeps a pickle or a value.

    {"op": "read", "name": NAME, "path": P}    keep the pickle in file P
    {"op": "load", "name": NAME, "path": P}    keep the value pickled in P
    {"op": "make", "name": NAME, "kind": K, "n": N, "seed": S}
        keep a dataset of N elements, the same for the same seed: K "unicode"
        (non-ASCII strings) or "mixed" (records of mixed fields)
    {"op": "dump", "name": NAME, "value": V, "protocol": P, "path": F}
        keep pickle.dumps(value V, P) as NAME and write it to F
    {"op": "loads", "name": NAME, "min": SECONDS}
    {"op": "dumps", "name": NAME, "protocol": P, "min": SECONDS}
        one repetition after a collection: as many calls as fit in SECONDS
        (at least one); answers {"seconds": seconds per call}
    {"op": "equal", "name": NAME, "path": P}   {"equal": whether the pickle in
        P loads as a value equal to NAME}
    {"op": "drop", "names": [NAME, ...]}

An error is answered as {"error": "..."}.
"""
import gc
import pickle
import random
import string
import time

from peer import answer

# Characters of the "unicode" strings and of the records' names: accented
# Latin (1 byte a character in CPython, 2 in UTF-8), Greek (2 and 2), CJK
# (2 and 3) and emoji (4 and 4, outside the BMP).
SCRIPTS = (
    'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿčćđšžłńśźżőűœß',
    'αβγδεζηθικλμνξοπρστυφχψωάέήίόύώΑΒΓΔΕΘΛΞΠΣΦΨΩ',
    ''.join(map(chr, range(0x4E00, 0xA000))),
    ''.join(map(chr, range(0x1F600, 0x1F650))) + ''.join(map(chr, range(0x1F680, 0x1F6C0))),
)
ASCII = string.ascii_letters + string.digits + ' '
ALL = ''.join(SCRIPTS)
CITIES = ('Zürich', 'São Paulo', 'Αθήνα', '東京', 'Kraków', 'Reykjavík',
          'Montréal', 'Berlin', 'Lagos', '서울')
TAGS = ('ops', 'ml', 'café', 'δέλτα', '🚀', 'infra', '数据', 'billing')


def text(rng, lo, hi):
    """A str of lo to hi characters that starts with a non-ASCII one: mostly
    one script, some ASCII, a few of the other scripts."""
    main = rng.choice(SCRIPTS)
    pools = rng.choices((main, ASCII, ALL), weights=(70, 20, 10), k=rng.randint(lo, hi) - 1)
    return rng.choice(main) + ''.join(rng.choice(p) for p in pools)


def unicode_strings(rng, n):
    return [text(rng, 5, 40) for _ in range(n)]


def mixed_records(rng, n):
    return [{
        'id': i,
        'name': text(rng, 5, 20),
        'city': rng.choice(CITIES),
        'score': rng.random() * 100,
        'parent': rng.randrange(i) if i and rng.random() < 0.3 else None,
        'active': rng.random() < 0.5,
        'tags': rng.sample(TAGS, rng.randint(0, 3)),
    } for i in range(n)]


KINDS = {'unicode': unicode_strings, 'mixed': mixed_records}


def repetition(fn, min_seconds):
    gc.collect()
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - t0
        if el >= min_seconds:
            return {'seconds': el / n}


def main():
    kept = {}

    def read(path):
        with open(path, 'rb') as f:
            return f.read()

    def handle(req):
        op, name = req['op'], req.get('name')
        if op == 'read':
            kept[name] = read(req['path'])
        elif op == 'load':
            kept[name] = pickle.loads(read(req['path']))
        elif op == 'make':
            kept[name] = KINDS[req['kind']](random.Random(req['seed']), req['n'])
        elif op == 'dump':
            kept[name] = pickle.dumps(kept[req['value']], req['protocol'])
            with open(req['path'], 'wb') as f:
                f.write(kept[name])
        elif op == 'loads':
            data = kept[name]
            return repetition(lambda: pickle.loads(data), req['min'])
        elif op == 'dumps':
            value, protocol = kept[name], req['protocol']
            return repetition(lambda: pickle.dumps(value, protocol), req['min'])
        elif op == 'equal':
            return {'equal': pickle.loads(read(req['path'])) == kept[name]}
        elif op == 'drop':
            for n in req['names']:
                kept.pop(n, None)
            gc.collect()
        else:
            raise ValueError('unknown op %r' % op)
        return {}

    answer(handle)


if __name__ == '__main__':
    main()
