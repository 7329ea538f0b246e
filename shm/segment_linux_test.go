//go:build linux

package shm

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testName is a fresh segment name that this test unlinks at its end if
// it still exists.
func testName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	name := "mpconn_shmtest_" + hex.EncodeToString(b)
	t.Cleanup(func() { _ = syscall.Unlink(path(name)) })
	return name
}

func closeAtEnd(t testing.TB, s *Segment) {
	t.Cleanup(func() { _ = s.Close() })
}

func TestCreateOpenUnlink(t *testing.T) {
	name := testName(t)
	s, err := Create(name, 100)
	require.NoError(t, err)
	closeAtEnd(t, s)
	assert.Equal(t, name, s.Name())
	assert.Equal(t, 100, s.Size())
	assert.Len(t, s.Bytes(), 100)

	st, err := os.Stat(path(name))
	require.NoError(t, err)
	assert.Equal(t, int64(100), st.Size(), "exact size, no page rounding")
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm()&^umask(), "Python's mode")

	for i := range s.Bytes() {
		s.Bytes()[i] = byte(i)
	}
	o, err := Open(name)
	require.NoError(t, err)
	closeAtEnd(t, o)
	assert.Equal(t, 100, o.Size())
	assert.Equal(t, s.Bytes(), o.Bytes())
	o.Bytes()[0] = 0xff
	assert.Equal(t, byte(0xff), s.Bytes()[0], "one memory")

	_, err = Create(name, 100)
	assert.ErrorIs(t, err, fs.ErrExist)

	require.NoError(t, s.Unlink())
	_, err = Open(name)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, Unlink(name), fs.ErrNotExist)
	assert.Equal(t, byte(0xff), o.Bytes()[0], "mappings outlive the name")
}

func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

func TestCreateAutoName(t *testing.T) {
	s, err := Create("", 10)
	require.NoError(t, err)
	closeAtEnd(t, s)
	t.Cleanup(func() { _ = s.Unlink() })
	assert.Regexp(t, regexp.MustCompile(`^psm_[0-9a-f]{8}$`), s.Name())
	_, err = os.Stat(path(s.Name()))
	require.NoError(t, err)
}

func TestCreateOptions(t *testing.T) {
	name := testName(t)
	old := syscall.Umask(0o077)
	s, err := Create(name, 1<<20, WithMode(0o660), WithPrealloc())
	syscall.Umask(old)
	require.NoError(t, err)
	closeAtEnd(t, s)
	st, err := os.Stat(path(name))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), st.Mode().Perm(), "WithMode is exact, whatever the umask")
	sys := st.Sys().(*syscall.Stat_t)
	assert.GreaterOrEqual(t, sys.Blocks*512, int64(1<<20), "WithPrealloc reserves the pages")
}

func TestCreateAndOpenErrors(t *testing.T) {
	for _, size := range []int{0, -1} {
		_, err := Create(testName(t), size)
		assert.ErrorIs(t, err, ErrInvalidSize)
	}
	for _, name := range []string{"/x", "a/b", "a:b", "a\nb", "é1", "tab\t", "\x7f", ".", "..", strings.Repeat("a", 256), "nul\x00"} {
		_, err := Create(name, 8)
		assert.ErrorIs(t, err, ErrInvalidName, "Create(%q)", name)
	}
	for _, name := range []string{"", "/x", "a/b", ".", "..", strings.Repeat("a", 256), "nul\x00"} {
		_, err := Open(name)
		assert.ErrorIs(t, err, ErrInvalidName, "Open(%q)", name)
		assert.ErrorIs(t, Unlink(name), ErrInvalidName, "Unlink(%q)", name)
	}
	// Open takes any file name, including the ones Create refuses.
	_, err := Open("mpconn_shmtest_missing:é")
	assert.ErrorIs(t, err, fs.ErrNotExist)

	name := testName(t)
	require.NoError(t, os.WriteFile(path(name), nil, 0o600))
	_, err = Open(name)
	assert.ErrorIs(t, err, ErrEmptySegment)
}

func TestCloseIsIdempotent(t *testing.T) {
	name := testName(t)
	s, err := Create(name, 10)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.Nil(t, s.Bytes())
	assert.Nil(t, s.File())
	assert.Equal(t, 10, s.Size())
	assert.ErrorIs(t, s.Access(func([]byte) {}), ErrClosed)
	_, err = s.ReadAt(make([]byte, 1), 0)
	assert.ErrorIs(t, err, ErrClosed)
	require.NoError(t, s.Unlink())
}

func TestReadAtWriteAt(t *testing.T) {
	s, err := Create(testName(t), 10)
	require.NoError(t, err)
	closeAtEnd(t, s)
	n, err := s.WriteAt([]byte("hello"), 3)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	n, err = s.WriteAt([]byte("world"), 8)
	assert.Equal(t, 2, n)
	assert.ErrorIs(t, err, io.ErrShortWrite)
	_, err = s.WriteAt([]byte("x"), -1)
	assert.Error(t, err)
	_, err = s.WriteAt([]byte("x"), 11)
	assert.ErrorIs(t, err, io.ErrShortWrite)

	p := make([]byte, 8)
	n, err = s.ReadAt(p, 3)
	assert.Equal(t, 7, n)
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, "hellowo", string(p[:n]))
	n, err = s.ReadAt(p, 20)
	assert.Equal(t, 0, n)
	assert.Equal(t, io.EOF, err)
	_, err = s.ReadAt(p, -1)
	assert.Error(t, err)
}

