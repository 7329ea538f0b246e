# Conformance corpus for the Go pickle decoder.
#
# Runs unchanged on CPython 2.7 and 3.6+. For the running interpreter and
# every protocol it supports, pickles a list of named values and writes
# them, with a JSON description of each value (a typed tree), to
#   <outdir>/<Implementation>-<version>.json
# Each entry: name, value (the description), pickles (hex, index = protocol).
# Usage: python gen_corpus.py OUTDIR
import binascii
import collections
import datetime
import decimal
import json
import os
import pickle
import platform
import sys
import uuid

PY2 = sys.version_info[0] == 2
if PY2:
    text_type = unicode  # noqa: F821
    int_types = (int, long)  # noqa: F821
else:
    text_type = str
    int_types = (int,)

try:
    import enum
except ImportError:
    enum = None

import multiprocessing


class Point(object):
    def __init__(self, x, y):
        self.x = x
        self.y = y


Pair = collections.namedtuple('Pair', 'a b')

if enum is not None:
    class Color(enum.Enum):
        RED = 1
        GREEN = 2


def hexs(b):
    return binascii.hexlify(b).decode('ascii')


def modname(m):
    if m in ('__builtin__', 'exceptions'):
        return 'builtins'
    return m


def fdesc(f):
    if f != f:
        return 'nan'
    if f in (float('inf'), float('-inf')):
        return f > 0 and 'inf' or '-inf'
    return repr(f)


def tzdesc(tz, dt):
    if tz is None:
        return None
    off = tz.utcoffset(dt)
    return {'offset': off.days * 86400 + off.seconds, 'name': tz.tzname(dt)}


def describe(v, seen):
    if v is None:
        return {'t': 'none'}
    if v is True or v is False:
        return {'t': 'bool', 'v': v}
    if isinstance(v, int_types):
        return {'t': 'int', 'v': str(v)}
    if isinstance(v, float):
        return {'t': 'float', 'v': fdesc(v)}
    if isinstance(v, complex):
        return {'t': 'complex', 're': fdesc(v.real), 'im': fdesc(v.imag)}
    if isinstance(v, text_type):
        return {'t': 'str', 'v': v}
    if isinstance(v, bytearray):
        return {'t': 'bytearray', 'v': hexs(bytes(v))}
    if isinstance(v, bytes):
        return {'t': PY2 and 'py2str' or 'bytes', 'v': hexs(v)}
    if isinstance(v, datetime.datetime):
        return {'t': 'datetime', 'v': [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond],
                'tz': tzdesc(v.tzinfo, v)}
    if isinstance(v, datetime.date):
        return {'t': 'date', 'v': [v.year, v.month, v.day]}
    if isinstance(v, datetime.time):
        return {'t': 'time', 'v': [v.hour, v.minute, v.second, v.microsecond], 'tz': tzdesc(v.tzinfo, None)}
    if isinstance(v, datetime.timedelta):
        return {'t': 'timedelta', 'v': [v.days, v.seconds, v.microseconds]}
    if isinstance(v, decimal.Decimal):
        return {'t': 'decimal', 'v': str(v)}
    if isinstance(v, uuid.UUID):
        return {'t': 'uuid', 'v': v.hex}
    if isinstance(v, type) or callable(v) and not isinstance(v, BaseException) and hasattr(v, '__name__') and not isinstance(v, (list, dict, tuple, Point)):
        return {'t': 'global', 'module': modname(v.__module__), 'name': v.__name__}
    if id(v) in seen:
        return {'t': 'ref', 'id': seen[id(v)]}
    ident = len(seen)
    if isinstance(v, (list, dict, tuple, set, frozenset, Point)) or (enum is not None and isinstance(v, enum.Enum)):
        seen[id(v)] = ident
    if isinstance(v, BaseException):
        return {'t': 'exception', 'module': modname(type(v).__module__), 'name': type(v).__name__,
                'args': [describe(a, seen) for a in v.args]}
    if isinstance(v, Point):
        return {'t': 'object', 'id': ident, 'module': '__main__', 'name': 'Point',
                'state': describe(v.__dict__, seen)}
    if isinstance(v, Pair):
        return {'t': 'object', 'id': ident, 'module': '__main__', 'name': 'Pair',
                'args': [describe(a, seen) for a in v]}
    if enum is not None and isinstance(v, enum.Enum):
        return {'t': 'object', 'id': ident, 'module': '__main__', 'name': type(v).__name__,
                'args': [describe(v.value, seen)]}
    if isinstance(v, list):
        return {'t': 'list', 'id': ident, 'v': [describe(x, seen) for x in v]}
    if isinstance(v, tuple):
        return {'t': 'tuple', 'id': ident, 'v': [describe(x, seen) for x in v]}
    if isinstance(v, frozenset):
        return {'t': 'frozenset', 'id': ident, 'v': [describe(x, seen) for x in v]}
    if isinstance(v, set):
        return {'t': 'set', 'id': ident, 'v': [describe(x, seen) for x in v]}
    if isinstance(v, dict):
        return {'t': 'dict', 'id': ident, 'v': [[describe(k, seen), describe(x, seen)] for k, x in v.items()]}
    raise TypeError('cannot describe %r' % (v,))


