package pickle

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type directName string

type directEmbedded struct {
	E1 int    `pickle:"e1"`
	E2 string `pickle:"e2"`
}

type directInner struct {
	X int8     `pickle:"x"`
	Y []string `pickle:"y"`
}

type directTarget struct {
	directEmbedded
	A  int              `pickle:"a"`
	B  string           `pickle:"b"`
	C  []float64        `pickle:"c"`
	D  *string          `pickle:"d"`
	E  map[string]int64 `pickle:"e"`
	F  [2]int           `pickle:"f"`
	G  bool             `pickle:"g"`
	H  float32          `pickle:"h"`
	I  directInner      `pickle:"i"`
	P  *int             `pickle:"p"`
	U  uint16           `pickle:"u"`
	N  directName       `pickle:"n"`
	L  []directTarget   `pickle:"l"`
	Z  any              `pickle:"z"` // no direct plan: the machine's
	BS []byte           `pickle:"bs"`
	ID int64
}

// directTargets makes fresh targets of the types the direct decoder
// takes, some empty and some holding values already (which the machine
// decodes into, and so must the direct decoder).
func directTargets() []any {
	s := "old"
	return []any{
		new([]int64), new([]int), new([]int8), new([]uint16), new([]float64), new([]float32),
		new([]string), new([]bool), new([][]string), new([][2]int), new([2]int), new([3]float64),
		new(map[string]int), new(map[string]string), new(map[string][]int), new(map[directName]any),
		new(directTarget), new([]directTarget), new(map[string]directTarget),
		new(string), new(int64), new(uint32), new(float32), new(bool), new(*string), new(directName),
		new([]byte), new([][]byte), new(map[string][]byte),
		new(map[int]string), new(map[int64][]int), new(map[uint8]int), new(map[float64]any), new(map[bool]int),
		&directTarget{A: 7, B: "kept", D: &s, E: map[string]int64{"k": 1}, I: directInner{X: 3}},
		&map[string]int{"kept": 1},
		&[]int64{1, 2, 3},
		&[]directTarget{{A: 1}},
		new([]benchdata.Rec), new([]benchdata.Nested),
		new(any), new([]any), new(map[string]any), new(Tuple),
	}
}

// directOptions are the options that change what the direct decoder
// takes.
var directOptions = [][]Option{nil, {Py2StringsAsBytes()}}

// checkDirect decodes data into each target with and without the direct
// decoder, with each of directOptions: the same value, or the same error.
func checkDirect(t *testing.T, data []byte) {
	t.Helper()
	for _, opts := range directOptions {
		machine, direct := directTargets(), directTargets()
		for i := range machine {
			errM := unmarshal(data, machine[i], opts, false)
			errD := unmarshal(data, direct[i], opts, true)
			if fmt.Sprint(errM) != fmt.Sprint(errD) {
				t.Fatalf("%T, %d options: machine: %v; direct: %v\npickle %x", machine[i], len(opts), errM, errD, data)
			}
			if !reflect.DeepEqual(machine[i], direct[i]) && !sameWithNaN(machine[i], direct[i]) && !sameByRepr(machine[i], direct[i]) {
				t.Fatalf("%T, %d options: machine: %#v; direct: %#v\npickle %x", machine[i], len(opts), machine[i], direct[i], data)
			}
		}
	}
}

// sameByRepr compares values by their Python repr: a set or dict key
// holding an instance is hashed by its identity, so two decodes of one set
// are never DeepEqual.
func sameByRepr(a, b any) bool {
	x, y := reflect.ValueOf(a).Elem().Interface(), reflect.ValueOf(b).Elem().Interface()
	return reflect.TypeOf(x) == reflect.TypeOf(y) && pyRepr(x) == pyRepr(y)
}

// sameWithNaN compares values holding a NaN (never DeepEqual) by print.
func sameWithNaN(a, b any) bool {
	s := fmt.Sprint(reflect.ValueOf(a).Elem())
	return strings.Contains(strings.ToLower(s), "nan") && s == fmt.Sprint(reflect.ValueOf(b).Elem())
}

// Every pickle of the corpus (written by every CPython) and of the
// benchmarks decodes the same with and without the direct decoder.
func TestDirectMatchesMachine(t *testing.T) {
	for _, b := range corpusPickles(t) {
		checkDirect(t, b)
	}
}