// A segment truncated under the mapping (here by ourselves; in life by
// another process) faults on the pages past its new end: the checked
// accesses return a *FaultError.
func TestTruncatedSegmentFaultsAreErrors(t *testing.T) {
	page := os.Getpagesize()
	name := testName(t)
	l, err := CreateList(name, []any{"x", string(bytes.Repeat([]byte("y"), 3*page))})
	require.NoError(t, err)
	s := l.Segment()
	closeAtEnd(t, s)
	require.NoError(t, os.Truncate(path(name), int64(page)))

	check := func(err error) {
		t.Helper()
		var fe *FaultError
		require.ErrorAs(t, err, &fe)
		assert.ErrorIs(t, err, ErrFault)
		assert.Equal(t, name, fe.Name)
		assert.GreaterOrEqual(t, fe.Offset, int64(page))
		assert.Equal(t, int64(page), fe.Size)
		assert.Equal(t, int64(s.Size()), fe.Mapped)
		assert.Contains(t, err.Error(), "truncated to")
	}
	_, err = s.ReadAt(make([]byte, 10), int64(2*page))
	check(err)
	_, err = s.WriteAt([]byte("z"), int64(3*page))
	check(err)
	check(s.Access(func(mem []byte) { mem[len(mem)-1]++ }))
	_, err = l.Get(1)
	check(err)
	_, err = l.Items()
	check(err)
	_, err = l.Format()
	check(err)
	check(l.Set(1, "z"))
	// The first page is still there (the list's formats are at its end).
	n, err := s.ReadAt(make([]byte, page), 0)
	require.NoError(t, err)
	assert.Equal(t, page, n)
	// A system call does not fault: the kernel returns EFAULT.
	_, err = os.Stdout.Write(s.Bytes()[2*page : 2*page+1])
	assert.ErrorIs(t, err, syscall.EFAULT)
}

// Access re-raises what is not a fault in its segment.
func TestAccessRepanics(t *testing.T) {
	s, err := Create(testName(t), 10)
	require.NoError(t, err)
	closeAtEnd(t, s)
	assert.PanicsWithValue(t, "boom", func() { _ = s.Access(func([]byte) { panic("boom") }) })
	other, err := Create(testName(t), 3*os.Getpagesize())
	require.NoError(t, err)
	closeAtEnd(t, other)
	require.NoError(t, os.Truncate(path(other.Name()), 1))
	assert.Panics(t, func() {
		_ = s.Access(func([]byte) { other.Bytes()[2*os.Getpagesize()]++ })
	}, "a fault in another segment is not this one's")
	var fe *FaultError
	assert.ErrorAs(t, other.Access(func(mem []byte) { mem[2*os.Getpagesize()]++ }), &fe)
}

// Outside Access a fault kills the program, as Go's runtime makes every
// unexpected fault fatal: the documented limit of what can be checked.
func TestUncheckedFaultIsFatal(t *testing.T) {
	if os.Getenv("MPCONN_SHM_FAULT_CHILD") == "1" {
		s, err := Create(os.Getenv("MPCONN_SHM_FAULT_NAME"), 2*os.Getpagesize())
		if err != nil {
			panic(err)
		}
		_ = os.Truncate(path(s.Name()), 1)
		s.Bytes()[os.Getpagesize()]++
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUncheckedFaultIsFatal$")
	cmd.Env = append(os.Environ(), "MPCONN_SHM_FAULT_CHILD=1", "MPCONN_SHM_FAULT_NAME="+testName(t))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "the child should have crashed: %v\n%s", err, out)
	assert.Contains(t, string(out), "unexpected fault address")
}

func TestAnonymous(t *testing.T) {
	s, err := CreateAnonymous(10000)
	require.NoError(t, err)
	closeAtEnd(t, s)
	assert.Equal(t, "", s.Name())
	assert.Equal(t, 10000, s.Size())
	require.NoError(t, s.Unlink(), "nothing to unlink")
	_, err = s.MarshalPickle()
	assert.ErrorIs(t, err, ErrInvalidName, "an anonymous segment cannot be sent by name")

	// Another mapping of the same descriptor (as a child would make).
	fd, err := syscall.Dup(int(s.File().Fd()))
	require.NoError(t, err)
	f := os.NewFile(uintptr(fd), "dup")
	m, err := Map(f)
	require.NoError(t, err)
	closeAtEnd(t, m)
	copy(s.Bytes()[5000:], "shared")
	assert.Equal(t, "shared", string(m.Bytes()[5000:5006]))

	_, err = CreateAnonymous(0)
	assert.ErrorIs(t, err, ErrInvalidSize)
	empty, err := os.CreateTemp(t.TempDir(), "empty")
	require.NoError(t, err)
	defer empty.Close()
	_, err = Map(empty)
	assert.ErrorIs(t, err, ErrEmptySegment)
}
