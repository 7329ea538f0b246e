package pickle

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/benchdata"
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
	const script = `
import pickle, random, sys
sys.path.insert(0, sys.argv[1])
import pickles
kind, n, seed, protocol = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.stdout.buffer.write(pickle.dumps(pickles.KINDS[kind](random.Random(seed), n), protocol))
`
	dir, err := filepath.Abs(filepath.Join("..", "internal", "bench"))
	require.NoError(b, err)
	for _, ds := range benchdata.PythonDatasets {
		for _, p := range benchdata.PythonProtocols {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			data, err := in.Command(ctx, "-c", script, dir, ds.Kind, fmt.Sprint(ds.N), fmt.Sprint(benchdata.PythonSeed), fmt.Sprint(p)).Output()
			cancel()
			require.NoError(b, err)
			var anyV any
			require.NoError(b, Unmarshal(data, &anyV))
			typed := ds.Typed()
			require.NoError(b, Unmarshal(data, typed))
			for _, form := range []struct {
				name string
				v    any
			}{{"any", anyV}, {"typed", typed}} {
				b.Run(fmt.Sprintf("%s_p%d/%s", ds.Name, p, form.name), func(b *testing.B) {
					benchMarshal(b, form.v, WithProtocol(p))
				})
				b.Run(fmt.Sprintf("%s_p%d/%s/fresh", ds.Name, p, form.name), func(b *testing.B) {
					benchMarshalFresh(b, form.v, WithProtocol(p))
				})
			}
		}
	}
}
