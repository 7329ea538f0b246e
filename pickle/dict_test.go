package pickle

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDictKeysCompareAsPython(t *testing.T) {
	huge, _ := new(big.Int).SetString("1267650600228229401496703205376", 10) // 2**100
	tests := []struct {
		name      string
		set, find any
		same      bool
	}{
		{"int and float", int64(1), 1.0, true},
		{"int and True", int64(1), true, true},
		{"zero and False", 0.0, false, true},
		{"int kinds", int8(7), uint64(7), true},
		{"big int that fits", big.NewInt(42), int64(42), true},
		{"big int and integral float", huge, math.Ldexp(1, 100), true},
		{"negative zero", 0.0, math.Copysign(0, -1), true},
		{"non-integral float", 1.5, 1.5, true},
		{"float is not its neighbour", 1.5, 1.25, false},
		{"str is not bytes", "a", []byte("a"), false},
		{"bytes by content", []byte("ab"), []byte{'a', 'b'}, true},
		{"tuple keys", Tuple{int64(1), "x"}, Tuple{1.0, "x"}, true},
		{"tuple order matters", Tuple{int64(1), int64(2)}, Tuple{int64(2), int64(1)}, false},
		{"nested tuple", Tuple{Tuple{}, nil}, Tuple{Tuple{}, nil}, true},
		{"tuple boundaries", Tuple{"ab", "c"}, Tuple{"a", "bc"}, false},
		{"complex with zero imaginary", complex(2, 0), int64(2), true},
		{"global", Global{"builtins", "int"}, Global{"builtins", "int"}, true},
		{"decimal", Decimal("1.5"), "1.5", false},
		{"None", nil, nil, true},
		{"frozenset ignores order", mustFrozen(t, int64(1), int64(2)), mustFrozen(t, 2.0, int64(1)), true},
	}
	for _, size := range []int{1, 20} { // linear scan and indexed
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%d", tt.name, size), func(t *testing.T) {
				d := NewDict(0)
				for i := 1; i < size; i++ {
					require.NoError(t, d.Set(fmt.Sprintf("filler%d", i), i))
				}
				require.NoError(t, d.Set(tt.set, "v"))
				v, ok := d.Get(tt.find)
				assert.Equal(t, tt.same, ok)
				if ok {
					assert.Equal(t, "v", v)
				}
			})
		}
	}
}

func mustFrozen(t *testing.T, items ...any) *FrozenSet {
	f, err := NewFrozenSet(items...)
	require.NoError(t, err)
	return f
}

func TestDictKeepsFirstKeyAndOrder(t *testing.T) {
	d := NewDict(0)
	require.NoError(t, d.Set(int64(1), "a"))
	require.NoError(t, d.Set("b", "b"))
	require.NoError(t, d.Set(1.0, "c")) // Python: d[1.0] = 'c' keeps key 1
	assert.Equal(t, []DictItem{{int64(1), "c"}, {"b", "b"}}, d.Items())

	assert.True(t, d.Delete(true))
	assert.False(t, d.Delete(true))
	assert.Equal(t, []any{"b"}, d.Keys())
}

func TestDictDeleteKeepsIndexRight(t *testing.T) {
	d := NewDict(0)
	for i := 0; i < 50; i++ {
		require.NoError(t, d.Set(int64(i), i))
	}
	for i := 0; i < 50; i += 3 {
		require.True(t, d.Delete(int64(i)))
	}
	for i := 0; i < 50; i++ {
		v, ok := d.Get(int64(i))
		require.Equal(t, i%3 != 0, ok, "key %d", i)
		if ok {
			require.Equal(t, i, v)
		}
	}
	var order []any
	for k := range d.All() {
		order = append(order, k)
	}
	assert.Equal(t, d.Keys(), order)
}

