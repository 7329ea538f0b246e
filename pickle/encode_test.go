package pickle

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	require.NoError(t, err)
	return b
}

// Goldens from /work/shared/spec/wire-protocol.md sections 1.8 and 6.2.
func TestMarshalSpecGoldens(t *testing.T) {
	x := []any{int64(1)}
	tests := []struct {
		name  string
		v     any
		proto int
		want  string
	}{
		{"send list p4", []any{1, "two", []byte("three"), nil}, 4, "80049516000000000000005d94284b018c0374776f9443057468726565944e652e"},
		{"send list p5", []any{1, "two", []byte("three"), nil}, 5, "80059516000000000000005d94284b018c0374776f944305 7468726565944e652e"},
		{"send list p3", []any{1, "two", []byte("three"), nil}, 3, "80035d7100284b01580300000074776f710143057468726565 71024e652e"},
		{"None p2", nil, 2, "80024e2e"},
		{"None p3", nil, 3, "80034e2e"},
		{"None p4", nil, 4, "80044e2e"},
		{"None p5", nil, 5, "80054e2e"},
		{"256", 256, 4, "80049504000000000000004d00012e"},
		{"-1", -1, 4, "80049506000000000000004affffffff2e"},
		{"2**31", int64(1) << 31, 4, "80049508000000000000008a0500000080002e"},
		{"-2**64", new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 64)), 4, "8004950c000000000000008a090000000000000000ff2e"},
		{"1.5", 1.5, 4, "8004950a00000000000000473ff80000000000002e"},
		{"'abc'", "abc", 4, "80049507000000000000008c03616263942e"},
		{"'abc' p3", "abc", 3, "8003580300000061626371002e"},
		{"b'abc'", []byte("abc"), 4, "80049507000000000000004303616263942e"},
		{"b'abc' p3", []byte("abc"), 3, "8003430361626371002e"},
		{"bytearray p5", ByteArray("abc"), 5, "8005950e00000000000000960300000000000000616263942e"},
		{"{1,2}", mustSet(t, 1, 2), 4, "80049509000000000000008f94284b014b02902e"},
		{"frozenset{1,2}", mustFrozenSet(t, 1, 2), 4, "8004950800000000000000284b014b0291942e"},
		{"[x,x]", []any{x, x}, 4, "8004950c000000000000005d94285d944b01616801652e"},
		{"int", Global{"builtins", "int"}, 4, "80049514000000000000008c086275696c74696e73948c03696e749493942e"},
		{"int p3", Global{"builtins", "int"}, 3, "8003636275696c74696e730a696e740a71002e"},
		{"date(2024,1,2)", Date{2024, 1, 2}, 4, "80049520000000000000008c086461746574696d65948c0464617465949394430407e8010294859452942e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.v, WithProtocol(tt.proto))
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(mustHex(t, tt.want)), hex.EncodeToString(got))
		})
	}
}

func mustSet(t testing.TB, items ...any) *Set {
	s, err := NewSet(items...)
	require.NoError(t, err)
	return s
}

func mustFrozenSet(t testing.TB, items ...any) *FrozenSet {
	s, err := NewFrozenSet(items...)
	require.NoError(t, err)
	return s
}

func mustDict(t testing.TB, kv ...any) *Dict {
	d := NewDict(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		require.NoError(t, d.Set(kv[i], kv[i+1]))
	}
	return d
}

type goPoint struct {
	X int `pickle:"x"`
	Y int `pickle:"y"`
}

type goEmpty struct {
	Hidden int `pickle:"-"`
}

func testRegistry(t testing.TB) *Registry {
	r := NewRegistry()
	require.NoError(t, r.Register("mpconn_testclasses", "Point", goPoint{}))
	require.NoError(t, r.Register("mpconn_testclasses", "Empty", goEmpty{}))
	return r
}

type byteCase struct {
	name   string
	v      any
	code   string // Python statements that set v
	protos []int  // default: 0 to 5
}

var allProtos = []int{0, 1, 2, 3, 4, 5}

