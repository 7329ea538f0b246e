# Conformance corpus for the Go pickle codec.
#
# Runs unchanged on CPython 2.7 and 3.6+. For the running interpreter and
# every protocol it supports, pickles a list of named values, with a JSON
# description of each value (a typed tree, or {"t": "any"} for values only
# the round trip checks). Each entry: name, value (the description),
# pickles (hex, index = protocol).
#
#   python gen_corpus.py OUTDIR     writes <OUTDIR>/<Implementation>-<version>.json
#   python gen_corpus.py --roundtrip
#       writes the corpus as one JSON line on stdout, then reads one JSON
#       line on stdin: a list of [entry, protocol, hex, py2text] pickles
#       that Go decoded from the entry's pickle at that protocol and encoded
#       again at the same protocol. For each it loads the original and Go's,
#       and compares them: type() and value, recursively, sharing included
#       (with py2text, Go decoded Python 2 byte strings as text: a str that
#       is UTF-8 must come back as the unicode it spells, any other str as
#       the same str). It answers with one JSON line: a list of messages,
#       "" for a match.
import array
import binascii
import collections
import datetime
import decimal
import fractions
import functools
import json
import operator
import os
import pickle
import platform
import re
import sys
import time
import uuid

PY2 = sys.version_info[0] == 2
if PY2:
    import copy_reg as copyreg
    text_type = unicode  # noqa: F821
    int_types = (int, long)  # noqa: F821
else:
    import copyreg
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


class Slots(object):
    __slots__ = ('a', 'b')

    def __init__(self, a, b):
        self.a = a
        self.b = b


class MyList(list):
    pass


class MyDict(dict):
    pass


class Custom(object):
    """Pickled by a __reduce__ of its own, with list and dict items."""

    def __init__(self):
        self.items = []
        self.d = {}

    def __reduce__(self):
        return (Custom, (), {'tag': 'custom'}, iter([1, 2]), iter([('k', 'v')]))

    def append(self, x):
        self.items.append(x)

    def extend(self, xs):
        self.items.extend(xs)

    def __setitem__(self, k, v):
        self.d[k] = v

    def __setstate__(self, state):
        self.tag = state['tag']


class MyError(Exception):
    pass

if enum is not None:
    class Color(enum.Enum):
        RED = 1
        GREEN = 2

    class IntColor(enum.IntEnum):
        BLUE = 3

    if hasattr(enum, 'Flag'):
        class Perm(enum.Flag):
            R = 4
            W = 2


def hexs(b):
    return binascii.hexlify(b).decode('ascii')


def renamed_below_3(cls):
    """Whether Python 3 writes the class under another name at protocols
    0-2 (OSError's subclasses become OSError): no one description fits."""
    if PY2:
        return False
    import _compat_pickle
    return _compat_pickle.REVERSE_NAME_MAPPING.get(('builtins', cls.__name__), ('', cls.__name__))[1] != cls.__name__


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
    if enum is not None and isinstance(v, enum.Enum):
        if id(v) in seen:
            return {'t': 'ref', 'id': seen[id(v)]}
        ident = seen[id(v)] = len(seen)
        return {'t': 'object', 'id': ident, 'module': '__main__', 'name': type(v).__name__,
                'args': [describe(v.value, seen)]}
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
    if isinstance(v, (datetime.datetime, datetime.time)) and v.tzinfo is not None and \
            type(v.tzinfo).__name__ != 'timezone':
        return {'t': 'any'}  # a tzinfo other than datetime.timezone: an *Object
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
    if v in (type(None), type(Ellipsis), type(NotImplemented)):
        return {'t': 'any'}  # pickled as type(None), not by name
    if isinstance(v, type) or callable(v) and not isinstance(v, BaseException) and hasattr(v, '__name__') and not isinstance(v, (list, dict, tuple, Point)):
        return {'t': 'global', 'module': modname(v.__module__), 'name': v.__name__}
    if id(v) in seen:
        return {'t': 'ref', 'id': seen[id(v)]}
    ident = len(seen)
    if isinstance(v, (list, dict, tuple, set, frozenset, Point)) or (enum is not None and isinstance(v, enum.Enum)):
        seen[id(v)] = ident
    if (isinstance(v, BaseException) and modname(type(v).__module__) == 'builtins' or
            isinstance(v, multiprocessing.ProcessError)) and not renamed_below_3(type(v)):
        # the arguments pickled (OSError's are more than its args on 2.7)
        return {'t': 'exception', 'module': modname(type(v).__module__), 'name': type(v).__name__,
                'args': [describe(a, seen) for a in v.__reduce__()[1]]}
    if type(v) is not Point and not isinstance(v, Pair) and not (enum is not None and isinstance(v, enum.Enum)) and \
            type(v) not in (list, tuple, dict, set, frozenset, collections.OrderedDict, collections.defaultdict) or \
            [k for k in getattr(v, '__dict__', ()) if not k.startswith('_')]:
        return {'t': 'any', 'id': ident}
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
    return {'t': 'any'}  # checked by the round trip only


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
    stdlib_values(add)
    return out


