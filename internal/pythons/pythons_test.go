package pythons

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindNamesEachByItsReportedVersion(t *testing.T) {
	interps := ForTest(t)
	seen := map[string]bool{}
	for _, i := range interps {
		t.Logf("%s at %s: send() pickles with protocol %d (default %d, highest %d)", i.Name(), i.Path, i.SendProtocol, i.DefaultProtocol, i.HighestProtocol)
		assert.False(t, seen[i.Executable], "listed twice: %s", i.Executable)
		seen[i.Executable] = true
		require.Contains(t, []string{"CPython", "PyPy"}, i.Implementation)
		assert.True(t, strings.HasPrefix(i.Version, strings.Join([]string{itoa(i.Major), itoa(i.Minor)}, ".")+"."), i.Version)
	}
}

func TestExplicitListIsUsedAlone(t *testing.T) {
	interps := ForTest(t)
	t.Setenv("MPCONN_PYTHONS", interps[0].Path)
	got, err := Find()
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, interps[0].Version, got[0].Version)

	t.Setenv("MPCONN_PYTHONS", "/nonexistent/python9")
	_, err = Find()
	assert.Error(t, err, "a bad explicit list must not be silently ignored")
}

func itoa(n int) string { return strconv.Itoa(n) }
