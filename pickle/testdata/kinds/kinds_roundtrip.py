# kinds_roundtrip.py DIR dump|check: with "dump", prints a JSON object
# {case: [hex pickle per protocol 0..HIGHEST]} of the values below, skipping
# those this Python cannot build; with "check", reads {case: [hex pickle per
# protocol]} written by Go on stdin and prints {case: error or ""} after
# loading each and comparing it with the value (type and ==, and for
# exceptions type, args and attributes).
import sys, json, pickle, binascii
sys.path.insert(0, sys.argv[1])
import mpconn_kinds as k

def values():
    out = {'pair': lambda: k.Pair(1, 'two'),
           'app error': lambda: k.AppError('boom'),
           'quota error': lambda: k.QuotaError('over', 7)}
    if hasattr(k, 'Color'):
        out.update({'color': lambda: k.Color.GREEN, 'mood': lambda: k.Mood.SAD,
                    'level': lambda: k.Level.HIGH})
    if hasattr(k, 'Record'):
        out.update({'record': lambda: k.Record('ann', 2.25), 'frozen': lambda: k.Frozen(3)})
    return dict((name, make()) for name, make in out.items())

def same(a, b):
    if type(a) is not type(b):
        return 'type %r, want %r' % (type(b), type(a))
    if isinstance(a, Exception):
        if a.args != b.args or a.__dict__ != b.__dict__:
            return 'args %r %r, want %r %r' % (b.args, b.__dict__, a.args, a.__dict__)
        return ''
    return '' if a == b else '%r, want %r' % (b, a)

vals = values()
if sys.argv[2] == 'dump':
    json.dump(dict((name, [binascii.hexlify(pickle.dumps(v, p)).decode() for p in range(pickle.HIGHEST_PROTOCOL + 1)])
                   for name, v in vals.items()), sys.stdout)
else:
    res = {}
    for name, pickles in json.load(sys.stdin).items():
        errs = []
        for p, h in enumerate(pickles):
            try:
                e = same(vals[name], pickle.loads(binascii.unhexlify(h)))
            except Exception as ex:
                e = '%s: %s' % (type(ex).__name__, ex)
            if e:
                errs.append('protocol %d: %s' % (p, e))
        res[name] = '; '.join(errs)
    json.dump(res, sys.stdout)