func byteCases(t testing.TB) []byteCase {
	shared := []any{int64(1)}
	cyc := []any{nil}
	cyc[0] = cyc
	cycDict := NewDict(1)
	require.NoError(t, cycDict.Set("self", cycDict))
	tupCycList := []any{nil}
	tupCycList[0] = Tuple{tupCycList}
	s := "abc"
	pt := &goPoint{1, 2}
	r1000 := make([]any, 1000)
	r1001 := make([]any, 1001)
	r2500 := make([]any, 2500)
	for i := range r2500 {
		if i < 1000 {
			r1000[i] = i
		}
		if i < 1001 {
			r1001[i] = i
		}
		r2500[i] = i
	}
	d := func(n int) *Dict {
		dd := NewDict(n)
		for i := 0; i < n; i++ {
			require.NoError(t, dd.Set(i, i))
		}
		return dd
	}
	set := func(n int) *Set {
		ss := &Set{}
		for i := 0; i < n; i++ {
			require.NoError(t, ss.Add(i))
		}
		return ss
	}
	// Each of 3000 strings met again later, in another order: the memo's
	// filter and log move them into its table in many batches.
	rep := make([]string, 3000)
	for i := range rep {
		rep[i] = strconv.Itoa(i * 7)
	}
	repeats := make([]any, 0, 6000)
	for _, x := range rep {
		repeats = append(repeats, x)
	}
	for i := range rep {
		repeats = append(repeats, rep[(i*13)%len(rep)])
	}
	sub := strings.Repeat("abcd", 2)
	strs := make([]any, 300)
	for i := range strs {
		strs[i] = strconv.Itoa(i)
	}
	bigFloats := make([]any, 20000)
	for i := range bigFloats {
		bigFloats[i] = float64(i) + 0.5
	}
	bigDict := NewDict(10000)
	for i := 0; i < 10000; i++ {
		k := strconv.Itoa(i)
		require.NoError(t, bigDict.Set(k, []any{i, k}))
	}
	manyDates := make([]any, 5000)
	for i := range manyDates {
		manyDates[i] = time.Date(2000+i%20, time.Month(1+i%12), 1+i%28, i%24, i%60, i%60, i, time.UTC)
	}
	tz := time.FixedZone("", -5*3600)
	odict := &Object{Class: Global{"collections", "OrderedDict"}, Args: Tuple{}, DictItems: mustDict(t, "a", 1, "b", 2)}
	od := NewOrderedDict(0)
	require.NoError(t, od.Set("a", 1))
	require.NoError(t, od.Set("b", []any{2}))
	dd := NewDefaultDict(Global{"builtins", "list"}, 0)
	require.NoError(t, dd.Set("k", []any{1}))
	bigOD := NewOrderedDict(0)
	for i := 0; i < 1001; i++ {
		require.NoError(t, bigOD.Set(i, i))
	}
	return []byteCase{
		{"None", nil, "v = None", nil},
		{"True", true, "v = True", nil},
		{"False", false, "v = False", nil},
		{"ints", []any{0, 1, 255, 256, 65535, 65536, -1, -255, -256, math.MaxInt32, math.MinInt32},
			"v = [0, 1, 255, 256, 65535, 65536, -1, -255, -256, 2**31-1, -2**31]", nil},
		{"longs", []any{int64(math.MaxInt32) + 1, int64(math.MinInt32) - 1, int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64), int64(-1) << 40, uint64(1) << 63},
			"v = [2**31, -2**31-1, 2**63-1, -2**63, 2**64-1, -2**40, 2**63]", nil},
		{"big ints", []any{new(big.Int).Lsh(big.NewInt(1), 100), new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 100)), new(big.Int).Lsh(big.NewInt(1), 2040), new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 2039)), big.NewInt(5), *big.NewInt(-70000)},
			"v = [2**100, -2**100, 2**2040, -2**2039, 5, -70000]", nil},
		{"typed ints", []any{int8(-5), int16(300), int32(-70000), uint8(200), uint16(60000), uint32(4000000000), uint(7), uintptr(9)},
			"v = [-5, 300, -70000, 200, 60000, 4000000000, 7, 9]", nil},
		{"floats", []any{0.0, math.Copysign(0, -1), 1.5, 1e16, 1.5e16, 1e-5, 0.0001, 123456789.0, 1e300, math.Inf(1), math.Inf(-1), 0.1, 1.0 / 3, 1234567890123456.0, float32(0.1), 5e-324, -2.5e-10},
			"v = [0.0, -0.0, 1.5, 1e16, 1.5e16, 1e-5, 0.0001, 123456789.0, 1e300, float('inf'), float('-inf'), 0.1, 1.0/3, 1234567890123456.0, 0.10000000149011612, 5e-324, -2.5e-10]", nil},
		{"strings", []any{"", "abc", "héllo", "日本語", "😀x", "a\\b\nc\r\x00\x1a\t'\"", strings.Repeat("x", 255), strings.Repeat("y", 256), "\u00ff\u0100"},
			"v = [u'', u'abc', u'h\\xe9llo', u'\\u65e5\\u672c\\u8a9e', u'\\U0001f600x', u'a\\\\b\\nc\\r\\x00\\x1a\\t\\'\"', u'x'*255, u'y'*256, u'\\xff\\u0100']", nil},
		{"lone surrogate", "a\xed\xa0\x80b", "v = u'a\\ud800b'", nil},
		{"big string unframed", []any{strings.Repeat("s", 70000), "b"}, "v = ['s'*70000, 'b']", nil},
		{"bytes", []any{[]byte{}, []byte("abc"), []byte("\x00\xff\x80"), bytes.Repeat([]byte("z"), 300)},
			"v = [b'', b'abc', b'\\x00\\xff\\x80', b'z'*300]", nil},
		{"big bytes unframed", []any{bytes.Repeat([]byte("a"), 70000), "b"}, "v = [b'a'*70000, 'b']", nil},
		{"bytearray", []any{ByteArray{}, ByteArray("abc")}, "v = [bytearray(), bytearray(b'abc')]", nil},
		{"lists", []any{[]any{}, []any{1}, []any{1, 2}, []any{[]any{}, []any{[]any{}}}}, "v = [[], [1], [1, 2], [[], [[]]]]", nil},
		{"list 1000", r1000, "v = list(range(1000))", nil},
		{"list 1001", r1001, "v = list(range(1001))", nil},
		{"list 2500", r2500, "v = list(range(2500))", nil},
		{"tuples", []any{Tuple{}, Tuple{1}, Tuple{1, 2}, Tuple{1, 2, 3}, Tuple{1, 2, 3, 4}, Tuple{Tuple{}, Tuple{"a"}}}, "v = [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((), ('a',))]", nil},
		{"dicts", []any{NewDict(0), mustDict(t, "a", 1), mustDict(t, "a", 1, "b", 2.5, 3, nil)}, "v = [{}, {'a': 1}, {'a': 1, 'b': 2.5, 3: None}]", nil},
		{"dict 1000", d(1000), "v = dict((i, i) for i in range(1000))", nil},
		{"dict 1001", d(1001), "v = dict((i, i) for i in range(1001))", nil},
		{"dict 2000", d(2000), "v = dict((i, i) for i in range(2000))", nil},
		{"sets", []any{&Set{}, mustSet(t, 1, 2, 3), set(1000), set(1001)}, "v = [set(), {1, 2, 3}, set(range(1000)), set(range(1001))]", nil},
		{"frozensets", []any{&FrozenSet{}, mustFrozenSet(t, 1, 2, 3)}, "v = [frozenset(), frozenset([1, 2, 3])]", nil},
		{"shared list", []any{shared, shared}, "x = [1]; v = [x, x]", nil},
		{"shared str", []any{s, s, "other"}, "x = 'abc'; v = [x, x, 'other']", nil},
		{"self list", cyc, "v = [None]; v[0] = v", nil},
		{"self dict", cycDict, "v = {}; v['self'] = v", nil},
		{"recursive tuple", tupCycList, "v = [None]; v[0] = (v,)", nil},
		{"memo > 256", strs, "v = [str(i) for i in range(300)]", nil},
		{"str repeats", repeats, "x = [str(i * 7) for i in range(3000)]; v = x + [x[(i * 13) % 3000] for i in range(3000)]", nil},
		{"substrings", []any{sub, sub[:3], sub, sub[:3], sub[4:]}, "x = 'abcd' * 2; y = x[:3]; v = [x, y, x, y, x[4:]]", nil},
		// (Only classes: CPython's module string for a builtin function such
		// as sum is not the interned one its classes share.)
		{"globals", []any{Global{"builtins", "int"}, Global{"builtins", "KeyError"}, Global{"builtins", "int"}, Global{"collections", "OrderedDict"}},
			"v = [int, KeyError, int, collections.OrderedDict]", nil},
		{"function global", Global{"builtins", "sum"}, "v = sum", nil},
		{"dotted global", []any{Global{"mpconn_testclasses", "Outer.Inner"}, Global{"mpconn_testclasses", "Outer.Inner"}}, "v = [Outer.Inner, Outer.Inner]", nil},
		{"complex", []any{complex(1, 2), complex64(complex(-0.5, 0))}, "v = [complex(1, 2), complex(-0.5, 0)]", nil},
		{"datetimes", []any{time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 6999, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, tz)},
			"v = [datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))]", nil},
		{"naive datetime", time.Date(2024, 12, 31, 23, 59, 59, 999999000, time.Local), "v = datetime.datetime(2024, 12, 31, 23, 59, 59, 999999)", nil},
		{"date time timedelta", []any{Date{2024, 1, 2}, TimeOfDay{Hour: 1, Minute: 2, Second: 3, Microsecond: 4}, TimeOfDay{Hour: 23, Location: time.UTC}, 24*time.Hour + 2*time.Second + 3*time.Microsecond, -time.Microsecond, -1500 * time.Nanosecond},
			"v = [datetime.date(2024, 1, 2), datetime.time(1, 2, 3, 4), datetime.time(23, tzinfo=datetime.timezone.utc), datetime.timedelta(1, 2, 3), datetime.timedelta(microseconds=-1), datetime.timedelta(microseconds=-1)]", nil},
		{"many datetimes", manyDates, "v = [datetime.datetime(2000 + i % 20, 1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60, i // 1000, tzinfo=datetime.timezone.utc) for i in range(5000)]", nil},
		{"decimal", []any{Decimal("1.10"), Decimal("-Infinity"), Decimal("NaN")}, "v = [decimal.Decimal('1.10'), decimal.Decimal('-Infinity'), decimal.Decimal('NaN')]", nil},
		{"uuid", []any{UUID{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78}, UUID{}},
			"v = [uuid.UUID('12345678-1234-5678-1234-567812345678'), uuid.UUID(int=0)]", nil},
		{"exception", []any{&Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"k"}}, &Exception{Class: Global{"builtins", "ValueError"}, Args: Tuple{}}},
			"v = [KeyError('k'), ValueError()]", nil},
		{"registered instances", []any{pt, pt, &goPoint{3, 4}, goEmpty{}}, "p = Point(1, 2); v = [p, p, Point(3, 4), Empty()]", nil},
		{"ordered dict object", odict, "v = collections.OrderedDict([('a', 1), ('b', 2)])", nil},
		{"OrderedDict", []any{od, od, NewOrderedDict(0)}, "o = collections.OrderedDict([('a', 1), ('b', [2])]); v = [o, o, collections.OrderedDict()]", nil},
		{"OrderedDict 1001", bigOD, "v = collections.OrderedDict((i, i) for i in range(1001))", nil},
		{"defaultdict", []any{dd, NewDefaultDict(nil, 0)}, "v = [collections.defaultdict(list, {'k': [1]}), collections.defaultdict()]", nil},
		{"named timezone", []any{time.Date(2020, 2, 29, 23, 59, 59, 0, time.FixedZone("BRT", -3*3600)), TimeOfDay{Hour: 1, Location: time.FixedZone("BRT", -3*3600)}},
			"tz = datetime.timezone(datetime.timedelta(hours=-3), 'BRT'); v = [datetime.datetime(2020, 2, 29, 23, 59, 59, tzinfo=tz), datetime.time(1, tzinfo=tz)]", nil},
		{"floats 20000", bigFloats, "v = [i + 0.5 for i in range(20000)]", nil},
		{"dict 10000 framed", bigDict, "v = dict((s, [i, s]) for i, s in ((i, str(i)) for i in range(10000)))", nil},
		{"struct dict", struct {
			Name string
			Tags []string `pickle:"tags"`
			Skip int      `pickle:"-"`
			Opt  string   `pickle:"opt,omitempty"`
			Ptr  *int
		}{Name: "n", Tags: []string{"a", "b"}}, "v = {'Name': 'n', 'tags': ['a', 'b'], 'Ptr': None}", nil},
	}
}

