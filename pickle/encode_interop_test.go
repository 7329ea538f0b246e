package pickle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York without system tzdata

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadScript loads each pickle with the interpreter's unpickler (and, on
// 2.7, with both cPickle, which multiprocessing uses, and pickle) and
// compares it with a Python expression, its type name and an extra check.
// It runs on 2.7 and every 3.x: no f-strings.
const loadScript = `
import sys, json, binascii, datetime, decimal, uuid, collections
import pickle
loaders = [pickle.loads]
try:
    import cPickle
    loaders = [cPickle.loads, pickle.loads]
except ImportError:
    pass
sys.path.insert(0, sys.argv[1])
import mpconn_testclasses
from mpconn_testclasses import *
PY3 = sys.version_info[0] >= 3
if not PY3:
    long_ = long
else:
    long_ = int

def tname(o):
    t = type(o)
    m, n = t.__module__, t.__name__
    if m in ('__builtin__', 'exceptions'):
        m = 'builtins'
    if not PY3:
        n = {'long': 'int', 'unicode': 'str', 'str': 'bytes'}.get(n, n)
    return m + '.' + n

cases = json.loads(sys.stdin.read())
res = []
for c in cases:
    msg = ''
    for loads in loaders:
        try:
            x = loads(binascii.unhexlify(c['pickle']))
            if c.get('expect'):
                e = eval(c['expect'])
                if not (x == e):
                    msg = 'got %r, want %r' % (x, e)
            if not msg and c.get('type') and tname(x) != c['type']:
                msg = 'type %s, want %s' % (tname(x), c['type'])
            if not msg and c.get('check') and not eval(c['check']):
                msg = 'check failed: %s; got %r' % (c['check'], x)
        except Exception as ex:
            msg = 'load error: %r' % (ex,)
        if msg:
            msg = loads.__module__ + ': ' + msg
            break
    res.append(msg)
sys.stdout.write(json.dumps(res))
`

type interopCase struct {
	name   string
	v      any
	expect string // a Python expression == the loaded value ("" skips)
	typ    string // the loaded value's type, module.name ("" skips)
	check  string // a Python expression over x that must be true
	py3    bool   // Python 3 only (datetime.timezone and the like)
	minP   int    // lowest protocol that can carry it
	opts   []Option
}

type money struct {
	cents int64
}

func (m money) MarshalPickle() (any, error) {
	return Decimal(fmt.Sprintf("%d.%02d", m.cents/100, m.cents%100)), nil
}

type goNode struct {
	Name string  `pickle:"name"`
	Next *goNode `pickle:"next"`
}

type plainNode struct {
	Name string
	Next *plainNode
}

type inner struct {
	A int    `pickle:"a"`
	B string `pickle:"b,omitempty"`
}

type embedded struct {
	E1 int
}

type outer struct {
	embedded
	ID     int64             `pickle:"id"`
	Inner  inner             `pickle:"inner"`
	PInner *inner            `pickle:"pinner"`
	List   []inner           `pickle:"list"`
	Map    map[string]*inner `pickle:"map"`
	Any    any               `pickle:"any"`
	When   time.Time         `pickle:"when"`
	skip   int
}

