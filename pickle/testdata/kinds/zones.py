# zones.py DIR dump|check: datetimes and times with zoneinfo.ZoneInfo
# tzinfos (3.9+), including both folds of an ambiguous hour and a gap. With
# "dump", prints {"cases": [{name, key, ts (POSIX seconds of what each protocol's
# pickle loads as, None for a time), pickles (hex per protocol)}]}, or {"skip": why} without zoneinfo; with "check", reads {name: [hex per protocol]} that
# Go wrote and prints {name: error or ""}: what loads must equal what this
# Python itself loads from its own pickle at that protocol (value, zone key,
# fold, UTC offset), except in a gap (a wall clock that never shows), where
# a time.Time keeps the instant and the zone, not the imaginary wall clock.
import sys, json, pickle, binascii, datetime
sys.path.insert(0, sys.argv[1])
import mpconn_kinds
try:
    from zoneinfo import ZoneInfo
except ImportError as ex:  # before 3.9
    json.dump({'skip': str(ex)}, sys.stdout)
    sys.exit(0)

ny, paris = ZoneInfo('America/New_York'), ZoneInfo('Europe/Paris')
vals = {
    'summer': datetime.datetime(2024, 7, 1, 12, 0, 0, 250000, tzinfo=ny),
    'winter': datetime.datetime(2024, 1, 15, 8, 30, tzinfo=paris),
    'ambiguous fold 0': datetime.datetime(2024, 11, 3, 1, 30, tzinfo=ny),
    'ambiguous fold 1': datetime.datetime(2024, 11, 3, 1, 30, tzinfo=ny, fold=1),
    'gap fold 0': datetime.datetime(2024, 3, 10, 2, 30, tzinfo=ny),
    'gap fold 1': datetime.datetime(2024, 3, 10, 2, 30, tzinfo=ny, fold=1),
    'time': datetime.time(23, 15, tzinfo=paris),
}

def describe(x, name):
    if name.startswith('gap'):
        return (x.timestamp(), x.tzinfo.key)
    return (x, getattr(x.tzinfo, 'key', None), x.fold, x.utcoffset() if isinstance(x, datetime.datetime) else None)

if sys.argv[2] == 'dump':
    out = []
    for name, v in vals.items():
        at = [pickle.loads(pickle.dumps(v, p)) for p in range(pickle.HIGHEST_PROTOCOL + 1)]
        out.append({'name': name, 'key': v.tzinfo.key,
                    'ts': [x.timestamp() for x in at] if isinstance(v, datetime.datetime) else None,
                    'pickles': [binascii.hexlify(pickle.dumps(v, p)).decode() for p in range(pickle.HIGHEST_PROTOCOL + 1)]})
    odd = datetime.datetime(2024, 1, 1, tzinfo=mpconn_kinds.OddZone())
    out.append({'name': 'odd zone', 'key': '', 'ts': None,
                'pickles': [binascii.hexlify(pickle.dumps(odd, p)).decode() for p in range(pickle.HIGHEST_PROTOCOL + 1)]})
    json.dump({'cases': out}, sys.stdout)
else:
    res = {}
    for name, pickles in json.load(sys.stdin).items():
        errs = []
        for p, h in enumerate(pickles):
            want = describe(pickle.loads(pickle.dumps(vals[name], p)), name)
            try:
                got = describe(pickle.loads(binascii.unhexlify(h)), name)
            except Exception as ex:
                got = '%s: %s' % (type(ex).__name__, ex)
            if got != want:
                errs.append('protocol %d: %r, want %r' % (p, got, want))
        res[name] = '; '.join(errs)
    json.dump(res, sys.stdout)