func TestUnhashableKeys(t *testing.T) {
	for _, key := range []any{[]any{}, NewDict(0), &Set{}, ByteArray("x"), Tuple{[]any{}}} {
		err := NewDict(0).Set(key, 1)
		assert.True(t, errors.Is(err, ErrUnhashable), "%T: %v", key, err)
	}
	_, err := NewSet([]any{int64(1)})
	assert.ErrorIs(t, err, ErrUnhashable)
}

func TestSetAndFrozenSet(t *testing.T) {
	s, err := NewSet(int64(1), 1.0, true, "1", []byte("1"))
	require.NoError(t, err)
	assert.Equal(t, 3, s.Len())
	assert.True(t, s.Has(1.0))
	assert.True(t, s.Remove(int64(1)))
	assert.False(t, s.Has(true))

	f := mustFrozen(t, mustFrozen(t, "x"), "y")
	assert.True(t, f.Has(mustFrozen(t, "x")), "a frozenset is hashable and compared by content")
	var nilSet *Set
	assert.Zero(t, nilSet.Len())
	assert.False(t, nilSet.Has(1))
}

func TestEqual(t *testing.T) {
	cyclic := make([]any, 1)
	cyclic[0] = cyclic
	cyclic2 := make([]any, 1)
	cyclic2[0] = cyclic2
	d1, d2 := NewDict(0), NewDict(0)
	require.NoError(t, d1.Set("a", int64(1)))
	require.NoError(t, d1.Set("b", []any{"x"}))
	require.NoError(t, d2.Set("b", []any{"x"}))
	require.NoError(t, d2.Set("a", 1.0))
	s1, _ := NewSet(int64(1), "a")
	s2, _ := NewSet("a", true)
	paris := time.FixedZone("CET", 3600)

	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"numbers across types", int64(1), 1.0, true},
		{"bool is int", true, int64(1), true},
		{"nan", math.NaN(), math.NaN(), false},
		{"list vs tuple", []any{int64(1)}, Tuple{int64(1)}, false},
		{"str vs bytes", "a", []byte("a"), false},
		{"bytes vs bytearray", []byte("a"), ByteArray("a"), true},
		{"dict order ignored", d1, d2, true},
		{"sets", s1, s2, true},
		{"cycles", cyclic, cyclic2, true},
		{"aware times by instant", time.Date(2024, 1, 1, 1, 0, 0, 0, paris), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"naive never equals aware", time.Date(2024, 1, 1, 0, 0, 0, 0, time.Local), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"objects by content", &Object{Class: Global{"m", "C"}, State: d1}, &Object{Class: Global{"m", "C"}, State: d2}, true},
		{"objects of other classes", &Object{Class: Global{"m", "C"}}, &Object{Class: Global{"m", "D"}}, false},
		{"exceptions", &Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"k"}}, &Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"k"}}, true},
		{"nil vs empty", nil, []any{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Equal(tt.a, tt.b))
			assert.Equal(t, tt.want, Equal(tt.b, tt.a))
		})
	}
}

func TestExceptionReadsLikePython(t *testing.T) {
	tests := []struct {
		exc  Exception
		want string
	}{
		{Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"missing"}}, "KeyError: 'missing'"},
		{Exception{Class: Global{"builtins", "ValueError"}, Args: Tuple{"bad value"}}, "ValueError: bad value"},
		{Exception{Class: Global{"builtins", "StopIteration"}}, "StopIteration"},
		{Exception{Class: Global{"builtins", "OSError"}, Args: Tuple{int64(2), "No such file"}}, "OSError: (2, 'No such file')"},
	}
	for _, tt := range tests {
		var err error = &tt.exc
		assert.Equal(t, tt.want, err.Error())
	}
}

func TestRegistryRegister(t *testing.T) {
	type Point struct{ X, Y int }
	r := NewRegistry()
	require.NoError(t, r.Register("geometry", "Point", Point{}))
	assert.Error(t, r.Register("geometry", "Point", struct{}{}), "class registered twice")
	assert.Error(t, r.Register("other", "P", &Point{}), "type registered twice")
	assert.Error(t, r.Register("m", "N", 3), "not a struct")

	typ, ok := r.TypeFor(Global{"geometry", "Point"})
	require.True(t, ok)
	g, ok := r.ClassFor(typ)
	require.True(t, ok)
	assert.Equal(t, Global{"geometry", "Point"}, g)
	_, ok = (*Registry)(nil).TypeFor(g)
	assert.False(t, ok)
}

