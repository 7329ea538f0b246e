package pickle

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkEncodeCPythonWritten encodes what the decoder makes of the
// datasets CPython writes itself in the comparison command
// (internal/bench/pickles.py: non-ASCII strings, records of mixed fields),
// decoded into any and into typed Go values, at the protocol CPython wrote
// them with, as the comparison command's "encode ... (CPython pN)" rows do;
// the "fresh" ones as BenchmarkEncodeFresh does.
func BenchmarkEncodeCPythonWritten(b *testing.B) {
	in := python313(b)
	type mixedRecord struct {
		ID     int64    `pickle:"id"`
		Name   string   `pickle:"name"`
		City   string   `pickle:"city"`
		Score  float64  `pickle:"score"`
		Parent *int64   `pickle:"parent"`
		Active bool     `pickle:"active"`
		Tags   []string `pickle:"tags"`
	}
	datasets := []struct {
		name, kind string
		typed      func() any
	}{
		{"unicode100k", "unicode", func() any { return new([]string) }},
		{"mixed100k", "mixed", func() any { return new([]mixedRecord) }},
	}
	const script = `
import pickle, random, sys
sys.path.insert(0, sys.argv[1])
import pickles
kind, n, seed, protocol = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.stdout.buffer.write(pickle.dumps(pickles.KINDS[kind](random.Random(seed), n), protocol))
`
	dir, err := filepath.Abs(filepath.Join("..", "internal", "bench"))
	require.NoError(b, err)
	for _, ds := range datasets {
		for _, p := range []int{4, 2} {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			// The seed of internal/bench's pySeed: the same data.
			data, err := in.Command(ctx, "-c", script, dir, ds.kind, "100000", "20261121", fmt.Sprint(p)).Output()
			cancel()
			require.NoError(b, err)
			var anyV any
			require.NoError(b, Unmarshal(data, &anyV))
			typed := ds.typed()
			require.NoError(b, Unmarshal(data, typed))
			for _, form := range []struct {
				name string
				v    any
			}{{"any", anyV}, {"typed", typed}} {
				b.Run(fmt.Sprintf("%s_p%d/%s", ds.name, p, form.name), func(b *testing.B) {
					benchMarshal(b, form.v, WithProtocol(p))
				})
				b.Run(fmt.Sprintf("%s_p%d/%s/fresh", ds.name, p, form.name), func(b *testing.B) {
					benchMarshalFresh(b, form.v, WithProtocol(p))
				})
			}
		}
	}
}
