// Package benchdata builds the benchmark datasets shared by the pickle
// micro-benchmarks (pickle/bench_test.go, pickle/encode_bench_test.go) and the
// side-by-side comparison command (internal/bench).
//
// Decode cases are pickles written the way CPython's C pickler writes them, so
// no Python is needed to build them; testdata/bench_loads.py times CPython's
// pickle.loads on the same bytes. Encode datasets are the Go values whose
// pickles testdata/bench_dumps.py builds and times in CPython.
//
// The package does not import package pickle (pickle's own tests import it).
package benchdata

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// Pickle opcodes used by the writer (see pickle/ops.go).
const (
	opBinint          = 0x4a
	opBinint1         = 0x4b
	opBinint2         = 0x4d
	opBinbytes        = 0x42
	opNone            = 0x4e
	opShortBinunicode = 0x8c
	opBinunicode      = 0x58
	opBinfloat        = 0x47
	opEmptyList       = 0x5d
	opAppends         = 0x65
	opTuple2          = 0x86
	opEmptyDict       = 0x7d
	opSetitems        = 0x75
	opMark            = 0x28
	opBinget          = 0x68
	opLongBinget      = 0x6a
	opMemoize         = 0x94
	opStop            = 0x2e
)

// pw writes protocol 4 pickles the way CPython's C pickler does (MEMOIZE
// after every str and container, BINGET for strings seen before, APPENDS /
// SETITEMS in batches of 1000), so benchmarks need no Python.
type pw struct {
	b    bytes.Buffer
	memo map[string]int
	n    int
}

func newPW() *pw {
	w := &pw{memo: map[string]int{}}
	w.b.WriteString("\x80\x04")
	return w
}

func (w *pw) memoize()  { w.b.WriteByte(opMemoize); w.n++ }
func (w *pw) op(b byte) { w.b.WriteByte(b) }
func (w *pw) str(s string) {
	if i, ok := w.memo[s]; ok {
		if i < 256 {
			w.b.Write([]byte{opBinget, byte(i)})
		} else {
			w.b.WriteByte(opLongBinget)
			binary.Write(&w.b, binary.LittleEndian, uint32(i))
		}
		return
	}
	if len(s) < 256 {
		w.b.Write([]byte{opShortBinunicode, byte(len(s))})
	} else {
		w.b.WriteByte(opBinunicode)
		binary.Write(&w.b, binary.LittleEndian, uint32(len(s)))
	}
	w.b.WriteString(s)
	w.memo[s] = w.n
	w.memoize()
}
func (w *pw) int(i int64) {
	switch {
	case i >= 0 && i < 256:
		w.b.Write([]byte{opBinint1, byte(i)})
	case i >= 0 && i < 65536:
		w.b.WriteByte(opBinint2)
		binary.Write(&w.b, binary.LittleEndian, uint16(i))
	default:
		w.b.WriteByte(opBinint)
		binary.Write(&w.b, binary.LittleEndian, int32(i))
	}
}
func (w *pw) float(f float64) {
	w.b.WriteByte(opBinfloat)
	binary.Write(&w.b, binary.BigEndian, math.Float64bits(f))
}
func (w *pw) list(n int, item func(i int)) {
	w.op(opEmptyList)
	w.memoize()
	for i := 0; i < n; i += 1000 {
		w.op(opMark)
		for j := i; j < min(n, i+1000); j++ {
			item(j)
		}
		w.op(opAppends)
	}
}
func (w *pw) done() []byte { w.op(opStop); return w.b.Bytes() }

// Rec is one element of the "dicts100k" decode case, decoded typed.
type Rec struct {
	ID    int64   `pickle:"id"`
	Name  string  `pickle:"name"`
	Score float64 `pickle:"score"`
	Tag   *string `pickle:"tag"`
	Count int64   `pickle:"count"`
}

// Nested is one element of the "nested20k" decode case, decoded typed.
type Nested struct {
	ID   int64    `pickle:"id"`
	Tags []string `pickle:"tags"`
	Pos  [2]int   `pickle:"pos"`
	Meta struct {
		K int64     `pickle:"k"`
		V []float64 `pickle:"v"`
	} `pickle:"meta"`
}

// DecodeCase is one decode benchmark: a pickle and a typed target for it.
type DecodeCase struct {
	Name   string
	Data   []byte
	Target func() any // a fresh pointer to the typed target
}

// DecodeCases returns the decode benchmark pickles, built once.
var DecodeCases = sync.OnceValue(func() []DecodeCase { return ScaledDecodeCases(1) })