func interopCases(t testing.TB) []interopCase {
	shared := []any{int64(1), "x"}
	cyc := []any{nil}
	cyc[0] = cyc
	self := &plainNode{Name: "n"}
	self.Next = self
	reg := &goNode{Name: "n"}
	reg.Next = reg
	sharedMap := map[string]int{"a": 1}
	sharedDict := mustDict(t, "k", []any{})
	pt := &goPoint{1, 2}
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	var nilPtr *goPoint
	var nilMap map[string]int
	var nilSlice []string
	bigPos, _ := new(big.Int).SetString("123456789012345678901234567890123456789", 10)
	bigNeg := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 2100))
	longs := make([]any, 3000)
	for i := range longs {
		longs[i] = i * 7
	}
	return []interopCase{
		{name: "None", v: nil, expect: "None", typ: "builtins.NoneType"},
		{name: "nil pointer", v: nilPtr, expect: "None"},
		{name: "nil interface field", v: struct{ X any }{}, expect: "{'X': None}"},
		{name: "bools", v: []bool{true, false}, expect: "[True, False]", check: "type(x[0]) is bool and type(x[1]) is bool"},
		{name: "ints", v: []any{0, 1, -1, 255, 256, 65535, 65536, math.MaxInt32, math.MinInt32, int64(math.MaxInt32) + 1, int64(math.MinInt32) - 1},
			expect: "[0, 1, -1, 255, 256, 65535, 65536, 2**31-1, -2**31, 2**31, -2**31-1]"},
		{name: "int kinds", v: []any{int8(-128), int16(-32768), int32(-7), int64(math.MinInt64), uint(1), uint8(255), uint16(65535), uint32(math.MaxUint32), uint64(math.MaxUint64), uintptr(3)},
			expect: "[-128, -32768, -7, -2**63, 1, 255, 65535, 2**32-1, 2**64-1, 3]"},
		{name: "int type", v: int64(1) << 62, expect: "2**62", typ: "builtins.int"},
		{name: "big ints", v: []any{bigPos, bigNeg, *big.NewInt(42)}, expect: "[123456789012345678901234567890123456789, -2**2100, 42]"},
		{name: "many ints", v: longs, expect: "[i * 7 for i in range(3000)]"},
		{name: "floats", v: []any{0.0, -1.5, 1e300, 5e-324, math.Inf(1), math.Inf(-1), 0.1, float32(0.1), 1e16, 1e-5},
			expect: "[0.0, -1.5, 1e300, 5e-324, float('inf'), float('-inf'), 0.1, 0.10000000149011612, 1e16, 1e-5]"},
		{name: "negative zero", v: math.Copysign(0, -1), expect: "0.0", check: "str(x) == '-0.0'"},
		{name: "nan", v: math.NaN(), typ: "builtins.float", check: "x != x"},
		{name: "complex", v: []any{complex(1, 2), complex64(complex(-0.5, 3))}, expect: "[complex(1, 2), complex(-0.5, 3)]", check: "type(x[0]) is complex"},
		{name: "ascii str", v: "hello", expect: "u'hello'", typ: "builtins.str"},
		{name: "non-ascii str", v: "héllo wörld ñ ÿ Ā 日本語", expect: "u'h\\xe9llo w\\xf6rld \\xf1 \\xff \\u0100 \\u65e5\\u672c\\u8a9e'", typ: "builtins.str"},
		{name: "astral str", v: "😀 𝄞", expect: "u'\\U0001f600 \\U0001d11e'", typ: "builtins.str"},
		{name: "escapes str", v: "a\\b\nc\r\x00\x1a\t'\"", expect: "u'a\\\\b\\nc\\r\\x00\\x1a\\t\\'\"'"},
		{name: "empty str", v: "", expect: "u''", typ: "builtins.str"},
		{name: "long str", v: strings.Repeat("ab", 40000), expect: "u'ab' * 40000"},
		{name: "bytes", v: []byte("\x00\x01\xff abc"), expect: "b'\\x00\\x01\\xff abc'", typ: "builtins.bytes"},
		{name: "empty bytes", v: []byte{}, expect: "b''", typ: "builtins.bytes"},
		{name: "big bytes", v: bytes.Repeat([]byte{0, 0xff}, 40000), expect: "b'\\x00\\xff' * 40000", typ: "builtins.bytes"},
		{name: "byte array value", v: [4]byte{1, 2, 3, 4}, expect: "b'\\x01\\x02\\x03\\x04'", typ: "builtins.bytes"},
		{name: "bytearray", v: ByteArray("ab\xff"), expect: "bytearray(b'ab\\xff')", typ: "builtins.bytearray"},
		{name: "empty bytearray", v: ByteArray{}, expect: "bytearray()", typ: "builtins.bytearray"},
		{name: "typed slices", v: []any{[]int{1, 2}, []string{"a"}, []float64{}, [2]bool{true, false}, nilSlice}, expect: "[[1, 2], [u'a'], [], [True, False], []]"},
		{name: "list", v: []any{1, "two", []byte("three"), nil}, expect: "[1, u'two', b'three', None]", typ: "builtins.list"},
		{name: "tuples", v: Tuple{Tuple{}, Tuple{1}, Tuple{1, 2}, Tuple{1, 2, 3}, Tuple{1, 2, 3, 4}}, expect: "((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4))", typ: "builtins.tuple"},
		{name: "maps", v: []any{map[string]int{"a": 1, "b": 2}, map[int]string{1: "x"}, map[any]any{"k": 1, 2: Tuple{3}}, nilMap, map[Tuple4]int{}},
			expect: "[{u'a': 1, u'b': 2}, {1: u'x'}, {u'k': 1, 2: (3,)}, {}, {}]"},
		{name: "map tuple-ish keys", v: map[Global]int{{"builtins", "int"}: 1}, expect: "{int if PY3 else long_: 1}"},
		{name: "dict", v: mustDict(t, "a", 1, 2, "b", Tuple{1, "c"}, nil, 1.5, []any{}), expect: "{'a': 1, 2: 'b', (1, 'c'): None, 1.5: []}", typ: "builtins.dict"},
		{name: "big dict", v: func() *Dict {
			d := NewDict(0)
			for i := 0; i < 2500; i++ {
				_ = d.Set(i, fmt.Sprint(i))
			}
			return d
		}(), expect: "dict((i, str(i)) for i in range(2500))"},
		{name: "set", v: mustSet(t, 1, "a", Tuple{2}), expect: "set([1, 'a', (2,)])", typ: "builtins.set"},
		{name: "big set", v: func() *Set {
			s := &Set{}
			for i := 0; i < 2000; i++ {
				_ = s.Add(i)
			}
			return s
		}(), expect: "set(range(2000))"},
		{name: "frozenset", v: mustFrozenSet(t, 1, 2), expect: "frozenset([1, 2])", typ: "builtins.frozenset"},
		{name: "empty containers", v: []any{[]any{}, Tuple{}, NewDict(0), &Set{}, &FrozenSet{}, map[string]any{}, ByteArray{}},
			expect: "[[], (), {}, set(), frozenset(), {}, bytearray()]"},
		{name: "struct", v: inner{A: 1}, expect: "{'a': 1}"},
		{name: "nested structs", v: &outer{embedded: embedded{7}, ID: 5, Inner: inner{1, "x"}, PInner: &inner{2, ""}, List: []inner{{3, "y"}},
			Map: map[string]*inner{"m": {4, ""}}, Any: inner{5, "z"}, When: time.Date(2020, 2, 29, 12, 30, 0, 0, time.Local), skip: 9},
			expect: "{'E1': 7, 'id': 5, 'inner': {'a': 1, 'b': 'x'}, 'pinner': {'a': 2}, 'list': [{'a': 3, 'b': 'y'}], 'map': {'m': {'a': 4}}, 'any': {'a': 5, 'b': 'z'}, 'when': datetime.datetime(2020, 2, 29, 12, 30)}"},
		{name: "shared list", v: []any{shared, shared}, expect: "[[1, 'x'], [1, 'x']]", check: "x[0] is x[1]"},
		{name: "shared map", v: []any{sharedMap, sharedMap}, check: "x[0] is x[1] and x[0] == {'a': 1}"},
		{name: "shared dict", v: Tuple{sharedDict, sharedDict}, check: "x[0] is x[1] and x[0]['k'] == []"},
		{name: "shared pointer", v: []*goPoint{pt, pt}, check: "x[0] is x[1] and x[0] == Point(1, 2)"},
		{name: "list cycle", v: cyc, check: "x[0] is x"},
		{name: "struct cycle", v: self, check: "x['Next'] is x and x['Name'] == 'n'"},
		{name: "registered cycle", v: reg, typ: "mpconn_testclasses.Node", check: "x.next is x and x.name == 'n'"},
		{name: "registered", v: []any{goPoint{1, 2}, &goPoint{3, 4}, goEmpty{Hidden: 1}}, expect: "[Point(1, 2), Point(3, 4), Empty()]"},
		{name: "globals", v: []any{Global{"builtins", "int"}, Global{"builtins", "sum"}, Global{"collections", "OrderedDict"}, Global{"mpconn_testclasses", "Outer.Inner"}},
			check: "x[0] is (int if PY3 else long_) and x[1] is sum and x[2] is collections.OrderedDict and x[3] is Outer.Inner"},
		{name: "global call", v: &Object{Class: Global{"builtins", "sum"}, Args: Tuple{[]any{1, 2, 3}}}, expect: "6"},
		{name: "ordered dict", v: &Object{Class: Global{"collections", "OrderedDict"}, Args: Tuple{}, DictItems: mustDict(t, "b", 1, "a", 2)},
			expect: "collections.OrderedDict([('b', 1), ('a', 2)])", typ: "collections.OrderedDict"},
		{name: "object newobj", v: &Object{Class: Global{"mpconn_testclasses", "Point"}, New: true, State: mustDict(t, "x", 1, "y", 2)}, expect: "Point(1, 2)"},
		{name: "object listitems", v: &Object{Class: Global{"builtins", "list"}, ListItems: []any{1, 2, 3}}, expect: "[1, 2, 3]"},
		{name: "exception", v: &Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"missing"}}, typ: "builtins.KeyError", check: "x.args == ('missing',)"},
		{name: "exception state", v: &Exception{Class: Global{"builtins", "ValueError"}, Args: Tuple{"bad"}, State: mustDict(t, "extra", 5)},
			typ: "builtins.ValueError", check: "x.args == ('bad',) and x.extra == 5"},
		{name: "os error", v: &Exception{Class: Global{"builtins", "OSError"}, Args: Tuple{2, "nope"}}, check: "isinstance(x, EnvironmentError) and x.errno == 2 and x.strerror == 'nope'"},
		{name: "naive datetime", v: time.Date(2024, 1, 2, 3, 4, 5, 6789, time.Local), expect: "datetime.datetime(2024, 1, 2, 3, 4, 5, 6)", typ: "datetime.datetime", check: "x.tzinfo is None"},
		{name: "utc datetime", v: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), expect: "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)", check: "x.tzinfo is datetime.timezone.utc", py3: true},
		{name: "fixed zone datetime", v: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("X", 5*3600+30*60)),
			expect: "datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))", check: "x.utcoffset() == datetime.timedelta(hours=5, minutes=30)", py3: true},
		{name: "named zone datetime", v: []any{time.Date(2024, 7, 1, 12, 0, 0, 0, ny), time.Date(2024, 1, 1, 12, 0, 0, 0, ny)},
			check: "x[0].utcoffset() == datetime.timedelta(hours=-4) and x[1].utcoffset() == datetime.timedelta(hours=-5) and x[0].hour == 12 and " +
				"(sys.version_info < (3, 9) and type(x[0].tzinfo) is datetime.timezone or getattr(x[0].tzinfo, 'key', None) == 'America/New_York')", py3: true},
		{name: "shared timezone", v: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, check: "x[0].tzinfo is x[1].tzinfo", py3: true},
		{name: "date", v: Date{2024, 2, 29}, expect: "datetime.date(2024, 2, 29)", typ: "datetime.date"},
		{name: "time", v: TimeOfDay{Hour: 23, Minute: 59, Second: 58, Microsecond: 123456}, expect: "datetime.time(23, 59, 58, 123456)", typ: "datetime.time"},
		{name: "aware time", v: TimeOfDay{Hour: 1, Location: time.FixedZone("", -3600)}, check: "x.utcoffset() == datetime.timedelta(hours=-1) and x.hour == 1", py3: true},
		{name: "timedeltas", v: []time.Duration{0, time.Hour, -time.Microsecond, 36*time.Hour + 1500*time.Nanosecond, math.MaxInt64, math.MinInt64},
			expect: "[datetime.timedelta(0), datetime.timedelta(hours=1), datetime.timedelta(microseconds=-1), datetime.timedelta(hours=36, microseconds=1), datetime.timedelta(microseconds=9223372036854775), datetime.timedelta(microseconds=-9223372036854775)]"},
		{name: "decimal", v: []Decimal{"1.10", "-0.000", "1E+5", "Infinity", "-sNaN"}, check: "[str(d) for d in x] == ['1.10', '-0.000', '1E+5', 'Infinity', '-sNaN']"},
		{name: "uuid", v: UUID{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78},
			expect: "uuid.UUID('12345678-1234-5678-1234-567812345678')", typ: "uuid.UUID", check: "str(x) == '12345678-1234-5678-1234-567812345678'"},
		{name: "marshaler", v: []any{money{1234}, &money{5}}, expect: "[decimal.Decimal('12.34'), decimal.Decimal('0.05')]"},
		{name: "deterministic map", v: map[string]int{"b": 2, "a": 1, "c": 3}, check: "list(x.keys()) == ['a', 'b', 'c']", py3: true, opts: []Option{Deterministic()}},
	}
}