func TestStructFields(t *testing.T) {
	type Inner struct {
		Shared string
		Deep   int `pickle:"deep"`
	}
	type Outer struct {
		Inner
		Name    string `pickle:"name,omitempty"`
		Skipped int    `pickle:"-"`
		private int
		Shared  string
	}
	fs := fieldsOf(reflect.TypeOf(Outer{}))
	var names []string
	for _, f := range fs.list {
		names = append(names, f.name)
	}
	assert.Equal(t, []string{"name", "Shared", "deep"}, names)
	shared, _ := fs.lookup("Shared")
	assert.Equal(t, []int{4}, shared.index, "the outer field shadows the promoted one")
	f, ok := fs.lookup("NAME")
	require.True(t, ok, "case-insensitive fallback")
	assert.True(t, f.omitEmpty)
	assert.Same(t, fs, fieldsOf(reflect.TypeOf(Outer{})), "cached for the process")
}

func TestStringsReadLikePython(t *testing.T) {
	s, _ := NewSet(int64(1), "a")
	tests := []struct {
		v    fmt.Stringer
		want string
	}{
		{Tuple{int64(1), "two"}, "(1, 'two')"},
		{Tuple{nil}, "(None,)"},
		{s, "{1, 'a'}"},
		{&Set{}, "set()"},
		{mustFrozen(t, int64(2)), "frozenset({2})"},
		{mustFrozen(t), "frozenset()"},
		{Global{"builtins", "sum"}, "builtins.sum"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.v.String())
		assert.Equal(t, tt.want, fmt.Sprint(tt.v))
	}
	d := NewDict(0)
	require.NoError(t, d.Set("a", []any{s}))
	assert.Equal(t, "pickle.Dict{'a': [{1, 'a'}]}", fmt.Sprintf("%#v", d))
	assert.Equal(t, "pickle.Set{1, 'a'}", fmt.Sprintf("%#v", s))
	assert.Equal(t, "pickle.frozenset({2})", fmt.Sprintf("%#v", mustFrozen(t, int64(2))))
}

type keyPoint struct{ X, Y int }

type centsKey int64

func (c centsKey) MarshalPickle() (any, error) {
	return Decimal(fmt.Sprintf("%d.%02d", c/100, c%100)), nil
}

// Keys are what Marshal makes of them, hashed as Python hashes that.
func TestDictKeysAreWhatMarshalWrites(t *testing.T) {
	p1, p2 := &keyPoint{1, 2}, &keyPoint{1, 2}
	tests := []struct {
		name      string
		set, find any
		same      bool
	}{
		{"complex64 is the number it equals", complex64(1), int64(1), true},
		{"complex64 and complex128", complex64(complex(1, 2)), complex(1, 2), true},
		{"Decimal equals the int", Decimal("2.0"), int64(2), true},
		{"Decimal ignores trailing zeros", Decimal("1.10"), Decimal("1.1"), true},
		{"Decimal equals the float it is exactly", Decimal("0.5"), 0.5, true},
		{"Decimal 1.1 is not the float 1.1", Decimal("1.1"), 1.1, false},
		{"Decimal infinity", Decimal("-Infinity"), math.Inf(-1), true},
		{"Decimal with a huge exponent", Decimal("1E+999999999"), Decimal("10E+999999998"), true},
		{"NaN finds nothing, not even NaN", math.NaN(), math.NaN(), false},
		{"a nil *big.Int is None", (*big.Int)(nil), nil, true},
		{"named string type is a str", myString("a"), "a", true},
		{"byte array is bytes", [2]byte{'a', 'b'}, []byte("ab"), true},
		{"a pointer to an int is the int", ptr(7), int64(7), true},
		{"pointers to structs are instances, by identity", p1, p2, false},
		{"the same pointer", p1, p1, true},
		{"a Marshaler is what it marshals to", centsKey(150), Decimal("1.5"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDict(0)
			require.NoError(t, d.Set(tt.set, "v"))
			_, ok := d.Get(tt.find)
			assert.Equal(t, tt.same, ok)
		})
	}

	d := NewDict(0)
	require.NoError(t, d.Set(math.NaN(), 1))
	require.NoError(t, d.Set(math.NaN(), 2))
	assert.Equal(t, 2, d.Len(), "two NaN keys are two keys, as in a dict Python decoded")

	self := Tuple{nil}
	self[0] = self
	for _, key := range []any{[]int{1}, map[string]int{}, keyPoint{1, 2}, [2]string{}, make(chan int), self, &Set{}, Decimal("sNaN")} {
		err := NewDict(0).Set(key, 1)
		assert.ErrorIs(t, err, ErrUnhashable, "%T", key)
	}
}

