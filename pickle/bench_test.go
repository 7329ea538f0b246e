package pickle

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mpconn/mpconn/internal/benchdata"
	gopickle "github.com/nlpodyssey/gopickle/pickle"
)

// The decode datasets live in internal/benchdata, shared with the
// comparison command (internal/bench); testdata/bench_loads.py times
// CPython's pickle.loads on the same bytes.
var benchCases = benchdata.DecodeCases

func TestBenchPicklesDecode(t *testing.T) {
	for _, c := range benchCases() {
		var v any
		if err := Unmarshal(c.Data, &v); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if err := Unmarshal(c.Data, c.Target()); err != nil {
			t.Fatalf("%s typed: %v", c.Name, err)
		}
	}
	// MPCONN_BENCH_DIR=dir writes the pickles for testdata/bench_loads.py.
	if dir := os.Getenv("MPCONN_BENCH_DIR"); dir != "" {
		for _, c := range benchCases() {
			if err := os.WriteFile(filepath.Join(dir, c.Name+".pickle"), c.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	cases := benchCases()
	sort.SliceStable(cases, func(i, j int) bool { return false })
	for _, c := range cases {
		b.Run(c.Name+"/any", func(b *testing.B) {
			b.SetBytes(int64(len(c.Data)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := Unmarshal(c.Data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.Name+"/typed", func(b *testing.B) {
			b.SetBytes(int64(len(c.Data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Unmarshal(c.Data, c.Target()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.Name+"/gopickle", func(b *testing.B) {
			b.SetBytes(int64(len(c.Data)))
			b.ReportAllocs()
			s := string(c.Data)
			for b.Loop() {
				if _, err := gopickle.Loads(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