// corpusPickles are every pickle of the corpus (written by every CPython)
// and of the benchmarks.
func corpusPickles(t *testing.T) [][]byte {
	var pickles [][]byte
	for _, path := range snapshotFiles(t) {
		for _, e := range loadCorpusFile(t, path).Entries {
			for _, h := range e.Pickles {
				b, err := hex.DecodeString(h)
				require.NoError(t, err)
				pickles = append(pickles, b)
			}
		}
	}
	require.NotEmpty(t, pickles)
	for _, c := range benchdata.ScaledDecodeCases(1000) {
		pickles = append(pickles, c.Data)
	}
	return pickles
}

// The direct decoder takes the shapes CPython writes, and refuses (to the
// machine) what it does not take; each case checks both.
func TestDirectShapes(t *testing.T) {
	type pair struct {
		A []int          `pickle:"a"`
		B map[string]int `pickle:"b"`
		C string         `pickle:"c"`
	}
	cases := []struct {
		name   string
		v      any
		direct bool // the direct decoder decodes it
		target func() any
	}{
		{"one-item list", []any{1}, true, func() any { return new([]int) }},
		{"empty list in a dict", map[string]any{"a": []any{}}, true, func() any { return new(pair) }},
		{"one-item list in a dict", map[string]any{"a": []any{5}}, true, func() any { return new(pair) }},
		{"one-item dict in a dict", map[string]any{"b": map[string]any{"x": 1}}, true, func() any { return new(pair) }},
		{"empty dict, then a key", func() any {
			d := NewDict(2)
			_ = d.Set("b", map[string]any{})
			_ = d.Set("c", "x")
			return d
		}(), true, func() any { return new(pair) }},
		{"list of one-item lists", []any{[]any{1}, []any{2}}, true, func() any { return new([][]int) }},
		// An empty list among items, then a container: that container
		// may be the list's one item; only its end would tell.
		{"list of empty lists", []any{[]any{}, []any{}}, false, func() any { return new([][]int) }},
		{"tuples", []any{Tuple{1, 2}, Tuple{3, 4}}, true, func() any { return new([][2]int) }},
		{"long tuple", Tuple{1, 2, 3, 4, 5}, true, func() any { return new([]int) }},
		{"repeated keys", []any{map[string]any{"c": "x"}, map[string]any{"c": "y"}}, true, func() any { return new([]pair) }},
		{"big ints", []any{int64(math.MaxInt64), int64(math.MinInt64)}, true, func() any { return new([]int64) }},
		{"overflow", []any{300}, false, func() any { return new([]int8) }},
		{"unknown field", map[string]any{"zz": 1}, false, func() any { return new(pair) }},
		{"float into int", []any{1.5}, false, func() any { return new([]int) }},
		{"shared list", func() any { l := []any{1}; return []any{l, l} }(), false, func() any { return new([][]int) }},
		{"list of one-item dicts", []any{map[string]any{"c": "x"}}, true, func() any { return new([]pair) }},
		{"one-item list of one container", []any{[]any{1, 2}}, true, func() any { return new([][]int) }},
		{"one-item list of one container, in a list", []any{[]any{[]any{1, 2}}, []any{}}, false, func() any { return new([][][]int) }},
		{"truncated", []any{1, 2}, false, func() any { return new([]int) }},
		{"int keys", map[int]string{1: "a", 2: "b", -3: "c"}, true, func() any { return new(any) }},
		{"int keys, typed", map[int]string{1: "a", 2: "b", -3: "c"}, true, func() any { return new(map[int]string) }},
		{"one int key", map[int]any{7: 1.5}, true, func() any { return new(any) }},
		{"scalar keys", func() any {
			d := NewDict(4)
			for _, k := range []any{nil, 2.5, []byte("b"), true} {
				_ = d.Set(k, 1)
			}
			return d
		}(), true, func() any { return new(any) }},
		{"sets", []any{mustSet(t, 1, "a", 2.5), mustSet(t), map[string]any{"s": mustSet(t, nil), "n": 1}}, true, func() any { return new(any) }},
		{"one-item list of a set", []any{mustSet(t, 3)}, true, func() any { return new(any) }},
		{"set of tuples", []any{mustSet(t, Tuple{1, 2})}, false, func() any { return new(any) }},
		{"tuples as values", map[int]any{1: Tuple{2, 3}, 4: Tuple{5}, 6: 7}, true, func() any { return new(any) }},
		{"int keys after str keys", func() any {
			d := NewDict(2)
			_ = d.Set("a", 1)
			_ = d.Set(2, 3)
			return d
		}(), true, func() any { return new(any) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := Marshal(c.v, Deterministic())
			require.NoError(t, err)
			if c.name == "truncated" {
				data = data[:len(data)-1]
			}
			checkDirect(t, data)
			target := c.target()
			s := &smallMachine{}
			s.cfg.init(nil)
			s.init(data, &s.cfg, 0)
			ok := s.decodeDirect(reflect.ValueOf(target).Elem())
			require.Equal(t, c.direct, ok)
		})
	}
}