def values():
    out = []

    def add(name, v):
        out.append((name, v))

    for n in (0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, -2**31 - 1,
              2**63 - 1, -2**63, 2**63, -2**64, 2**64, 2**1000, -2**1000):
        add('int %d' % n if abs(n) < 2**70 else 'int big %s' % (n > 0 and '+' or '-'), n)
    for f in (0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, float('inf'), float('-inf'), float('nan'), 0.1):
        add('float %r' % f, f)
    add('True', True)
    add('False', False)
    add('None', None)
    for s in (u'', u'abc', u'h\xe9llo', u'\u20ac uro', u'smile \U0001F600', u'a\\b\nc\rd', u'\x00\x1a\x7f',
              u'\\u0041 not an escape', u'x' * 300):
        add('str %r' % s[:20], s)
    for b in (b'', b'abc', b'\x00\xff\x80', bytes(bytearray(range(256))), b"it's \"q\" \\ \n\t"):
        add('bytes %r' % b[:12], b)
    add('bytearray', bytearray(b'\x00ab\xff'))
    add('bytearray empty', bytearray())
    add('list empty', [])
    add('list nested', [1, [2, [3, [u'four', (5, 6)]]], {u'k': [7]}])
    add('tuple empty', ())
    add('tuple 1', (1,))
    add('tuple 3', (1, u'two', 3.0))
    add('tuple 5', (1, 2, 3, 4, 5))
    add('dict', {u'a': 1, u'b': [1, 2], u'c': None})
    add('dict int keys', {1: u'one', 2: u'two', -5: u'minus'})
    add('dict tuple keys', {(1, 2): u'a', (u'x', (3,)): u'b'})
    add('dict big', dict((u'key%d' % i, i) for i in range(40)))
    add('set', set([1, 2, 3]))
    add('set str', set([u'a', u'b']))
    add('set bytes', set([b'a']))
    add('frozenset', frozenset([1, u'x']))
    add('frozenset bytes', frozenset([b'x']))
    add('set empty', set())
    add('frozenset empty', frozenset())
    x = [1, 2]
    add('shared list', [x, x])
    d = {u'k': 1}
    add('shared dict', {u'a': d, u'b': d, u'c': [d]})
    l = []
    l.append(l)
    add('cyclic list', l)
    cd = {}
    cd[u'self'] = cd
    add('cyclic dict', cd)
    rl = []
    rt = (rl,)
    rl.append(rt)
    add('recursive tuple', rt)
    strs = [u's%d' % i for i in range(300)]
    add('many memo', strs + strs)
    deep = []
    cur = deep
    for i in range(100):
        nxt = []
        cur.append(nxt)
        cur = nxt
    add('deep list', deep)
    add('ints 1000', list(range(-500, 500)))
    add('KeyError', KeyError(u'missing'))
    add('ValueError 2 args', ValueError(u'bad', 3))
    add('Exception no args', Exception())
    add('ZeroDivisionError', ZeroDivisionError(u'division by zero'))
    add('AuthenticationError', multiprocessing.AuthenticationError(u'digest'))
    add('datetime naive', datetime.datetime(2024, 1, 2, 3, 4, 5, 6))
    add('datetime min', datetime.datetime(1, 1, 1))
    add('datetime max', datetime.datetime(9999, 12, 31, 23, 59, 59, 999999))
    add('date', datetime.date(2024, 1, 2))
    add('time', datetime.time(13, 14, 15, 16))
    add('timedelta', datetime.timedelta(1, 2, 3))
    add('timedelta negative', datetime.timedelta(-1, 5))
    add('timedelta huge', datetime.timedelta(999999999))
    if not PY2:
        tz = datetime.timezone
        add('datetime utc', datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tz.utc))
        add('datetime +05:30', datetime.datetime(2024, 6, 1, 12, 0, 0, 0, tz(datetime.timedelta(hours=5, minutes=30))))
        add('datetime named tz', datetime.datetime(2020, 2, 29, 23, 59, 59, 0, tz(datetime.timedelta(hours=-3), u'BRT')))
        add('time tz', datetime.time(1, 2, 3, 4, tz.utc))
    add('Decimal', decimal.Decimal(u'1.10'))
    add('Decimal nan', decimal.Decimal(u'-NaN'))
    add('Decimal big', decimal.Decimal(u'-123456789012345678901234567890.000001'))
    add('UUID', uuid.UUID('12345678-1234-5678-1234-567812345678'))
    add('complex', complex(1, -2.5))
    add('OrderedDict', collections.OrderedDict([(u'z', 1), (u'a', 2)]))
    add('OrderedDict empty', collections.OrderedDict())
    dd = collections.defaultdict(list)
    dd[u'k'].append(1)
    add('defaultdict', dd)
    add('Point', Point(1, u'two'))
    add('Pair', Pair(1, u'b'))
    if enum is not None:
        add('Color.GREEN', Color.GREEN)
    add('builtins int', int)
    add('builtins sum', sum)
    add('records', [{u'id': i, u'name': u'n%d' % i, u'score': i * 0.5, u'tag': None, u'ok': i % 2 == 0}
                    for i in range(5)])
    return out


def main():
    outdir = sys.argv[1]
    name = '%s-%d.%d.%d' % ((platform.python_implementation(),) + tuple(sys.version_info[:3]))
    entries = []
    for vname, v in values():
        pickles = [hexs(pickle.dumps(v, proto)) for proto in range(0, pickle.HIGHEST_PROTOCOL + 1)]
        entries.append({'name': vname, 'pickles': pickles, 'value': describe(v, {})})
    with open(os.path.join(outdir, name + '.json'), 'w') as f:
        json.dump({'python': name, 'entries': entries}, f, sort_keys=True, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