type myString string

func ptr[T any](v T) *T { return &v }

func TestNilBigIntIsNone(t *testing.T) {
	var x *big.Int
	assert.False(t, Equal(x, int64(1)))
	assert.True(t, Equal(x, nil))
	assert.Equal(t, "NoneType", pyTypeName(x))
}

// What Dict accepts as a key, Marshal writes as a key CPython loads, or
// refuses: a pointer to a struct is an instance only when registered.
func TestMarshalChecksInstanceKeys(t *testing.T) {
	d := NewDict(0)
	require.NoError(t, d.Set(&keyPoint{1, 2}, "v"))
	_, err := Marshal(d)
	var te *UnsupportedTypeError
	require.ErrorAs(t, err, &te)
	assert.Contains(t, te.Reason, "a struct encodes as a dict")
	s, _ := NewSet(&keyPoint{1, 2})
	_, err = Marshal(s)
	require.ErrorAs(t, err, &te)

	reg := NewRegistry()
	require.NoError(t, reg.Register("geometry", "Point", keyPoint{}))
	data, err := Marshal(d, WithRegistry(reg))
	require.NoError(t, err)
	var back any
	require.NoError(t, Unmarshal(data, &back, WithRegistry(reg)))
	assert.Equal(t, &keyPoint{1, 2}, back.(*Dict).Keys()[0])
}

func TestEqualFollowsPython(t *testing.T) {
	s, _ := NewSet(int64(1), "a")
	f, _ := NewFrozenSet("a", 1.0)
	assert.True(t, Equal(s, f), "set([1, 'a']) == frozenset(['a', 1.0])")
	o1, o2 := NewOrderedDict(0), NewOrderedDict(0)
	d := NewDict(0)
	for _, x := range []*Dict{o1, d} {
		require.NoError(t, x.Set("a", 1))
		require.NoError(t, x.Set("b", 2))
	}
	require.NoError(t, o2.Set("b", 2))
	require.NoError(t, o2.Set("a", 1))
	assert.False(t, Equal(o1, o2), "OrderedDicts compare in order")
	assert.True(t, Equal(o1, d), "an OrderedDict and a dict do not")
	assert.True(t, Equal(Decimal("2.50"), 2.5))
	assert.False(t, Equal(Decimal("NaN"), Decimal("NaN")))
}

func TestOrderedDictAndDefaultDict(t *testing.T) {
	od := NewOrderedDict(0)
	require.NoError(t, od.Set("z", 1))
	assert.Equal(t, Global{"collections", "OrderedDict"}, od.Class())
	assert.Equal(t, "OrderedDict({'z': 1})", od.String())
	dd := NewDefaultDict(Global{"builtins", "list"}, 0)
	assert.Equal(t, Global{"collections", "defaultdict"}, dd.Class())
	assert.Equal(t, Global{"builtins", "list"}, dd.DefaultFactory())
	assert.Equal(t, "defaultdict(<builtins.list>, {})", dd.String())
	var zero Dict
	assert.Equal(t, Global{"builtins", "dict"}, zero.Class())
	assert.Nil(t, zero.DefaultFactory())
	for proto := 0; proto <= HighestProtocol; proto++ {
		data, err := Marshal([]any{od, dd}, WithProtocol(proto))
		require.NoError(t, err)
		var back []any
		require.NoError(t, Unmarshal(data, &back))
		assert.Equal(t, od.Class(), back[0].(*Dict).Class(), "protocol %d", proto)
		assert.Equal(t, dd.DefaultFactory(), back[1].(*Dict).DefaultFactory())
		assert.True(t, Equal(od, back[0]))
	}
}

