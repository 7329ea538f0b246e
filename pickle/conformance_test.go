package pickle

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/stretchr/testify/require"
)

// TestConformanceLive regenerates the corpus with every interpreter on the
// machine and decodes it (the committed snapshot in testdata/corpus covers
// the same ground without Python).
func TestConformanceLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python")
	}
	interps := pythons.ForTest(t)
	script, err := filepath.Abs("testdata/gen_corpus.py")
	require.NoError(t, err)
	for _, in := range interps {
		t.Run(in.Name(), func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := in.Command(ctx, script, dir).CombinedOutput()
			require.NoError(t, err, string(out))
			files, err := filepath.Glob(filepath.Join(dir, "*.json"))
			require.NoError(t, err)
			require.Len(t, files, 1)
			checkCorpus(t, loadCorpusFile(t, files[0]))
		})
	}
}