func TestMarshalMatchesCPython(t *testing.T) {
	in := python313(t)
	reg := testRegistry(t)
	cases := byteCases(t)
	var reqs []dumpsCase
	for i := range cases {
		if cases[i].protos == nil {
			cases[i].protos = allProtos
		}
		for _, p := range cases[i].protos {
			reqs = append(reqs, dumpsCase{Code: cases[i].code, Proto: p})
		}
	}
	want := cpythonDumps(t, in, reqs)
	n := 0
	for _, c := range cases {
		for _, p := range c.protos {
			w := want[n]
			n++
			t.Run(fmt.Sprintf("%s/p%d", c.name, p), func(t *testing.T) {
				require.False(t, strings.HasPrefix(w, "ERR"), "python: %s", w)
				got, err := Marshal(c.v, WithProtocol(p), WithRegistry(reg))
				require.NoError(t, err)
				if g := hex.EncodeToString(got); g != w {
					if len(g) > 400 || len(w) > 400 {
						i := 0
						for i < len(g) && i < len(w) && g[i] == w[i] {
							i++
						}
						t.Fatalf("differs at byte %d (len got %d, want %d):\n got …%s\nwant …%s", i/2, len(g)/2, len(w)/2, snip(g, i), snip(w, i))
					}
					assert.Equal(t, w, g, "%s", in.Name())
				}
			})
		}
	}
}

