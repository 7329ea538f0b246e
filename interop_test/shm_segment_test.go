//go:build linux

package interop_test

import (
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

// pattern is the content both sides fill segments with: byte i is i % 251.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// Python creates, Go attaches, reads and writes; Python sees the writes and
// Go sees Python's; Python unlinks, and Go's mapping outlives the name.
func shmSegmentPythonCreates(t *testing.T, e *shmEnv) {
	name := shmNames.fresh(t)
	const size = 10007
	e.p.run(t, `
		shm = shared_memory.SharedMemory(args['name'], create=True, size=args['size'])
		shm.buf[:] = bytes(i % 251 for i in range(shm.size))
		state['shm'] = shm
	`, objDict("name", name, "size", size))
	s, err := shm.Open(name)
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, name, s.Name())
	assert.Equal(t, size, s.Size())
	assert.Equal(t, pattern(size), s.Bytes())

	copy(s.Bytes()[100:], "from Go")
	assert.Equal(t, []byte("from Go"), e.p.run(t, `result = bytes(state['shm'].buf[100:107])`, nil))
	e.p.run(t, `state['shm'].buf[-9:] = b'from Py!!'`, nil)
	got := make([]byte, 9)
	_, err = s.ReadAt(got, size-9)
	require.NoError(t, err)
	assert.Equal(t, "from Py!!", string(got))

	e.p.run(t, `
		shm = state.pop('shm')
		shm.close()
		shm.unlink()
	`, nil)
	_, err = shm.Open(name)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, "from Go", string(s.Bytes()[100:107]), "the mapping outlives the name")
}

// Go creates (a given name and a Python-style drawn one), Python attaches
// with the tracker opt-out and sees Go's size, name and bytes; Go sees
// Python's writes.
func shmSegmentGoCreates(t *testing.T, e *shmEnv) {
	for _, given := range []string{shmNames.fresh(t), ""} {
		const size = 4099
		s, err := shm.Create(given, size)
		require.NoError(t, err)
		name := shmNames.add(s.Name())
		copy(s.Bytes(), pattern(size))
		got := e.p.run(t, `
			import hashlib
			shm = attach(args['name'])
			result = (shm.name, shm.size, bytes(shm.buf) == bytes(i % 251 for i in range(shm.size)), oct(os.fstat(shm._fd).st_mode & 0o777))
			shm.buf[:5] = b'hello'
			shm.close()
		`, objDict("name", name)).(pickle.Tuple)
		assert.Equal(t, pickle.Tuple{name, int64(size), true, "0o600"}, got)
		assert.Equal(t, "hello", string(s.Bytes()[:5]))
		require.NoError(t, s.Close())
		require.NoError(t, shm.Unlink(name))
	}
}

// viewCase checks View[T] and Format[T] against Python's memoryview.cast.
func viewCase[T shm.Elem](t *testing.T, e *shmEnv, s *shm.Segment, values []T) {
	t.Helper()
	v, err := shm.View[T](s.Bytes()[:len(values)*sizeOf[T]()])
	require.NoError(t, err)
	copy(v, values)
	got := e.p.run(t, `
		shm = attach(args['name'])
		m = shm.buf[:args['n'] * struct.calcsize(args['format'])].cast(args['format'])
		result = m.tolist()
		m[0] = m[len(m) - 1]
		m.release()
		shm.close()
	`, objDict("name", s.Name(), "format", shm.Format[T](), "n", len(values))).([]any)
	require.Len(t, got, len(values))
	for i, x := range got {
		switch x := x.(type) {
		case int64:
			assert.EqualValues(t, values[i], x, "element %d", i)
		case float64:
			assert.EqualValues(t, values[i], x, "element %d", i)
		case *big.Int: // beyond int64: uint64 values
			assert.Equal(t, fmt.Sprint(values[i]), x.String(), "element %d", i)
		default:
			t.Fatalf("element %d: %T", i, x)
		}
	}
	assert.Equal(t, values[len(values)-1], v[0], "Python's write")
}

func sizeOf[T shm.Elem]() int {
	var x T
	return int(unsafe.Sizeof(x))
}

// Typed views over a segment read in Python with memoryview.cast, as a
// numpy array would be: every element type, Python writing back.
func shmSegmentTypedViews(t *testing.T, e *shmEnv) {
	s, err := shm.Create(shmNames.fresh(t), 4096)
	require.NoError(t, err)
	defer func() { _ = s.Unlink(); _ = s.Close() }()
	viewCase(t, e, s, []int8{-128, 0, 127})
	viewCase(t, e, s, []int16{-32768, 1, 32767})
	viewCase(t, e, s, []int32{-1 << 31, 2, 1<<31 - 1})
	viewCase(t, e, s, []int64{-1 << 63, 3, 1<<63 - 1})
	viewCase(t, e, s, []uint8{0, 4, 255})
	viewCase(t, e, s, []uint16{0, 5, 65535})
	viewCase(t, e, s, []uint32{0, 6, 1<<32 - 1})
	viewCase(t, e, s, []uint64{0, 7, 1<<64 - 1})
	viewCase(t, e, s, []float32{-1.5, 0, 3.25})
	viewCase(t, e, s, []float64{-1e300, 0.1, 2.5})
}

// Python shrinks a segment Go has mapped: Go's checked reads fail with a
// *FaultError instead of killing the process.
func shmSegmentTruncatedByPython(t *testing.T, e *shmEnv) {
	page := os.Getpagesize()
	s, err := shm.Create(shmNames.fresh(t), 3*page)
	require.NoError(t, err)
	defer func() { _ = s.Unlink(); _ = s.Close() }()
	e.p.run(t, `
		shm = attach(args['name'])
		os.ftruncate(shm._fd, args['size'])
		shm.close()
	`, objDict("name", s.Name(), "size", page))
	_, err = s.ReadAt(make([]byte, 8), int64(2*page))
	var fe *shm.FaultError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, int64(page), fe.Size)
	_, err = s.ReadAt(make([]byte, 8), 0)
	assert.NoError(t, err)
}

const anonFloats = 100000

// A memfd inherited by the Python child as fd 4, mapped with mmap and
// memoryview.cast: Go's values in, Python's write out.
func shmAnonymousForChild(t *testing.T, e *shmEnv) {
	v, err := shm.View[float64](e.anon.Bytes())
	require.NoError(t, err)
	want := 0.0
	for i := range v {
		v[i] = float64(i) * 0.25
		want += v[i]
	}
	got := e.p.run(t, `
		buf = mmap.mmap(4, 0)
		m = memoryview(buf).cast('d')
		result = (len(m), sum(m))
		m[0] = 42.0
		m.release()
		buf.close()
	`, nil).(pickle.Tuple)
	assert.Equal(t, pickle.Tuple{int64(anonFloats), want}, got)
	assert.Equal(t, 42.0, v[0])
}