def stdlib_values(add):
    """More of what the standard library pickles, for the round trip: each
    value is tried, and left out where this Python cannot make or pickle it."""
    def attempt(name, make):
        try:
            v = make()
            pickle.loads(pickle.dumps(v, pickle.HIGHEST_PROTOCOL))
        except Exception:
            return
        add(name, v)

    def od_with_attr():
        od = collections.OrderedDict([(u'a', 1)])
        od.attr = u'kept'
        return od

    def mylist():
        l = MyList([1, 2])
        l.attr = 3
        return l

    def mydict():
        d = MyDict(a=1)
        d.attr = 3
        return d

    def custom():
        return Custom()

    def error_with_attrs():
        e = ValueError(u'bad', 2)
        e.note = u'extra'
        return e

    def shared_stdlib():
        d = datetime.date(2024, 1, 2)
        dec = decimal.Decimal(u'3.5')
        od = collections.OrderedDict(k=1)
        return [d, d, dec, dec, od, od, (od,)]

    attempt('Counter', lambda: collections.Counter({u'a': 2, u'b': 1}))
    attempt('deque', lambda: collections.deque([1, 2, 3], 5))
    attempt('deque unbounded', lambda: collections.deque([u'x']))
    attempt('ChainMap', lambda: collections.ChainMap({u'a': 1}, {u'b': 2}))
    attempt('UserList', lambda: collections.UserList([1, 2]))
    attempt('UserDict', lambda: collections.UserDict(a=1))
    attempt('UserString', lambda: collections.UserString(u'text'))
    attempt('OrderedDict nested', lambda: collections.OrderedDict([(u'o', collections.OrderedDict(b=2)), (u'l', [1])]))
    attempt('OrderedDict with attribute', od_with_attr)
    attempt('defaultdict int', lambda: collections.defaultdict(int, {u'x': 1}))
    attempt('defaultdict no factory', lambda: collections.defaultdict(None, {1: 2}))
    attempt('defaultdict partial factory', lambda: collections.defaultdict(functools.partial(int, u'7'), {u'k': 7}))
    attempt('Fraction', lambda: fractions.Fraction(3, 4))
    attempt('slice', lambda: slice(1, 10, 2))
    attempt('range', lambda: range(1, 10, 3))
    attempt('Ellipsis', lambda: Ellipsis)
    attempt('NotImplemented', lambda: NotImplemented)
    attempt('type(None)', lambda: type(None))
    attempt('object', lambda: object())
    attempt('partial', lambda: functools.partial(int, base=2))
    attempt('itemgetter', lambda: operator.itemgetter(1, u'k'))
    attempt('array', lambda: array.array('i', [1, -2, 3]))
    attempt('array of doubles', lambda: array.array('d', [0.5, -1.5]))
    attempt('pattern', lambda: re.compile(u'a+b', re.I))
    attempt('struct_time', lambda: time.gmtime(86400))
    attempt('timezone utc', lambda: datetime.timezone.utc)
    attempt('timezone named', lambda: datetime.timezone(datetime.timedelta(hours=1), u'X'))
    attempt('timedelta max', lambda: datetime.timedelta.max)
    attempt('timedelta min', lambda: datetime.timedelta.min)
    attempt('date max', lambda: datetime.date.max)
    attempt('time max', lambda: datetime.time.max)
    attempt('time fold', lambda: datetime.time(1, 30, fold=1))
    attempt('datetime aware max', lambda: datetime.datetime(9999, 12, 31, 23, 59, 59, 999999,
                                                            datetime.timezone(datetime.timedelta(hours=-23, minutes=-59))))
    attempt('Decimal sNaN', lambda: decimal.Decimal(u'sNaN'))
    attempt('Decimal exponent', lambda: decimal.Decimal(u'-1.50E+100'))
    attempt('UUID zero', lambda: uuid.UUID(int=0))
    attempt('bytes 70 KiB', lambda: bytes(bytearray(range(256))) * 275)
    attempt('bytes not UTF-8', lambda: [b'\x00\xff' * 3, {u'k': b'\xfe'}, b'caf\xc3\xa9'])
    attempt('str 70 KiB', lambda: u'\u00e9\u4e16x' * 12000)
    attempt('bytearray 70 KiB', lambda: bytearray(b'z' * 70000))
    attempt('float subnormal', lambda: [5e-324, 2.2250738585072014e-308, -0.0])
    attempt('int edges', lambda: [2**63 - 1, -2**63, 2**64, -2**64 - 1, 2**128, 255, 256, 65535, 65536])
    attempt('set of tuples', lambda: set([(1, u'a'), (2, frozenset([3]))]))
    attempt('frozenset nested', lambda: frozenset([frozenset([1]), frozenset()]))
    attempt('dict mixed keys', lambda: {1: u'int', 2.5: u'float', u's': 1, b'b': 2, (1, 2): 3, None: 4, True: 5})
    attempt('MyList', mylist)
    attempt('MyDict', mydict)
    attempt('Slots', lambda: Slots(1, [2]))
    attempt('Custom reduce', custom)
    attempt('exception with attributes', error_with_attrs)
    attempt('OSError', lambda: OSError(2, u'No such file', u'x.txt'))
    attempt('user exception', lambda: MyError(u'mine'))
    attempt('shared stdlib values', shared_stdlib)
    if enum is not None:
        attempt('IntEnum', lambda: IntColor.BLUE)
        attempt('Flag', lambda: Perm.R | Perm.W)
    for mod in ('ipaddress', 'pathlib', 'types', 'dataclasses', 'zoneinfo'):
        try:
            __import__(mod)
        except ImportError:
            pass
    if 'ipaddress' in sys.modules:
        import ipaddress
        attempt('ip_address', lambda: ipaddress.ip_address(u'10.0.0.1'))
        attempt('ip_network', lambda: ipaddress.ip_network(u'10.0.0.0/8'))
    if 'pathlib' in sys.modules:
        import pathlib
        attempt('PurePosixPath', lambda: pathlib.PurePosixPath(u'/a/b'))
    if 'types' in sys.modules:
        import types
        attempt('SimpleNamespace', lambda: types.SimpleNamespace(a=1, b=[2]))
    if 'dataclasses' in sys.modules:
        attempt('dataclass', lambda: make_dataclass()(1, u'x'))
    if 'zoneinfo' in sys.modules:
        import zoneinfo
        attempt('ZoneInfo', lambda: zoneinfo.ZoneInfo(u'Europe/Paris'))
        attempt('datetime zoneinfo', lambda: datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo(u'Europe/Paris')))


