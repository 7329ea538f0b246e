package pickle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/stretchr/testify/require"
)

// The benchmark datasets are those of testdata/bench_dumps.py, which times
// CPython's C pickle.dumps on the same values:
//
//	go test ./pickle/ -run '^$' -bench Encode -benchmem
//	python3.13 pickle/testdata/bench_dumps.py

// benchDatasets lists the datasets (internal/benchdata, shared with the
// comparison command internal/bench); each is built when used, so that only
// one is alive (and scanned by the collector) at a time.
var benchDatasets = benchdata.EncodeDatasets

func BenchmarkEncode(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.Name, func(b *testing.B) { benchMarshal(b, ds.Make()) })
	}
}

// BenchmarkEncodeFresh is BenchmarkEncode with Marshal's pooled state
// dropped before every call (two collections empty a sync.Pool), as a
// program that collects between large pickles sees it, and as the
// comparison command's repetitions start: tables and buffer grow from
// nothing, into memory the system has to map.
func BenchmarkEncodeFresh(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.Name, func(b *testing.B) { benchMarshalFresh(b, ds.Make()) })
	}
}

// benchMarshalFresh times Marshal(v, opts...) with Marshal's pooled state
// dropped before each call.
func benchMarshalFresh(b *testing.B, v any, opts ...Option) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.GC()
		b.StartTimer()
		if _, err := Marshal(v, opts...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeQuick is BenchmarkEncode at the sizes of the comparison
// command's quick run (a tenth), where what each pickle costs once (tables,
// buffers) weighs more.
func BenchmarkEncodeQuick(b *testing.B) {
	for _, ds := range benchdata.ScaledEncodeDatasets(10) {
		b.Run(ds.Name, func(b *testing.B) { benchMarshal(b, ds.Make()) })
	}
}

// benchMarshal times Marshal(v, opts...), reporting CPU time (user+sys, all
// threads: the collector included) besides wall time: it is steadier on a
// shared machine, and bench_dumps.py reports the same for CPython.
func benchMarshal(b *testing.B, v any, opts ...Option) {
	runtime.GC()
	data, err := Marshal(v, opts...)
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, haveCPU := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Marshal(v, opts...); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, _ := cpuTime(); haveCPU {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkEncoderReuse(b *testing.B) {
	for _, ds := range benchDatasets() {
		if ds.Name != "dicts100k" && ds.Name != "records100k" && ds.Name != "strings100k" {
			continue
		}
		b.Run(ds.Name, func(b *testing.B) {
			v := ds.Make()
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
		if ds.Name == "dicts100k" { // Go map order
			continue
		}
		data, err := Marshal(ds.Make())
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		name, _, _ := strings.Cut(ds.Name, "_")
		require.Equal(t, want[name], hex.EncodeToString(sum[:]), "%s (%d bytes)", ds.Name, len(data))
	}
}
