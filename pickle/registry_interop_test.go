package pickle

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
)

// Go counterparts of testdata/kinds/mpconn_kinds.py.
type (
	kindPair struct {
		X int64
		Y string
	}
	kindColor  int
	kindMood   string
	kindLevel  struct{ Value int }
	kindRecord struct {
		Name  string  `pickle:"name"`
		Score float64 `pickle:"score"`
	}
	kindFrozen struct {
		Key int `pickle:"key"`
	}
)

func kindsRegistry(t testing.TB) *Registry {
	var r Registry // the zero Registry is ready to use
	for _, reg := range []struct {
		module, name string
		proto        any
		opts         []RegisterOption
	}{
		{"mpconn_kinds", "Pair", kindPair{}, []RegisterOption{AsNamedTuple()}},
		{"mpconn_kinds", "Color", kindColor(0), []RegisterOption{AsEnum()}},
		{"mpconn_kinds", "Mood", kindMood(""), []RegisterOption{AsEnum()}},
		{"mpconn_kinds", "Level", kindLevel{}, []RegisterOption{AsEnum()}},
		{"mpconn_kinds_dc", "Record", kindRecord{}, nil},
		{"mpconn_kinds_dc", "Frozen", kindFrozen{}, nil},
	} {
		require.NoError(t, r.Register(reg.module, reg.name, reg.proto, reg.opts...))
	}
	require.NoError(t, r.RegisterException("mpconn_kinds", "AppError"))
	require.NoError(t, r.RegisterException("mpconn_kinds", "QuotaError"))
	return &r
}

// TestRegistryKindsRoundTrip: every CPython pickles a namedtuple, Enum
// members, dataclasses and exceptions of its own classes at each protocol
// it has; Go decodes them with a Registry into the Go types (exceptions into
// *Exception, an error), encodes them back at the same protocol, and
// CPython loads what Go wrote as the same type with the same value.
// Regression: namedtuples and Enums came back as cls.__new__(cls) + BUILD,
// which CPython refuses ("missing 2 required positional arguments").
func TestRegistryKindsRoundTrip(t *testing.T) {
	reg := kindsRegistry(t)
	script, err := filepath.Abs("testdata/kinds/kinds_roundtrip.py")
	require.NoError(t, err)
	dir := filepath.Dir(script)
	want := map[string]any{
		"pair":        &kindPair{1, "two"},
		"color":       kindColor(2),
		"mood":        kindMood("sad"),
		"level":       &kindLevel{20},
		"record":      &kindRecord{"ann", 2.25},
		"frozen":      &kindFrozen{3},
		"app error":   &Exception{Class: Global{"mpconn_kinds", "AppError"}, Args: Tuple{"boom"}},
		"quota error": &Exception{Class: Global{"mpconn_kinds", "QuotaError"}, Args: Tuple{"over", int64(7)}},
	}
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			var dumped map[string][]string
			require.NoError(t, json.Unmarshal(runKinds(t, py, script, dir, "dump", nil), &dumped))
			require.Contains(t, dumped, "pair")
			back := map[string][]string{}
			for name, pickles := range dumped {
				for proto, h := range pickles {
					data, err := hex.DecodeString(h)
					require.NoError(t, err)
					var got any
					require.NoError(t, Unmarshal(data, &got, WithRegistry(reg)), "%s protocol %d", name, proto)
					if w, isExc := want[name].(*Exception); isExc {
						e, ok := got.(*Exception)
						require.True(t, ok, "%s protocol %d decoded to %T, want an *Exception", name, proto, got)
						assert.ErrorIs(t, error(e), &Exception{Class: w.Class}, name)
						assert.Equal(t, w.Args, e.Args, "%s protocol %d", name, proto) // its state is for Python to check below
					} else {
						assert.Equal(t, want[name], got, "%s protocol %d", name, proto)
					}
					out, err := Marshal(got, WithProtocol(proto), WithRegistry(reg))
					require.NoError(t, err, "%s protocol %d", name, proto)
					back[name] = append(back[name], hex.EncodeToString(out))
				}
			}
			input, err := json.Marshal(back)
			require.NoError(t, err)
			var verdicts map[string]string
			require.NoError(t, json.Unmarshal(runKinds(t, py, script, dir, "check", input), &verdicts))
			require.Len(t, verdicts, len(back))
			for name, v := range verdicts {
				assert.Empty(t, v, "%s: CPython loading what Go wrote", name)
			}
		})
	}
}

func runKinds(t *testing.T, py pythons.Interpreter, script, dir, mode string, input []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := py.Command(ctx, script, dir, mode)
	cmd.Stdin = strings.NewReader(string(input))
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("%s %s: %v\n%s", py.Name(), mode, err, ee.Stderr)
	}
	require.NoError(t, err)
	return out
}
