package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	gopickle "github.com/nlpodyssey/gopickle/pickle"
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

type benchRec struct {
	ID    int64   `pickle:"id"`
	Name  string  `pickle:"name"`
	Score float64 `pickle:"score"`
	Tag   *string `pickle:"tag"`
	Count int64   `pickle:"count"`
}

type benchNested struct {
	ID   int64    `pickle:"id"`
	Tags []string `pickle:"tags"`
	Pos  [2]int   `pickle:"pos"`
	Meta struct {
		K int64     `pickle:"k"`
		V []float64 `pickle:"v"`
	} `pickle:"meta"`
}

type benchCase struct {
	name   string
	data   []byte
	target func() any // typed target
}

var benchCases = sync1(func() []benchCase {
	var cs []benchCase
	w := newPW()
	w.list(100000, func(i int) {
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
	cs = append(cs, benchCase{"dicts100k", w.done(), func() any { return new([]benchRec) }})
	w = newPW()
	w.list(1000000, func(i int) { w.int(int64(i)) })
	cs = append(cs, benchCase{"ints1M", w.done(), func() any { return new([]int64) }})
	w = newPW()
	w.list(1000000, func(i int) { w.float(float64(i) * 1.25) })
	cs = append(cs, benchCase{"floats1M", w.done(), func() any { return new([]float64) }})
	w = newPW()
	w.list(100000, func(i int) { w.str(fmt.Sprintf("string number %d", i)) })
	cs = append(cs, benchCase{"strings100k", w.done(), func() any { return new([]string) }})
	w = newPW()
	w.op(opBinbytes)
	binary.Write(&w.b, binary.LittleEndian, uint32(32<<20))
	w.b.Write(bytes.Repeat([]byte{0xab}, 32<<20))
	w.memoize()
	cs = append(cs, benchCase{"bytes32MiB", w.done(), func() any { return new([]byte) }})
	w = newPW()
	w.list(20000, func(i int) {
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
	cs = append(cs, benchCase{"nested20k", w.done(), func() any { return new([]benchNested) }})
	return cs
})

func sync1[T any](f func() T) func() T {
	var v T
	done := false
	return func() T {
		if !done {
			v, done = f(), true
		}
		return v
	}
}

func TestBenchPicklesDecode(t *testing.T) {
	for _, c := range benchCases() {
		var v any
		if err := Unmarshal(c.data, &v); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := Unmarshal(c.data, c.target()); err != nil {
			t.Fatalf("%s typed: %v", c.name, err)
		}
	}
	// MPCONN_BENCH_DIR=dir writes the pickles for testdata/bench_loads.py.
	if dir := os.Getenv("MPCONN_BENCH_DIR"); dir != "" {
		for _, c := range benchCases() {
			if err := os.WriteFile(filepath.Join(dir, c.name+".pickle"), c.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	cases := benchCases()
	sort.SliceStable(cases, func(i, j int) bool { return false })
	for _, c := range cases {
		b.Run(c.name+"/any", func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := Unmarshal(c.data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/typed", func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Unmarshal(c.data, c.target()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/gopickle", func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			s := string(c.data)
			for b.Loop() {
				if _, err := gopickle.Loads(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
