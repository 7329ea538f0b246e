# -*- coding: utf-8 -*-
"""Objects for mpconn's object-level interop tests (objects_*_test.go).

peer.py imports this module for its obj_* commands. The Go test ships every
object as a Python expression, evaluated here (so the classes below are
instances of objects_corpus.<Class>, a module of the test's own script, not
a stdlib one), and every comparison as a Python expression over x (what
arrived) and, for echoes, o (what was sent).

unicode_literals is in effect for eval() too (eval inherits the caller's
future flags), so on 2.7 'abc' in an expression is unicode, like a 3.x str,
and b'abc' is a 2.7 str (bytes). Runs unchanged on 2.7 and 3.6+.
"""
from __future__ import unicode_literals, division

import collections
import datetime
import decimal
import math
import pickle
import sys
import uuid

PY2 = sys.version_info[0] == 2

if PY2:
    long_ = long  # noqa: F821
    unicode_ = unicode  # noqa: F821
    utc = None
    enum = None
else:
    long_ = int
    unicode_ = str
    utc = datetime.timezone.utc
    import enum


# The class Go's Global{"builtins", "int"} names. At protocol 2 CPython 3
# itself writes builtins.int as __builtin__.long (_compat_pickle), and mpconn
# does the same, so a 2.7 peer receives long.
int_ = long_


def tz(hours, minutes=0):
    """datetime.timezone with a fixed offset (Python 3 only)."""
    return datetime.timezone(datetime.timedelta(hours=hours, minutes=minutes))


class Point(object):
    """A plain class: pickled as NEWOBJ + __dict__ BUILD. Registered on the
    Go side in some sessions (to a Go struct), unknown in others."""

    def __init__(self, x=0, y=0):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return type(other) is type(self) and self.__dict__ == other.__dict__

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Point(%r, %r)" % (self.x, self.y)


class Node(object):
    """Never registered: a graph node for instance cycles."""

    def __init__(self, name):
        self.name = name
        self.next = None

    def __repr__(self):
        return "Node(%r)" % (self.name,)


Pair = collections.namedtuple("Pair", "a b")

if enum is not None:
    class Color(enum.Enum):
        RED = 1
        GREEN = 2


def shared_list():
    x = [1, "x"]
    return [x, x]


def shared_dict():
    d = {"k": [1]}
    return (d, d, d["k"])


def list_cycle():
    x = []
    x.append(x)
    return x


def dict_cycle():
    d = {"name": "d"}
    d["self"] = d
    return d


def node_cycle():
    n = Node("n")
    n.next = n
    return n


def raises(x, cls):
    """True if raise x raises x itself, caught as cls."""
    try:
        raise x
    except cls as e:
        return e is x
    except BaseException:
        return False


def tname(o):
    """module.name of o's type, with 2.7's names mapped to 3.x's."""
    t = type(o)
    m, n = t.__module__, t.__name__
    if m in ("__builtin__", "exceptions"):
        m = "builtins"
    if PY2 and m == "builtins":
        n = {"long": "int", "unicode": "str", "str": "bytes"}.get(n, n)
    return m + "." + n


def short(o):
    try:
        r = repr(o)
    except Exception as e:  # a cycle in something without a safe repr
        r = "<repr failed: %r>" % (e,)
    return r if len(r) <= 300 else r[:300] + "..."


def build(expr):
    return eval(expr, globals())


def check(x, expr=None, type_=None, check_=None, o=None):
    """'' when x passes every given test, else why not."""
    env = dict(globals())
    env["x"] = x
    env["o"] = o
    try:
        if type_ and tname(x) != type_:
            return "type %s, want %s (got %s)" % (tname(x), type_, short(x))
        if expr is not None:
            want = eval(expr, env)
            if not (x == want):
                return "got %s, want %s == %s" % (short(x), expr, short(want))
        if check_ and not eval(check_, env):
            return "check %s failed; got %s" % (check_, short(x))
    except Exception as e:
        return "comparison raised %s: %s; got %s" % (type(e).__name__, e, short(x))
    return ""


def send(conn, obj, proto):
    """conn.send(obj) (the interpreter's default protocol), or, with proto,
    send_bytes of pickle.dumps(obj, proto): what a CPython whose default is
    proto (3.14: 5) would send."""
    if proto:
        conn.send_bytes(pickle.dumps(obj, protocol=proto))
    else:
        conn.send(obj)
