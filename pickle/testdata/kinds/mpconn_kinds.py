# Classes of every kind a pickle.Registry maps (namedtuple, Enum, dataclass,
# exception), for registry_interop_test.go. Kinds a Python lacks (enum
# before 3.4, dataclasses before 3.7) are simply absent.
import collections

Pair = collections.namedtuple('Pair', 'x y')


class AppError(Exception):
    pass


class QuotaError(Exception):
    def __init__(self, msg, quota=0):
        Exception.__init__(self, msg, quota)
        self.quota = quota

try:
    import enum

    class Color(enum.Enum):
        RED = 1
        GREEN = 2

    class Mood(enum.Enum):
        HAPPY = 'happy'
        SAD = 'sad'

    class Level(enum.IntEnum):
        LOW = 10
        HIGH = 20
except ImportError:
    pass

try:  # dataclasses (3.7+) need annotations, a syntax error on 2.7
    from mpconn_kinds_dc import Record, Frozen
except (ImportError, SyntaxError):
    pass

import datetime


class OddZone(datetime.tzinfo):
    """A tzinfo of the application's own, as pytz and dateutil have."""

    def utcoffset(self, dt):
        return datetime.timedelta(hours=3)

    def dst(self, dt):
        return datetime.timedelta(0)
