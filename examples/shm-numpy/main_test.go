//go:build linux

package main

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
)

// The example against every CPython 3.8+: Python's sum and in-place
// doubling are checked inside run, and the engine is the one that Python
// has (numpy where it imports, memoryview elsewhere).
func TestShmNumpy(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			if py.Implementation != "CPython" || !py.AtLeast(3, 8) {
				t.Skipf("%s has no multiprocessing.shared_memory (3.8+)", py.Name())
			}
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out bytes.Buffer
			res, err := run(ctx, py.Path, 100_000, &out)
			require.NoError(t, err, out.String())
			hasNumpy := py.Command(ctx, "-c", "import numpy").Run() == nil
			if hasNumpy {
				assert.True(t, strings.HasPrefix(res.Engine, "numpy "), res.Engine)
			} else {
				assert.Equal(t, "memoryview", res.Engine)
			}
			assert.Contains(t, out.String(), "Go sees the array doubled in place: a[1] = 1, a[99999] = 999")
		})
	}
}

func TestShmNumpyBadPython(t *testing.T) {
	_, err := run(context.Background(), "/nonexistent/python", 10, &bytes.Buffer{})
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = run(context.Background(), "python3", 0, &bytes.Buffer{})
	assert.ErrorContains(t, err, "-n must be positive")
}