_dataclass = []


def make_dataclass():
    """A dataclass defined at module level (pickle finds it by name)."""
    if not _dataclass:
        import dataclasses
        cls = dataclasses.make_dataclass('DC', [('a', int), ('b', str)])
        cls.__module__ = '__main__'
        globals()['DC'] = cls
        _dataclass.append(cls)
    return _dataclass[0]


def dumps_all(v):
    """The pickles of v at every protocol, "" where this Python cannot
    pickle it at that protocol (__slots__ without __getstate__ below 2)."""
    out = []
    for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
        try:
            data = pickle.dumps(v, proto)
            pickle.loads(data)
            out.append(hexs(data))
        except Exception:
            out.append('')
    return out


# --- the round trip: is what Go sent back the value that was pickled? ---

def same_type(a, b):
    """type(a) is type(b); on 2.7 int and long count as one (Go has one
    int, as Python 3 has), and so do the classes themselves."""
    ta, tb = type(a), type(b)
    if ta is tb:
        return True
    return PY2 and ta in int_types and tb in int_types


MUTABLE = (list, dict, set, bytearray)


def has_eq(t):
    """Whether a class defines its own equality."""
    for k in getattr(t, '__mro__', (t,)):
        if k is object:
            return False
        if '__eq__' in vars(k) or PY2 and '__cmp__' in vars(k):
            return True
    return False