// ScaledDecodeCases builds the decode cases with 1/div of the elements (and
// of the blob's bytes); the names stay those of the full-size cases.
func ScaledDecodeCases(div int) []DecodeCase {
	n := func(full int) int { return max(1, full/div) }
	var cs []DecodeCase
	w := newPW()
	w.list(n(100000), func(i int) {
		w.op(opEmptyDict)
		w.memoize()
		w.op(opMark)
		w.str("id")
		w.int(int64(i))
		w.str("name")
		w.str(fmt.Sprintf("name%d", i))
		w.str("score")
		w.float(float64(i) * 0.5)
		w.str("tag")
		w.op(opNone)
		w.str("count")
		w.int(int64(i % 1000))
		w.op(opSetitems)
	})
	cs = append(cs, DecodeCase{"dicts100k", w.done(), func() any { return new([]Rec) }})
	w = newPW()
	w.list(n(1000000), func(i int) { w.int(int64(i)) })
	cs = append(cs, DecodeCase{"ints1M", w.done(), func() any { return new([]int64) }})
	w = newPW()
	w.list(n(1000000), func(i int) { w.float(float64(i) * 1.25) })
	cs = append(cs, DecodeCase{"floats1M", w.done(), func() any { return new([]float64) }})
	w = newPW()
	w.list(n(100000), func(i int) { w.str(fmt.Sprintf("string number %d", i)) })
	cs = append(cs, DecodeCase{"strings100k", w.done(), func() any { return new([]string) }})
	w = newPW()
	w.op(opBinbytes)
	binary.Write(&w.b, binary.LittleEndian, uint32(n(32<<20)))
	w.b.Write(bytes.Repeat([]byte{0xab}, n(32<<20)))
	w.memoize()
	cs = append(cs, DecodeCase{"bytes32MiB", w.done(), func() any { return new([]byte) }})
	w = newPW()
	w.list(n(20000), func(i int) {
		w.op(opEmptyDict)
		w.memoize()
		w.op(opMark)
		w.str("id")
		w.int(int64(i))
		w.str("tags")
		w.op(opEmptyList)
		w.memoize()
		w.op(opMark)
		w.str("a")
		w.str("b")
		w.op(opAppends)
		w.str("pos")
		w.int(int64(i))
		w.int(int64(2 * i))
		w.op(opTuple2)
		w.memoize()
		w.str("meta")
		w.op(opEmptyDict)
		w.memoize()
		w.op(opMark)
		w.str("k")
		w.int(int64(i))
		w.str("v")
		w.op(opEmptyList)
		w.memoize()
		w.op(opMark)
		w.float(1.5)
		w.float(2.5)
		w.op(opAppends)
		w.op(opSetitems)
		w.op(opSetitems)
	})
	cs = append(cs, DecodeCase{"nested20k", w.done(), func() any { return new([]Nested) }})
	return cs
}

// Owner is the "owner" field of a Record.
type Owner struct {
	Name  string `pickle:"name"`
	Email string `pickle:"email"`
}

// Record is one element of the "records100k" encode dataset.
type Record struct {
	ID     int       `pickle:"id"`
	Name   string    `pickle:"name"`
	Tags   []string  `pickle:"tags"`
	Owner  Owner     `pickle:"owner"`
	Scores []float64 `pickle:"scores"`
	Active bool      `pickle:"active"`
}

// EncodeSet is one encode benchmark dataset. Names with a "_typed" suffix are
// the same Python value as the name before it, held in typed Go slices
// rather than []any.
type EncodeSet struct {
	Name string
	Make func() any
}

// EncodeDatasets lists the datasets of testdata/bench_dumps.py; each is built
// when used, so that only one is alive (and scanned by the collector) at a
// time.
func EncodeDatasets() []EncodeSet { return ScaledEncodeDatasets(1) }

// ScaledEncodeDatasets lists the datasets with 1/div of the elements (and of
// the blob's bytes); the names stay those of the full-size datasets.
func ScaledEncodeDatasets(div int) []EncodeSet {
	n := func(full int) int { return max(1, full/div) }
	ints := func() []int {
		v := make([]int, n(1000000))
		for i := range v {
			v[i] = i
		}
		return v
	}
	floats := func() []float64 {
		v := make([]float64, n(1000000))
		for i := range v {
			v[i] = float64(i) * 0.5
		}
		return v
	}
	strs := func() []string {
		v := make([]string, n(100000))
		for i := range v {
			v[i] = fmt.Sprintf("string number %d", i)
		}
		return v
	}
	return []EncodeSet{
		{"dicts100k", func() any {
			v := make([]any, n(100000))
			for i := range v {
				v[i] = map[string]any{"name": fmt.Sprintf("user%d", i), "id": i, "score": float64(i) * 1.5, "extra": nil}
			}
			return v
		}},
		{"ints1M", func() any { return ToAny(ints()) }},
		{"ints1M_typed", func() any { return ints() }},
		{"floats1M", func() any { return ToAny(floats()) }},
		{"floats1M_typed", func() any { return floats() }},
		{"strings100k", func() any { return ToAny(strs()) }},
		{"strings100k_typed", func() any { return strs() }},
		{"bytes32M", func() any {
			v := make([]byte, n(32<<20))
			for i := range v {
				v[i] = byte(i)
			}
			return v
		}},
		{"records100k", func() any {
			v := make([]Record, n(100000))
			for i := range v {
				v[i] = Record{
					ID: i, Name: fmt.Sprintf("record %d", i), Tags: []string{"a", "b", "c"},
					Owner:  Owner{Name: fmt.Sprintf("owner %d", i), Email: fmt.Sprintf("o%d@example.com", i)},
					Scores: []float64{float64(i) * 0.5, float64(i) * 0.25, 1.0}, Active: i%2 == 0,
				}
			}
			return v
		}},
	}
}

// ToAny copies s into a []any.
func ToAny[T any](s []T) []any {
	v := make([]any, len(s))
	for i, x := range s {
		v[i] = x
	}
	return v
}

// Small is the small object of the round-trip benchmarks: a dict of a few
// str/int/float/None fields, {'id': 12345, 'name': 'alice', 'score': 3.25,
// 'tag': None, 'kind': 'job'} in Python.
type Small struct {
	ID    int64   `pickle:"id"`
	Name  string  `pickle:"name"`
	Score float64 `pickle:"score"`
	Tag   *string `pickle:"tag"`
	Kind  string  `pickle:"kind"`
}

// NewSmall returns the small object.
func NewSmall() Small { return Small{ID: 12345, Name: "alice", Score: 3.25, Kind: "job"} }

// SmallPython is the same object as a Python expression.
const SmallPython = "{'id': 12345, 'name': 'alice', 'score': 3.25, 'tag': None, 'kind': 'job'}"
