package interop_test

import (
	"errors"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
)

// The Python → Go corpus: every row of the README's "Receiving into any"
// table, at the edges, plus the tutorial's objects. Expressions are
// evaluated in testdata/objects_corpus.py (Point, Node, Pair, Color, utc,
// tz(h, m), shared_list() and friends live there).

// objJob is the README's RecvInto example.
type objJob struct {
	ID   int       `pickle:"id"`
	Args []float64 `pickle:"args"`
}

// objPair is filled positionally from a tuple.
type objPair struct {
	N    int
	Name string
}

var (
	gInt       = pickle.Global{Module: "builtins", Name: "int"}
	gSum       = pickle.Global{Module: "builtins", Name: "sum"}
	gPoint     = pickle.Global{Module: "objects_corpus", Name: "Point"}
	gPair      = pickle.Global{Module: "objects_corpus", Name: "Pair"}
	gColor     = pickle.Global{Module: "objects_corpus", Name: "Color"}
	gNode      = pickle.Global{Module: "objects_corpus", Name: "Node"}
	gKeyError  = pickle.Global{Module: "builtins", Name: "KeyError"}
	gValueErr  = pickle.Global{Module: "builtins", Name: "ValueError"}
	gOrderDict = pickle.Global{Module: "collections", Name: "OrderedDict"}
)

const (
	// Python's comparison of an echo that cannot keep its Python type.
	noTZPy2   = "Python 2 has no datetime.timezone: aware datetimes and times need Python 3"
	noEnumPy2 = "Python 2.7 has no enum module"
)