def same_class(a, b):
    """a is b, where on 2.7 int and long count as one class (Python 3's
    int, as Go writes it)."""
    return a is b or PY2 and set([a, b]) == set(int_types)


class Compare(object):
    """Compares two object graphs: types and values, recursively, and the
    sharing of mutable objects (one object referenced twice must come back
    as one object referenced twice, and two as two)."""

    def __init__(self, proto, py2text):
        self.proto = proto
        self.py2text = py2text
        self.ab = {}
        self.ba = {}
        self.keep = []

    def shared(self, a, b, path):
        # (both looked at alike: asking for __dict__ can create one)
        has_dict = hasattr(a, '__dict__') + hasattr(b, '__dict__')
        if not (isinstance(a, MUTABLE) or has_dict and not isinstance(a, type)):
            return None, False
        ia, ib = id(a), id(b)
        if ia in self.ab or ib in self.ba:
            if self.ab.get(ia) == ib and self.ba.get(ib) == ia:
                return None, True
            return '%s: sharing differs' % path, True
        self.ab[ia], self.ba[ib] = ib, ia
        self.keep.append((a, b))
        return None, False

    def same(self, a, b, path='$'):
        if self.py2text and isinstance(a, bytes) and isinstance(b, text_type):
            try:
                ok = a.decode('utf-8') == b
            except UnicodeDecodeError:
                ok = False
            return None if ok else '%s: %r, want %r' % (path, b, a)
        if not same_type(a, b):
            if PY2 and a in int_types and b in int_types:
                return None
            return '%s: type %s, want %s' % (path, type(b).__name__, type(a).__name__)
        msg, seen = self.shared(a, b, path)
        if msg or seen:
            return msg
        if a is None or isinstance(a, (bool, bytes, text_type) + int_types):
            return None if a == b else '%s: %r, want %r' % (path, b, a)
        if isinstance(a, (float, complex)):
            return None if repr(a) == repr(b) else '%s: %r, want %r' % (path, b, a)
        if isinstance(a, (list, tuple)):
            if len(a) != len(b):
                return '%s: %d items, want %d' % (path, len(b), len(a))
            for i in range(len(a)):
                m = self.same(a[i], b[i], '%s[%d]' % (path, i))
                if m:
                    return m
            return self.attrs(a, b, path)
        if isinstance(a, dict):
            return self.same_dict(a, b, path)
        if isinstance(a, (set, frozenset)):
            if a != b:
                return '%s: %r, want %r' % (path, b, a)
            kb = dict((x, x) for x in b)
            for x in a:
                m = self.same(x, kb[x], '%s{%r}' % (path, x))
                if m:
                    return m
            return self.attrs(a, b, path)
        if isinstance(a, BaseException):
            m = self.same(a.args, b.args, path + '.args')
            return m or self.attrs(a, b, path)
        if isinstance(a, (datetime.datetime, datetime.time)):
            if a != b:
                return '%s: %r, want %r' % (path, b, a)
            return self.same(a.tzinfo, b.tzinfo, path + '.tzinfo')
        if isinstance(a, datetime.tzinfo):
            if a.utcoffset(None) != b.utcoffset(None) or a.tzname(None) != b.tzname(None):
                return '%s: %r, want %r' % (path, b, a)
            return None
        if isinstance(a, type) or callable(a) and hasattr(a, '__name__'):  # classes, functions
            return None if same_class(a, b) else '%s: %r, want %r' % (path, b, a)
        if has_eq(type(a)):
            if repr(a) == repr(b) or a == b:  # repr first: Decimal('NaN') equals nothing
                return None
            return '%s: %r, want %r' % (path, b, a)
        return self.same_reduce(a, b, path)

    def same_dict(self, a, b, path):
        if len(a) != len(b):
            return '%s: %d items, want %d' % (path, len(b), len(a))
        kb = dict((k, k) for k in b)
        for k in a:
            if k not in kb:
                return '%s: key %r missing' % (path, k)
            m = self.same(k, kb[k], '%s key %r' % (path, k)) or self.same(a[k], b[kb[k]], '%s[%r]' % (path, k))
            if m:
                return m
        if isinstance(a, collections.OrderedDict) and list(a) != list(b):
            return '%s: order %r, want %r' % (path, list(b), list(a))
        if isinstance(a, collections.defaultdict):
            m = self.same(a.default_factory, b.default_factory, path + '.default_factory')
            if m:
                return m
        return self.attrs(a, b, path)

    def attrs(self, a, b, path):
        da, db = getattr(a, '__dict__', None), getattr(b, '__dict__', None)
        if da is None and db is None:
            return None
        return self.same(da, db, path + '.__dict__')

    def same_reduce(self, a, b, path):
        """Objects without __eq__: what they pickle to must be the same."""
        reducer = copyreg.dispatch_table.get(type(a))
        if reducer is not None:
            ra, rb = reducer(a), reducer(b)
        else:
            ra, rb = a.__reduce_ex__(2), b.__reduce_ex__(2)
        if not isinstance(ra, tuple):
            return None if ra == rb else '%s: %r, want %r' % (path, rb, ra)
        ra, rb = list(ra) + [None] * (5 - len(ra)), list(rb) + [None] * (5 - len(rb))
        for i in (3, 4):  # iterators of list and dict items
            ra[i] = ra[i] is not None and list(ra[i]) or []
            rb[i] = rb[i] is not None and list(rb[i]) or []
        for i, part in enumerate(('callable', 'args', 'state', 'listitems', 'dictitems')):
            m = self.same(ra[i], rb[i], '%s.<%s>' % (path, part))
            if m:
                return m
        return None