// A dict whose keys are all str keeps no hash keys until something else
// needs them: every operation answers the same across that switch.
func TestDictStrKeysThenOthers(t *testing.T) {
	d := NewDict(0)
	require.NoError(t, d.Set("a", 1))
	require.NoError(t, d.Set("b", 2))
	require.NoError(t, d.Set("a", 3))
	require.Equal(t, 2, d.Len())
	v, ok := d.Get("a")
	require.True(t, ok)
	require.Equal(t, 3, v)
	_, ok = d.Get(int64(1))
	require.False(t, ok)
	require.NoError(t, d.Set(int64(1), "one"))
	require.NoError(t, d.Set("a", 4))
	require.Equal(t, []any{"a", "b", int64(1)}, d.Keys())
	v, _ = d.Get("a")
	require.Equal(t, 4, v)
	require.True(t, d.Delete("b"))
	require.Equal(t, []any{"a", int64(1)}, d.Keys())

	big := NewDict(0)
	for i := 0; i < 3*smallDict; i++ {
		require.NoError(t, big.Set(fmt.Sprint("k", i), i))
	}
	require.NoError(t, big.Set("k0", -1))
	require.Equal(t, 3*smallDict, big.Len())
	v, _ = big.Get("k0")
	require.Equal(t, -1, v)
	v, _ = big.Get(fmt.Sprint("k", 3*smallDict-1))
	require.Equal(t, 3*smallDict-1, v)
	require.True(t, big.Delete("k5"))
	_, ok = big.Get("k5")
	require.False(t, ok)

	// Sets of str compare, and hash as frozenset members, as before.
	s1, err := NewSet("x", "y")
	require.NoError(t, err)
	s2, err := NewSet("y", "x")
	require.NoError(t, err)
	require.True(t, Equal(s1, s2))
	require.True(t, s1.Has("x"))
	require.False(t, s1.Has(int64(0)))
	f1, err := NewFrozenSet("x", "y")
	require.NoError(t, err)
	f2, err := NewFrozenSet("y", "x")
	require.NoError(t, err)
	outer, err := NewSet(f1)
	require.NoError(t, err)
	require.True(t, outer.Has(f2))

	// Decoded dicts take the same path.
	var x any
	data, err := Marshal(map[string]any{"p": 1, "q": 2}, Deterministic())
	require.NoError(t, err)
	require.NoError(t, Unmarshal(data, &x))
	dd := x.(*Dict)
	require.NoError(t, dd.Set(int64(7), nil))
	v, _ = dd.Get("q")
	require.Equal(t, int64(2), v)
}

// Reading a dict or set whose keys are all str writes nothing: readers
// may share it (go test -race checks).
func TestDictStrKeysReadsShare(t *testing.T) {
	s1, err := NewSet("x", "y")
	require.NoError(t, err)
	s2, err := NewSet("y", "x")
	require.NoError(t, err)
	f, err := NewFrozenSet("x", "y")
	require.NoError(t, err)
	d := NewDict(2)
	require.NoError(t, d.Set("a", 1))
	done := make(chan bool)
	for range 2 {
		go func() {
			ok := Equal(s1, s2) && s1.Has("x")
			_, err := NewSet(f)
			_, found := d.Get("a")
			done <- ok && err == nil && found
		}()
	}
	require.True(t, <-done)
	require.True(t, <-done)
}