// Bytes, and Python 2 strs as str or (Py2StringsAsBytes) as bytes, made
// and fetched again from the memo, are decoded directly, as the machine
// decodes them.
func TestDirectBytesAndPython2Strings(t *testing.T) {
	cases := []struct {
		name   string
		pickle string // written by the CPython the name says
		opts   []Option
		target func() any
	}{
		// pickle.dumps([b'ab', b'', {'k': b'x'}, 'ab', b'ab'], 4): the
		// last b'ab' is a memo GET.
		{"bytes p4", "8004951f000000000000005d942843026162944300947d948c016b9443017894738c026162946801652e", nil, func() any { return new(any) }},
		{"bytes p3", "80035d71002843026162710143007102652e", nil, func() any { return new([][]byte) }},
		{"bytes into strings", "80035d71002843026162710143007102652e", nil, func() any { return new([]string) }},
		// 2.7: cPickle.dumps(['ab', {'k': 'x', 'n': 1}, u'\xe9', 'ab'], 2),
		// the last 'ab' a memo GET.
		{"2.7 strs", "80025d7101285502616271027d71032855016b55017855016e4b01755802000000c3a96802652e", nil, func() any { return new(any) }},
		// 2.7: cPickle.dumps(['ab', 'ab', ''], 2) with Py2StringsAsBytes.
		{"2.7 strs as bytes", "80025d71012855026162710268025500652e", []Option{Py2StringsAsBytes()}, func() any { return new(any) }},
		{"2.7 strs as bytes, typed", "80025d71012855026162710268025500652e", []Option{Py2StringsAsBytes()}, func() any { return new([][]byte) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := hex.DecodeString(c.pickle)
			require.NoError(t, err)
			checkDirect(t, data)
			target := c.target()
			s := &smallMachine{}
			s.cfg.init(c.opts)
			s.init(data, &s.cfg, 0)
			require.True(t, s.decodeDirect(reflect.ValueOf(target).Elem()))
			want := c.target()
			require.NoError(t, unmarshal(data, want, c.opts, false))
			require.Equal(t, want, target)
		})
	}
}

