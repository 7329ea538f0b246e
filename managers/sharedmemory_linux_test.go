package managers

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func segmentExists(t *testing.T, name string) bool {
	_, err := os.Lstat("/dev/shm/" + name)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// The three requests of SharedMemoryServer between a Go client and a Go
// server, and the unlinking at Close; the interop suite runs the same
// against Python's SharedMemoryManager both ways.
func TestSharedMemoryManager(t *testing.T) {
	s, addr := startServer(t)
	s.RegisterSharedMemoryManager()
	c := dialTest(t, addr)
	ctx := testCtx(t)

	seg, err := c.SharedMemory(ctx, 100)
	require.NoError(t, err)
	defer seg.Close()
	l, err := c.ShareableList(ctx, []any{int64(1), "two", nil})
	require.NoError(t, err)
	defer l.Close()
	names, err := c.ListSegments(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{seg.Name(), l.Name()}, names)
	assert.Equal(t, names, s.Segments())

	require.NoError(t, c.ReleaseSegment(ctx, seg.Name()))
	assert.False(t, segmentExists(t, seg.Name()), "released, so unlinked")
	var e *Error
	require.ErrorAs(t, c.ReleaseSegment(ctx, seg.Name()), &e)
	assert.Equal(t, ErrValueError, e.Type, "no longer tracked")

	require.NoError(t, c.TrackSegment(ctx, "psm_never_made"))
	require.ErrorAs(t, c.ReleaseSegment(ctx, "psm_never_made"), &e)
	assert.Equal(t, errFileNotFound, e.Type)

	require.NoError(t, s.Close())
	assert.False(t, segmentExists(t, l.Name()), "Close unlinks what is tracked")
	v, err := l.Get(1)
	require.NoError(t, err, "the creator's mapping outlives the name")
	assert.Equal(t, "two", v)
}

// A manager that is not a shared memory manager answers these requests as
// Python's BaseManager server does.
func TestSharedMemoryRequestsNeedASharedMemoryManager(t *testing.T) {
	_, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	_, err := c.ListSegments(ctx)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, KindTraceback, e.Kind)
	assert.Contains(t, e.Traceback, "AssertionError: 'list_segments' unrecognized")
	_, err = c.SharedMemory(ctx, 10)
	require.ErrorAs(t, err, &e, "the segment is unlinked and closed, and the refusal returned")
}