def roundtrip(entries):
    """Answers a request from Go: [[entry, protocol, hex], ...]."""
    out = []
    for index, proto, data, py2text in json.loads(sys.stdin.readline()):
        e = entries[index]
        try:
            want = pickle.loads(binascii.unhexlify(e['pickles'][proto]))
            got = pickle.loads(binascii.unhexlify(data))
            msg = Compare(proto, py2text).same(want, got)
        except Exception as ex:
            msg = 'load error: %r' % (ex,)
        out.append(msg or '')
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()


def main():
    name = '%s-%d.%d.%d' % ((platform.python_implementation(),) + tuple(sys.version_info[:3]))
    entries = []
    for vname, v in values():
        entries.append({'name': vname, 'pickles': dumps_all(v), 'value': describe(v, {})})
    corpus = {'python': name, 'entries': entries}
    if sys.argv[1] == '--roundtrip':
        sys.stdout.write(json.dumps(corpus, sort_keys=True, separators=(',', ':')) + '\n')
        sys.stdout.flush()
        roundtrip(entries)
        return
    # The snapshot leaves out the values of more than 16 KiB, which only
    # the round trip needs (it crosses CPython's 64 KiB frames).
    corpus['entries'] = [e for e in entries if max(len(p) for p in e['pickles']) <= 32 << 10]
    with open(os.path.join(sys.argv[1], name + '.json'), 'w') as f:
        json.dump(corpus, f, sort_keys=True, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
