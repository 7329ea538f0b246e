package shm

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// memSegment is a Segment over ordinary memory, for the codec and List
// tests that need no operating system (never Close it).
func memSegment(b []byte) *Segment { return &Segment{name: "mem", mem: b, size: len(b)} }

func memList(t testing.TB, b []byte) *List {
	t.Helper()
	l, err := memSegment(b).List()
	require.NoError(t, err)
	return l
}

// unsafeBytes views 8-aligned memory as bytes.
func unsafeBytes(b []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), 8*len(b))
}