func snip(s string, i int) string {
	i &^= 1
	lo := max(0, i-40)
	hi := min(len(s), i+80)
	return s[lo:hi]
}

// A pickle after a larger one grows its buffer to the larger one's size at
// once; Marshal hands out only a buffer the pickle fills at least half of,
// and copies a smaller pickle out at its size.
func TestMarshalAfterLargerPickle(t *testing.T) {
	large := make([]string, 0, 3000)
	for i := range cap(large) {
		large = append(large, strings.Repeat(string(rune('a'+i%26)), 4000))
	}
	for _, v := range []any{large, large[:400], large[:10], large} {
		data, err := Marshal(v)
		require.NoError(t, err)
		require.LessOrEqual(t, cap(data), 2*len(data)+4096, "%d strings", len(v.([]string)))
		var back []string
		require.NoError(t, Unmarshal(data, &back))
		require.Equal(t, v, back)
	}
}

// A long list, pickled with nothing to go by (Marshal's pooled state
// dropped by two collections), grows its buffer to its expected size
// rather than doubling into memory it copies and drops.
func TestMarshalLongListAllocatesItsSize(t *testing.T) {
	floats := make([]float64, 1<<20)
	for i := range floats {
		floats[i] = float64(i) * 1.25
	}
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	data, err := Marshal(floats)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, 2*uint64(len(data)), "allocated %d bytes for a pickle of %d", allocated, len(data))
}