func pyToGoCases(e objEnv) []pyCase {
	py3Only := func(why string) string {
		if e.py2 {
			return why
		}
		return ""
	}
	// On 2.7 a bytes object is a py2 str; without Py2StringsAsBytes it
	// arrives as a string of raw bytes, which Go cannot send back as a str
	// (not UTF-8), so the echo is the []byte RecvInto gives.
	bytesInto := func(b []byte) *objInto {
		i := into(b)
		if e.py2 && !e.py2Bytes {
			i.echo = true
		}
		return i
	}
	attr := e.py2str // instance attribute names are py2 str on 2.7
	point := func(x, y any) any {
		if e.registered {
			return &objPoint{X: x, Y: y}
		}
		return &pickle.Object{Class: gPoint, New: true, Args: pickle.Tuple{}, State: objDict(attr("x"), x, attr("y"), y)}
	}
	pointInto := into(objPoint{X: int64(1), Y: "a"}) // from the instance's __dict__
	if e.registered {
		pointInto = into(&objPoint{X: int64(1), Y: "a"})
	}
	all256 := make([]byte, 256)
	for i := range all256 {
		all256[i] = byte(i)
	}
	utcMinus8 := time.FixedZone("", -8*3600)
	ist := time.FixedZone("", 5*3600+30*60)

	return []pyCase{
		// The tutorial's objects.
		{name: "tutorial_list", expr: `['a', 2.5, None, int, sum]`, want: []any{"a", 2.5, nil, gInt, gSum},
			echo: "x[:3] == o[:3] and x[4] is sum and (x[3] is int or (PY2 and x[3] is int_)) and type(x) is list"},
		{name: "tutorial_close", expr: `'close'`, want: "close", into: into("close")},
		{name: "readme_job", expr: `{'id': 1, 'args': [0.5, 1.5]}`, want: objDict("id", int64(1), "args", []any{0.5, 1.5}),
			into: recvAs(objJob{ID: 1, Args: []float64{0.5, 1.5}})},

		// None, bool.
		{name: "None", expr: `None`, want: nil, echo: "x is None"},
		{name: "True", expr: `True`, want: true, into: into(true)},
		{name: "False", expr: `False`, want: false},

		// int: int64, *big.Int beyond; typed kinds with overflow checks.
		{name: "int_0", expr: `0`, want: int64(0)},
		{name: "int_1", expr: `1`, want: int64(1), into: into(int8(1))},
		{name: "int_-1", expr: `-1`, want: int64(-1), into: into(-1)},
		{name: "int_255", expr: `255`, want: int64(255), into: into(uint8(255))},
		{name: "int_256", expr: `256`, want: int64(256), into: intoErr[uint8]()},
		{name: "int_65535", expr: `65535`, want: int64(65535), into: into(uint16(65535))},
		{name: "int_65536", expr: `65536`, want: int64(65536), into: intoErr[uint16]()},
		{name: "int_2**31-1", expr: `2**31-1`, want: int64(math.MaxInt32), into: into(int32(math.MaxInt32))},
		{name: "int_2**31", expr: `2**31`, want: int64(1 << 31), into: intoErr[int32]()},
		{name: "int_-2**31", expr: `-2**31`, want: int64(math.MinInt32), into: into(int32(math.MinInt32))},
		{name: "int_-2**31-1", expr: `-2**31-1`, want: int64(math.MinInt32 - 1)},
		{name: "int_2**63-1", expr: `2**63-1`, want: int64(math.MaxInt64), into: into(int64(math.MaxInt64))},
		{name: "int_2**63", expr: `2**63`, want: objBig("0x8000000000000000"), into: into(uint64(1 << 63))},
		{name: "int_-2**63", expr: `-2**63`, want: int64(math.MinInt64), into: into(int64(math.MinInt64))},
		{name: "int_-2**63-1", expr: `-2**63-1`, want: objBig("-0x8000000000000001"), into: intoErr[int64]()},
		{name: "int_2**64-1", expr: `2**64-1`, want: objBig("0xffffffffffffffff"), into: into(uint64(math.MaxUint64))},
		{name: "int_2**64", expr: `2**64`, want: objBig("0x10000000000000000"), into: intoErr[uint64]()},
		{name: "int_2**1000", expr: `2**1000`, want: new(big.Int).Lsh(big.NewInt(1), 1000), into: into(new(big.Int).Lsh(big.NewInt(1), 1000))},
		{name: "int_-2**1000", expr: `-2**1000`, want: new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 1000))},
		{name: "int_pointer", expr: `42`, want: int64(42), into: into(ptrTo(int64(42)))},

		// float.
		{name: "float_0", expr: `0.0`, want: 0.0, check: signbit(false)},
		{name: "float_-0", expr: `-0.0`, want: math.Copysign(0, -1), check: signbit(true), echo: "x == 0 and math.copysign(1, x) == -1 and type(x) is float"},
		{name: "float_2.5", expr: `2.5`, want: 2.5, into: into(float32(2.5))},
		{name: "float_0.1", expr: `0.1`, want: 0.1},
		{name: "float_max", expr: `1.7976931348623157e308`, want: math.MaxFloat64},
		{name: "float_denormal", expr: `5e-324`, want: math.SmallestNonzeroFloat64},
		{name: "float_inf", expr: `float('inf')`, want: math.Inf(1)},
		{name: "float_-inf", expr: `float('-inf')`, want: math.Inf(-1)},
		{name: "float_nan", expr: `float('nan')`, want: objSkip, check: func(t *testing.T, got any) {
			f, ok := got.(float64)
			assert.True(t, ok && math.IsNaN(f), "want a float64 NaN, got %v (%T)", got, got)
		}, echo: "math.isnan(x) and type(x) is float"},

		// complex.
		{name: "complex", expr: `complex(1, -2)`, want: complex(1, -2), into: into(complex64(complex(1, -2)))},
		{name: "complex_imag", expr: `2.5j`, want: complex(0, 2.5)},

		// str (unicode on 2.7 too: unicode_literals).
		{name: "str_empty", expr: `''`, want: ""},
		{name: "str_ascii", expr: `'abc'`, want: "abc", into: into("abc")},
		{name: "str_latin1", expr: `'héllo wörld ñ'`, want: "héllo wörld ñ"},
		{name: "str_cjk", expr: `'日本語'`, want: "日本語"},
		{name: "str_astral", expr: `'\U0001F600 \U0001D11E'`, want: "😀 𝄞"},
		{name: "str_controls", expr: `'\x00\n\t\r\\\''`, want: "\x00\n\t\r\\'"},
		{name: "str_long", expr: `'é' * 200`, want: repeat("é", 200)}, // 400 bytes: BINUNICODE

		// bytes: []byte (a 2.7 str: string, or []byte with Py2StringsAsBytes).
		{name: "bytes_empty", expr: `b''`, want: e.bytesVal([]byte{}), into: bytesInto([]byte{})},
		{name: "bytes_ascii", expr: `b'abc'`, want: e.bytesVal([]byte("abc")), into: bytesInto([]byte("abc"))},
		{name: "bytes_high", expr: `b'\x00\xff\x80 high'`, want: e.bytesVal([]byte("\x00\xff\x80 high")), into: bytesInto([]byte("\x00\xff\x80 high"))},
		{name: "bytes_all256", expr: `bytes(bytearray(range(256)))`, want: e.bytesVal(all256), into: bytesInto(all256)},
		{name: "bytes_long", expr: `b'x' * 300`, want: e.bytesVal([]byte(repeat("x", 300))), into: bytesInto([]byte(repeat("x", 300)))},

		// bytearray.
		{name: "bytearray", expr: `bytearray(b'\x00\xffab')`, want: pickle.ByteArray("\x00\xffab"), into: into(pickle.ByteArray("\x00\xffab"))},
		{name: "bytearray_empty", expr: `bytearray()`, want: pickle.ByteArray{}},

		// list, tuple.
		{name: "list_empty", expr: `[]`, want: []any{}},
		{name: "list_mixed", expr: `[1, 'a', None, 2.5, True]`, want: []any{int64(1), "a", nil, 2.5, true}},
		{name: "list_ints", expr: `[1, 2, 3]`, want: []any{int64(1), int64(2), int64(3)}, into: into([]int{1, 2, 3})},
		{name: "tuple_empty", expr: `()`, want: pickle.Tuple{}},
		{name: "tuple_1", expr: `(1,)`, want: pickle.Tuple{int64(1)}},
		{name: "tuple_3", expr: `(1, 'a', None)`, want: pickle.Tuple{int64(1), "a", nil}},
		{name: "tuple_4", expr: `(1, 2, 3, 4)`, want: pickle.Tuple{int64(1), int64(2), int64(3), int64(4)}, into: into([4]int{1, 2, 3, 4})},
		{name: "tuple_to_struct", expr: `(7, 'seven')`, want: pickle.Tuple{int64(7), "seven"}, into: into(objPair{7, "seven"})},

		// dict: *pickle.Dict, ordered, keys compared as Python compares them.
		{name: "dict_empty", expr: `{}`, want: objDict()},
		{name: "dict_str_keys", expr: `{'a': 1, 'b': [1, 2]}`, want: objDict("a", int64(1), "b", []any{int64(1), int64(2)})},
		{name: "dict_int_keys", expr: `{1: 'one', 2: 'two', -3: 'minus three'}`, want: objDict(int64(1), "one", int64(2), "two", int64(-3), "minus three"),
			into: into(map[int]string{1: "one", 2: "two", -3: "minus three"})},
		{name: "dict_tuple_keys", expr: `{(1, 'a'): 'tuple key', (): 'empty tuple', ((1, 2), 3): 'nested'}`,
			want: objDict(pickle.Tuple{int64(1), "a"}, "tuple key", pickle.Tuple{}, "empty tuple", pickle.Tuple{pickle.Tuple{int64(1), int64(2)}, int64(3)}, "nested")},
		{name: "dict_key_equality", expr: `{1: 'int', 'k': 'str', 2.5: 'float', None: 'none'}`,
			want: objDict(int64(1), "int", "k", "str", 2.5, "float", nil, "none"), check: func(t *testing.T, got any) {
				d := got.(*pickle.Dict)
				for _, k := range []any{1, 1.0, true, int64(1), big.NewInt(1)} {
					v, ok := d.Get(k)
					assert.True(t, ok && v == "int", "key %#v (== 1 in Python) must find 'int', got %v", k, v)
				}
				_, ok := d.Get("1")
				assert.False(t, ok, "'1' is not 1")
				_, ok = d.Get([]byte("k"))
				assert.False(t, ok, "b'k' is not 'k'")
			}},
		{name: "dict_typed", expr: `{'a': 1, 'b': 2}`, want: objDict("a", int64(1), "b", int64(2)), into: recvAs(map[string]int{"a": 1, "b": 2})},
		{name: "dict_order", expr: `{'z': 1, 'a': 2, 'm': 3}`, want: objDict("z", int64(1), "a", int64(2), "m", int64(3)), check: func(t *testing.T, got any) {
			if e.py2 {
				t.Log("2.7 dicts are unordered: insertion order not checked")
				return
			}
			assert.Equal(t, []any{"z", "a", "m"}, got.(*pickle.Dict).Keys(), "insertion order")
		}},

		// set, frozenset.
		{name: "set_empty", expr: `set()`, want: objSet()},
		{name: "set", expr: `{1, 'a', (2, 3)}`, want: objSet(int64(1), "a", pickle.Tuple{int64(2), int64(3)})},
		{name: "frozenset_empty", expr: `frozenset()`, want: objFrozenSet()},
		{name: "frozenset_nested", expr: `frozenset([1, frozenset([2, 3])])`, want: objFrozenSet(int64(1), objFrozenSet(int64(2), int64(3)))},

		// Nested containers.
		{name: "nested", expr: `{'list': [1, (2, {3: frozenset([4])})], 'set': {(1, 2)}, 'tuple': ([], {}, ())}`,
			want: objDict(
				"list", []any{int64(1), pickle.Tuple{int64(2), objDict(int64(3), objFrozenSet(int64(4)))}},
				"set", objSet(pickle.Tuple{int64(1), int64(2)}),
				"tuple", pickle.Tuple{[]any{}, objDict(), pickle.Tuple{}})},

		// Shared references and cycles.
		{name: "shared_list", expr: `shared_list()`, want: []any{[]any{int64(1), "x"}, []any{int64(1), "x"}}, check: func(t *testing.T, got any) {
			l := got.([]any)
			assert.True(t, sameBacking(l[0], l[1]), "x[0] is x[1] must give one Go slice")
		}, echo: "x == o and x[0] is x[1]"},
		{name: "shared_dict", expr: `shared_dict()`, want: objSkip, check: func(t *testing.T, got any) {
			tp, ok := got.(pickle.Tuple)
			require.True(t, ok && len(tp) == 3, "got %v (%T)", got, got)
			d0, ok := tp[0].(*pickle.Dict)
			require.True(t, ok, "got %T", tp[0])
			assert.Same(t, d0, tp[1], "x[0] is x[1] must give one *pickle.Dict")
			k, _ := d0.Get("k")
			assert.True(t, pickle.Equal([]any{int64(1)}, k))
			assert.True(t, sameBacking(k, tp[2]), "x[0]['k'] is x[2] must give one Go slice")
		}, echo: "x == o and x[0] is x[1] and x[0]['k'] is x[2]"},
		{name: "cycle_list", expr: `list_cycle()`, want: objSkip, check: func(t *testing.T, got any) {
			l, ok := got.([]any)
			require.True(t, ok && len(l) == 1, "got %T", got)
			assert.True(t, sameBacking(l[0], l), "x[0] is x")
		}, echo: "type(x) is list and len(x) == 1 and x[0] is x"},
		{name: "cycle_dict", expr: `dict_cycle()`, want: objSkip, check: func(t *testing.T, got any) {
			d, ok := got.(*pickle.Dict)
			require.True(t, ok, "got %T", got)
			self, _ := d.Get("self")
			assert.Same(t, d, self, "x['self'] is x")
			name, _ := d.Get("name")
			assert.Equal(t, "d", name)
		}, echo: "type(x) is dict and x['self'] is x and x['name'] == 'd'"},
		{name: "cycle_instance", expr: `node_cycle()`, want: objSkip, check: func(t *testing.T, got any) {
			o, ok := got.(*pickle.Object)
			require.True(t, ok, "got %T", got)
			assert.Equal(t, gNode, o.Class)
			st, ok := o.State.(*pickle.Dict)
			require.True(t, ok, "state %T", o.State)
			next, _ := st.Get(attr("next"))
			assert.Same(t, o, next, "n.next is n")
			name, _ := st.Get(attr("name"))
			assert.Equal(t, "n", name)
		}, echo: "type(x) is Node and x.next is x and x.name == 'n'"},

		// OrderedDict, defaultdict: a *pickle.Dict that knows its class, so
		// the same class comes back (the factory too).
		{name: "OrderedDict", expr: `collections.OrderedDict([('b', 1), ('a', 2), ('c', 3)])`,
			want:  objOrdered(objDict("b", int64(1), "a", int64(2), "c", int64(3))),
			check: keyOrder("b", "a", "c"), echo: "x == o and type(x) is type(o) and list(x) == list(o)"},
		{name: "defaultdict", expr: `collections.defaultdict(list, {'a': [1]})`, want: objSkip, check: func(t *testing.T, got any) {
			d, ok := got.(*pickle.Dict)
			require.True(t, ok, "got %T", got)
			assert.Equal(t, pickle.Global{Module: "collections", Name: "defaultdict"}, d.Class())
			assert.Equal(t, pickle.Global{Module: "builtins", Name: "list"}, d.DefaultFactory())
			assert.True(t, pickle.Equal(objDict("a", []any{int64(1)}), d))
		}, echo: "x == o and type(x) is type(o) and x.default_factory is o.default_factory"},

		// datetime, date, time, timedelta.
		{name: "datetime_naive", expr: `datetime.datetime(2024, 1, 2, 3, 4, 5, 6)`, want: time.Date(2024, 1, 2, 3, 4, 5, 6000, time.Local),
			check: location(time.Local), into: into(time.Date(2024, 1, 2, 3, 4, 5, 6000, time.Local))},
		{name: "datetime_min", expr: `datetime.datetime.min`, want: time.Date(1, 1, 1, 0, 0, 0, 0, time.Local)},
		{name: "datetime_max", expr: `datetime.datetime.max`, want: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.Local)},
		{name: "datetime_utc", expr: `datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)`, want: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
			check: offset(0), into: into(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), echo: "x == o and x.utcoffset() == o.utcoffset() and x.tzinfo is utc", skip: py3Only(noTZPy2)},
		{name: "datetime_fixed_offset", expr: `datetime.datetime(2024, 6, 30, 23, 59, 59, 999999, tzinfo=tz(5, 30))`,
			want: time.Date(2024, 6, 30, 23, 59, 59, 999999000, ist), check: offset(5*3600 + 30*60),
			echo: "x == o and x.utcoffset() == o.utcoffset()", skip: py3Only(noTZPy2)},
		{name: "datetime_negative_offset", expr: `datetime.datetime(2000, 2, 29, 12, 0, tzinfo=tz(-8))`,
			want: time.Date(2000, 2, 29, 12, 0, 0, 0, utcMinus8), check: offset(-8 * 3600),
			echo: "x == o and x.utcoffset() == o.utcoffset()", skip: py3Only(noTZPy2)},
		{name: "date", expr: `datetime.date(2024, 2, 29)`, want: pickle.Date{Year: 2024, Month: 2, Day: 29}, into: into(pickle.Date{Year: 2024, Month: 2, Day: 29})},
		{name: "time", expr: `datetime.time(23, 59, 58, 123456)`, want: pickle.TimeOfDay{Hour: 23, Minute: 59, Second: 58, Microsecond: 123456}},
		{name: "time_aware", expr: `datetime.time(1, 2, tzinfo=tz(-1))`, want: objSkip, check: func(t *testing.T, got any) {
			tod, ok := got.(pickle.TimeOfDay)
			require.True(t, ok, "got %T", got)
			assert.Equal(t, [4]int{1, 2, 0, 0}, [4]int{tod.Hour, tod.Minute, tod.Second, tod.Microsecond})
			if assert.NotNil(t, tod.Location) {
				_, off := time.Date(2024, 1, 1, 0, 0, 0, 0, tod.Location).Zone()
				assert.Equal(t, -3600, off, "offset")
			}
		}, echo: "x == o and x.utcoffset() == o.utcoffset()", skip: py3Only(noTZPy2)},
		{name: "timedelta", expr: `datetime.timedelta(days=1, seconds=2, microseconds=3)`, want: 24*time.Hour + 2*time.Second + 3*time.Microsecond,
			into: into(24*time.Hour + 2*time.Second + 3*time.Microsecond)},
		{name: "timedelta_negative", expr: `datetime.timedelta(microseconds=-1)`, want: -time.Microsecond},
		{name: "timedelta_zero", expr: `datetime.timedelta(0)`, want: time.Duration(0)},

		// Decimal, UUID.
		{name: "Decimal", expr: `decimal.Decimal('1.10')`, want: pickle.Decimal("1.10"), into: into(pickle.Decimal("1.10")),
			echo: "x == o and str(x) == '1.10' and tname(x) == tname(o)"},
		{name: "Decimal_specials", expr: `[decimal.Decimal('-Infinity'), decimal.Decimal('-0.000'), decimal.Decimal('1E+5')]`,
			want: []any{pickle.Decimal("-Infinity"), pickle.Decimal("-0.000"), pickle.Decimal("1E+5")},
			echo: "[str(d) for d in x] == [str(d) for d in o] and all(tname(d) == 'decimal.Decimal' for d in x)"},
		{name: "Decimal_NaN", expr: `decimal.Decimal('NaN')`, want: objSkip, check: func(t *testing.T, got any) {
			assert.Equal(t, pickle.Decimal("NaN"), got, "NaN equals nothing, so not with pickle.Equal")
		}, echo: "x.is_nan() and tname(x) == tname(o)"},
		{name: "UUID", expr: `uuid.UUID('12345678-1234-5678-9abc-def012345678')`,
			want: pickle.UUID{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78},
			check: func(t *testing.T, got any) {
				if u, ok := got.(pickle.UUID); ok {
					assert.Equal(t, "12345678-1234-5678-9abc-def012345678", u.String())
				}
			}},

		// Classes and functions: pickle.Global.
		// 2.7's __builtin__.int and __builtin__.long both decode as builtins.int,
		// which goes back to 2.7 as long, as CPython 3 pickles it (see int_).
		{name: "global_int", expr: `int`, want: gInt, echo: "x is o or (PY2 and x is int_)"},
		{name: "global_sum", expr: `sum`, want: gSum, echo: "x is o"},
		{name: "global_class", expr: `Point`, want: gPoint, echo: "x is o"},

		// Exceptions.
		{name: "KeyError", expr: `KeyError('missing')`, want: &pickle.Exception{Class: gKeyError, Args: pickle.Tuple{"missing"}},
			check: errorText("KeyError: 'missing'"), echo: "type(x) is KeyError and x.args == o.args and raises(x, KeyError)"},
		{name: "ValueError_args", expr: `ValueError('bad value', 42)`, want: &pickle.Exception{Class: gValueErr, Args: pickle.Tuple{"bad value", int64(42)}},
			check: errorText("ValueError: ('bad value', 42)"), echo: "type(x) is ValueError and x.args == o.args"},

		// Instances: *pickle.Object unless registered.
		{name: "instance", expr: `Point(1, 'a')`, want: point(int64(1), "a")},
		{name: "instance_into_struct", expr: `Point(1, 'a')`, want: point(int64(1), "a"), into: pointInto},
		{name: "instance_list", expr: `[Point(1, 2), Point(3, None)]`, want: []any{point(int64(1), int64(2)), point(int64(3), nil)}},
		{name: "namedtuple", expr: `Pair(1, 'a')`, want: &pickle.Object{Class: gPair, New: true, Args: pickle.Tuple{int64(1), "a"}}},
		{name: "enum", expr: `Color.RED`, want: &pickle.Object{Class: gColor, Args: pickle.Tuple{int64(1)}}, echo: "x is o", skip: py3Only(noEnumPy2)},
	}
}