// A target holding values is decoded directly too (a message received
// into the same struct again and again), unless the pickle would write
// into a map, slice or pointee it holds; a pickle refused after the
// direct decoder wrote some fields leaves the target as it was.
func TestDirectNonZeroTargets(t *testing.T) {
	type msg struct {
		N int            `pickle:"n"`
		S string         `pickle:"s"`
		M map[string]int `pickle:"m"`
		P *int           `pickle:"p"`
		L []string       `pickle:"l"`
	}
	one := 1
	cases := []struct {
		name   string
		v      any
		target msg
		direct bool
	}{
		{"scalars", map[string]any{"n": 2, "s": "new"}, msg{N: 1, S: "old", M: map[string]int{"k": 1}, P: &one, L: []string{"x"}}, true},
		{"into a nil map", map[string]any{"m": map[string]any{"a": 1}}, msg{N: 1}, true},
		{"into a map it holds", map[string]any{"m": map[string]any{"a": 1}}, msg{M: map[string]int{"k": 1}}, false},
		{"through a pointer it holds", map[string]any{"p": 5}, msg{P: &one}, false},
		{"into a slice it holds", map[string]any{"l": []any{"y"}}, msg{L: []string{"x"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := Marshal(c.v, Deterministic())
			require.NoError(t, err)
			checkDirect(t, data)
			target, want := c.target, c.target
			if c.target.P != nil {
				p := *c.target.P
				want.P = &p
			}
			s := &smallMachine{}
			s.cfg.init(nil)
			s.init(data, &s.cfg, 0)
			require.Equal(t, c.direct, s.decodeDirect(reflect.ValueOf(&target).Elem()))
			if !c.direct {
				require.Equal(t, c.target, target, "given up on: put back as it was")
				require.Equal(t, 1, one)
				return
			}
			require.NoError(t, unmarshal(data, &want, nil, false))
			require.Equal(t, want, target)
		})
	}
	data, err := Marshal(map[string]any{"s": "new", "n": 2}, Deterministic())
	require.NoError(t, err)
	target := msg{N: 1, S: "old"}
	require.Error(t, Unmarshal(data[:len(data)-1], &target))
	require.Equal(t, msg{N: 1, S: "old"}, target, "a refused pickle leaves the target alone")
}

// The direct decoder's memo reuses the chunk of the last decode: a slot
// it grows into is unset, not what the last pickle put there (which made
// a MEMOIZE reuse an index, and a dict holding itself decode as a str).
func TestDirectMemoStartsEmpty(t *testing.T) {
	first, err := Marshal([]any{"a", "b", "c"})
	require.NoError(t, err)
	self, err := hex.DecodeString("8004950d000000000000007d948c0473656c66946800732e") // d = {}; d['self'] = d
	require.NoError(t, err)
	s := &smallMachine{}
	s.cfg.init(nil)
	s.init(first, &s.cfg, 0)
	var v any
	require.True(t, s.decodeDirect(reflect.ValueOf(&v).Elem()))
	s.init(self, &s.cfg, 0)
	var m map[directName]any
	require.False(t, s.decodeDirect(reflect.ValueOf(&m).Elem()), "a cycle is the machine's")
	require.Nil(t, m)
}

// Containers fetched again from the memo are decoded directly into `any`
// (in a second run that keeps what the memo holds), as the same Go value,
// as the machine shares them; a cycle is the machine's.
func TestDirectSharedContainers(t *testing.T) {
	l := []any{1, "x"}
	d := NewDict(2)
	require.NoError(t, d.Set("k", l))
	require.NoError(t, d.Set("n", 1))
	set := mustSet(t, 1, 2)
	tup := Tuple{1, 2}
	var chain []any
	prev := []any{0}
	for range 20 {
		chain = append(chain, prev)
		prev = []any{prev}
	}
	cases := []struct {
		name string
		v    any
	}{
		{"list", []any{l, l}},
		{"dict", []any{d, d, l}},
		{"set and tuple", []any{set, tup, set, tup, map[string]any{"s": set, "t": tup}}},
		{"a chain nesting only through GETs", chain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := Marshal(c.v, Deterministic())
			require.NoError(t, err)
			checkDirect(t, data)
			var got, want any
			s := &smallMachine{}
			s.cfg.init(nil)
			s.init(data, &s.cfg, 0)
			require.True(t, s.decodeDirect(reflect.ValueOf(&got).Elem()))
			require.NoError(t, unmarshal(data, &want, nil, false))
			require.Equal(t, repr(want, 0), repr(got, 0))
		})
	}
	data, err := Marshal([]any{l, l, d, d})
	require.NoError(t, err)
	var v any
	require.NoError(t, Unmarshal(data, &v))
	items := v.([]any)
	require.Same(t, &items[0].([]any)[0], &items[1].([]any)[0], "one list")
	require.Same(t, items[2].(*Dict), items[3].(*Dict), "one dict")

	cycle, err := hex.DecodeString("8004950d000000000000007d948c0473656c66946800732e") // d = {}; d['self'] = d
	require.NoError(t, err)
	s := &smallMachine{}
	s.cfg.init(nil)
	s.init(cycle, &s.cfg, 0)
	require.False(t, s.decodeDirect(reflect.ValueOf(&v).Elem()), "a cycle is the machine's")
}

