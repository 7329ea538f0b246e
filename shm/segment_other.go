//go:build !linux

package shm

import (
	"errors"
	"os"
)

// Named POSIX segments need shm_open, which macOS and the BSDs keep in libc
// (no cgo here), and Windows has named file mappings instead: on those
// systems every function that makes or maps a segment returns
// errors.ErrUnsupported. The ShareableList codec, the views and the pickle
// references work everywhere.

// Create returns errors.ErrUnsupported outside Linux.
func Create(name string, size int, opts ...Option) (*Segment, error) {
	return nil, errors.ErrUnsupported
}

// Open returns errors.ErrUnsupported outside Linux.
func Open(name string) (*Segment, error) { return nil, errors.ErrUnsupported }

// Unlink returns errors.ErrUnsupported outside Linux.
func Unlink(name string) error { return errors.ErrUnsupported }

// CreateAnonymous returns errors.ErrUnsupported outside Linux.
func CreateAnonymous(size int, opts ...Option) (*Segment, error) {
	return nil, errors.ErrUnsupported
}

// Map returns errors.ErrUnsupported outside Linux.
func Map(f *os.File) (*Segment, error) { return nil, errors.ErrUnsupported }

func unmap(mem []byte) error { return errors.ErrUnsupported }
