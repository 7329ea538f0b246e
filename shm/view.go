package shm

import (
	"fmt"
	"unsafe"
)

// Elem is the set of element types View lays over shared memory: the
// fixed-size numbers numpy and Python's memoryview share.
type Elem interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 |
		float32 | float64 | complex64 | complex128
}

// View returns b as a []T sharing its memory, the way numpy lays an
// ndarray over shm.buf (np.ndarray(shape, dtype, buffer=shm.buf)): no copy,
// native byte order, and the element type and shape agreed out of band, as
// numpy agrees them. len(b) must be a multiple of T's size and b must start
// at an address aligned for T (a segment's memory starts on a page
// boundary, so an offset that is a multiple of the element size is
// aligned).
//
// The view is memory of the segment: it must not be used after the
// segment's Close, and accesses through it are checked for faults only
// inside Segment.Access.
func View[T Elem](b []byte) ([]T, error) {
	var zero T
	size, align := int(unsafe.Sizeof(zero)), uintptr(unsafe.Alignof(zero))
	if len(b)%size != 0 {
		return nil, fmt.Errorf("shm: View[%T]: %d bytes are not a whole number of %d-byte elements", zero, len(b), size)
	}
	if len(b) == 0 {
		return []T{}, nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if uintptr(p)%align != 0 {
		return nil, fmt.Errorf("shm: View[%T]: address %#x is not %d-byte aligned", zero, uintptr(p), align)
	}
	return unsafe.Slice((*T)(p), len(b)/size), nil
}

// Format returns the struct-module format character of T, which is also
// what Python's memoryview.cast takes ("d" for float64: shm.buf.cast('d'))
// and a numpy dtype (np.dtype('d') is float64), all in native byte order.
// complex64 and complex128 are "F" and "D": numpy's dtype characters, and
// the struct module's from Python 3.14 on; memoryview.cast refuses them
// (3.14 included).
func Format[T Elem]() string {
	var zero T
	switch any(zero).(type) {
	case int8:
		return "b"
	case int16:
		return "h"
	case int32:
		return "i"
	case int64:
		return "q"
	case uint8:
		return "B"
	case uint16:
		return "H"
	case uint32:
		return "I"
	case uint64:
		return "Q"
	case float32:
		return "f"
	case float64:
		return "d"
	case complex64:
		return "F"
	default: // complex128
		return "D"
	}
}