// FuzzDirect: on any input, the direct decoder decodes what the machine
// decodes, or leaves it to the machine.
func FuzzDirect(f *testing.F) {
	addCorpusSeeds(f)
	for _, c := range benchdata.ScaledDecodeCases(10000) {
		f.Add(c.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDirect(t, data)
	})
}

// A str fetched again from the memo is the same Go string, as the
// machine gives it: re-encoded, it is written once and fetched, as
// CPython wrote it.
func TestDirectSharesMemoizedStrings(t *testing.T) {
	data, err := Marshal([]any{map[string]any{"k": 1}, map[string]any{"k": 2}})
	require.NoError(t, err)
	var v any
	require.NoError(t, Unmarshal(data, &v))
	l := v.([]any)
	k0, k1 := l[0].(*Dict).Keys()[0].(string), l[1].(*Dict).Keys()[0].(string)
	require.Equal(t, unsafe.StringData(k0), unsafe.StringData(k1))
	again, err := Marshal(v)
	require.NoError(t, err)
	require.Equal(t, data, again)
}

// Direct decodes hand their machine to the next Unmarshal: what one
// decode returned must not change when later decodes run. Every corpus
// pickle is decoded into any and kept, all of them after one another, then
// each is compared with what the machine alone makes of it.
func TestDirectResultsOutliveTheirMachine(t *testing.T) {
	pickles := corpusPickles(t)
	kept := make([]any, len(pickles))
	errs := make([]error, len(pickles))
	for i, b := range pickles {
		errs[i] = Unmarshal(b, &kept[i])
	}
	for i, b := range pickles {
		var again any
		err := unmarshal(b, &again, nil, false)
		if err != nil || errs[i] != nil {
			assert.Equal(t, err, errs[i], "pickle %d", i)
			continue
		}
		assert.Equal(t, repr(again, 0), repr(kept[i], 0), "pickle %d changed after later decodes", i)
	}
}

// A Decoder decodes directly too, from its own buffer, which it reuses:
// every corpus pickle, streamed back to back, decodes as the machine
// alone decodes it on its own, and stays so while the stream goes on.
func TestDecoderDecodesDirectly(t *testing.T) {
	var stream bytes.Buffer
	var pickles [][]byte
	for _, b := range corpusPickles(t) {
		var v any
		if unmarshal(b, &v, nil, false) != nil {
			continue // a stream ends at its first bad pickle
		}
		pickles = append(pickles, b)
		stream.Write(b)
	}
	dec := NewDecoder(iotest.OneByteReader(&stream))
	kept := make([]any, len(pickles))
	for i := range pickles {
		require.NoError(t, dec.Decode(&kept[i]), "pickle %d", i)
	}
	require.ErrorIs(t, dec.Decode(new(any)), io.EOF)
	for i, b := range pickles {
		var want any
		require.NoError(t, unmarshal(b, &want, nil, false))
		assert.Equal(t, repr(want, 0), repr(kept[i], 0), "pickle %d", i)
	}
}

// The direct decoder's memo grows in chunks: a pickle memoizing more than
// a few chunks' worth of objects, fetching strs from the first chunk and
// from later ones, decodes directly, as the machine decodes it.
func TestDirectMemoAcrossChunks(t *testing.T) {
	type rec struct {
		Name string `pickle:"name"`
		City string `pickle:"city"`
	}
	cities := []string{"Zürich", "Αθήνα", "東京"}
	late := []string{fmt.Sprint("Kraków"), fmt.Sprint("서울")} // memoized far beyond the first chunk, then fetched
	var recs []any
	for i := range 3 * chunkLen {
		city := cities[i%len(cities)]
		if i > 2*chunkLen {
			city = late[i%len(late)]
		}
		recs = append(recs, map[string]any{"name": fmt.Sprint("n", i), "city": city})
	}
	data, err := Marshal(recs)
	require.NoError(t, err)
	checkDirect(t, data)
	for _, target := range []any{new(any), new([]rec)} {
		s := new(smallMachine)
		s.cfg.init(nil)
		s.init(data, &s.cfg, 0)
		require.True(t, s.decodeDirect(reflect.ValueOf(target).Elem()), "%T decoded directly", target)
		require.Greater(t, s.direct.memos.len(), 2*chunkLen)
	}
}