// Tuple4 is a comparable map key type that encodes as a dict... only
// when the map is not empty, so an empty map of it is fine.
type Tuple4 struct{ A, B int }

func TestEncodeInterop(t *testing.T) {
	interps := pythons.ForTest(t)
	reg := NewRegistry()
	require.NoError(t, reg.Register("mpconn_testclasses", "Point", goPoint{}))
	require.NoError(t, reg.Register("mpconn_testclasses", "Empty", goEmpty{}))
	require.NoError(t, reg.Register("mpconn_testclasses", "Node", goNode{}))
	cases := interopCases(t)
	dir := pyModuleDir(t)

	for _, in := range interps {
		if in.Implementation != "CPython" {
			continue
		}
		type entry struct {
			c     *interopCase
			proto int
		}
		var entries []entry
		var reqs []map[string]string
		for i := range cases {
			c := &cases[i]
			if c.py3 && in.Major < 3 {
				continue
			}
			for p := c.minP; p <= in.HighestProtocol; p++ {
				data, err := Marshal(c.v, append([]Option{WithProtocol(p), WithRegistry(reg), ForPython(in.Major, in.Minor)}, c.opts...)...)
				require.NoError(t, err, "%s p%d", c.name, p)
				entries = append(entries, entry{c, p})
				reqs = append(reqs, map[string]string{"pickle": hex.EncodeToString(data), "expect": c.expect, "type": c.typ, "check": c.check})
			}
		}
		input, err := json.Marshal(reqs)
		require.NoError(t, err)
		t.Run(in.Name(), func(t *testing.T) {
			t.Parallel()
			res := runLoadScript(t, in, loadScript, dir, input, 45*time.Second)
			require.Len(t, res, len(entries))
			for i, msg := range res {
				assert.Empty(t, msg, "%s at protocol %d", entries[i].c.name, entries[i].proto)
			}
		})
	}
}