func ptrTo[T any](v T) *T { return &v }

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func signbit(neg bool) func(t *testing.T, got any) {
	return func(t *testing.T, got any) {
		f, _ := got.(float64)
		assert.Equal(t, neg, math.Signbit(f), "sign bit of %v", got)
	}
}

func keyOrder(keys ...any) func(t *testing.T, got any) {
	return func(t *testing.T, got any) {
		d, ok := got.(*pickle.Dict)
		if assert.True(t, ok, "got %T", got) {
			assert.Equal(t, keys, d.Keys(), "key order")
		}
	}
}

func location(loc *time.Location) func(t *testing.T, got any) {
	return func(t *testing.T, got any) {
		if tm, ok := got.(time.Time); assert.True(t, ok, "got %T", got) {
			assert.Same(t, loc, tm.Location(), "location %v", tm.Location())
		}
	}
}

func offset(secs int) func(t *testing.T, got any) {
	return func(t *testing.T, got any) {
		tm, ok := got.(time.Time)
		if assert.True(t, ok, "got %T", got) {
			assert.NotSame(t, time.Local, tm.Location(), "an aware datetime must not be time.Local")
			_, off := tm.Zone()
			assert.Equal(t, secs, off, "UTC offset")
		}
	}
}

func errorText(want string) func(t *testing.T, got any) {
	return func(t *testing.T, got any) {
		err, ok := got.(error)
		if assert.True(t, ok, "%T is not an error", got) {
			var pe *pickle.Exception
			assert.True(t, errors.As(err, &pe))
			assert.Equal(t, want, err.Error())
		}
	}
}
