package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
)

// The quickstart against every CPython 3 on the machine: each row shows
// what Python made of a Go value and what came back.
func TestQuickstart(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		if py.Major < 3 {
			continue // the quickstart's listener is Python 3 code
		}
		t.Run(py.Name(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out bytes.Buffer
			require.NoError(t, run(ctx, &out, py.Path))
			for _, want := range []string{
				"str 'héllo, 世界 🐍'",
				"int 1267650600228229401496703205376",
				"bytes b'raw\\x00bytes'",
				"list ['a', 2.5, None]",
				"tuple (1, 'two')",
				"set {2, 3, 5}",
				"datetime datetime.datetime(2024, 5, 17, 12, 30, tzinfo=datetime.timezone.utc)",
				"dict {'x': 1, 'y': 2}",
				"<built-in function sum>",
				"python  string             " + py.Version,
				"price   pickle.Decimal     19.99",
				"error   *pickle.Exception  KeyError: 'missing'",
				"primes  *pickle.FrozenSet  frozenset({2, 3, 5, 7})",
			} {
				assert.Contains(t, out.String(), want)
			}
		})
	}
}

func TestQuickstartSaysWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := run(context.Background(), &bytes.Buffer{}, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "install Python 3")
}
