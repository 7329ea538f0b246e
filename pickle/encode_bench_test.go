package pickle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The benchmark datasets are those of testdata/bench_dumps.py, which times
// CPython's C pickle.dumps on the same values:
//
//	go test ./pickle/ -run '^$' -bench Encode -benchmem
//	python3.13 pickle/testdata/bench_dumps.py

type benchOwner struct {
	Name  string `pickle:"name"`
	Email string `pickle:"email"`
}

type benchRecord struct {
	ID     int        `pickle:"id"`
	Name   string     `pickle:"name"`
	Tags   []string   `pickle:"tags"`
	Owner  benchOwner `pickle:"owner"`
	Scores []float64  `pickle:"scores"`
	Active bool       `pickle:"active"`
}

type benchSet struct {
	name string
	make func() any
}

// benchDatasets lists the datasets; each is built when used, so that only
// one is alive (and scanned by the collector) at a time.
func benchDatasets() []benchSet {
	ints := func() []int {
		v := make([]int, 1000000)
		for i := range v {
			v[i] = i
		}
		return v
	}
	floats := func() []float64 {
		v := make([]float64, 1000000)
		for i := range v {
			v[i] = float64(i) * 0.5
		}
		return v
	}
	strs := func() []string {
		v := make([]string, 100000)
		for i := range v {
			v[i] = fmt.Sprintf("string number %d", i)
		}
		return v
	}
	return []benchSet{
		{"dicts100k", func() any {
			v := make([]any, 100000)
			for i := range v {
				v[i] = map[string]any{"name": fmt.Sprintf("user%d", i), "id": i, "score": float64(i) * 1.5, "extra": nil}
			}
			return v
		}},
		{"ints1M", func() any { return toAny(ints()) }},
		{"ints1M_typed", func() any { return ints() }},
		{"floats1M", func() any { return toAny(floats()) }},
		{"floats1M_typed", func() any { return floats() }},
		{"strings100k", func() any { return toAny(strs()) }},
		{"strings100k_typed", func() any { return strs() }},
		{"bytes32M", func() any {
			v := make([]byte, 32<<20)
			for i := range v {
				v[i] = byte(i)
			}
			return v
		}},
		{"records100k", func() any {
			v := make([]benchRecord, 100000)
			for i := range v {
				v[i] = benchRecord{
					ID: i, Name: fmt.Sprintf("record %d", i), Tags: []string{"a", "b", "c"},
					Owner:  benchOwner{Name: fmt.Sprintf("owner %d", i), Email: fmt.Sprintf("o%d@example.com", i)},
					Scores: []float64{float64(i) * 0.5, float64(i) * 0.25, 1.0}, Active: i%2 == 0,
				}
			}
			return v
		}},
	}
}

func toAny[T any](s []T) []any {
	v := make([]any, len(s))
	for i, x := range s {
		v[i] = x
	}
	return v
}

func BenchmarkEncode(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			v := ds.make()
			runtime.GC()
			data, err := Marshal(v)
			require.NoError(b, err)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if _, err := Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time (user+sys, all threads: the collector included) is
			// steadier than wall time on a shared machine; bench_dumps.py
			// reports the same for CPython.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkEncoderReuse(b *testing.B) {
	for _, ds := range benchDatasets() {
		if ds.name != "dicts100k" && ds.name != "records100k" && ds.name != "strings100k" {
			continue
		}
		b.Run(ds.name, func(b *testing.B) {
			v := ds.make()
			enc := NewEncoder(io.Discard)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := enc.Encode(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The benchmark values whose order Go keeps pickle to exactly CPython's
// bytes (checked by hash, computed by the same script that times CPython).
func TestBenchDatasetsMatchCPython(t *testing.T) {
	if testing.Short() {
		t.Skip("large datasets")
	}
	in := python313(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	script := `
import sys, hashlib, pickle
sys.path.insert(0, sys.argv[1])
import bench_dumps
for name, value in bench_dumps.datasets().items():
    print(name, hashlib.sha256(pickle.dumps(value, 4)).hexdigest())
`
	cmd := in.Command(ctx, "-c", script, "testdata")
	out, err := cmd.Output()
	require.NoError(t, err)
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		want[f[0]] = f[1]
	}
	for _, ds := range benchDatasets() {
		if ds.name == "dicts100k" { // Go map order
			continue
		}
		data, err := Marshal(ds.make())
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		name, _, _ := strings.Cut(ds.name, "_")
		require.Equal(t, want[name], hex.EncodeToString(sum[:]), "%s (%d bytes)", ds.name, len(data))
	}
}
