//go:build !unix

package connection

import (
	"errors"
	"fmt"
	"os"
)

// Pipe needs unix socket pairs; this platform has none.
func Pipe(opts ...Option) (*Conn, *Conn, error) {
	return nil, nil, fmt.Errorf("connection: Pipe: %w", errors.ErrUnsupported)
}

// ChildPipe needs unix socket pairs; this platform has none.
func ChildPipe(opts ...Option) (*Conn, *os.File, error) {
	return nil, nil, fmt.Errorf("connection: ChildPipe: %w", errors.ErrUnsupported)
}

// FileConn needs unix descriptors; this platform has none.
func FileConn(f *os.File, opts ...Option) (*Conn, error) {
	return nil, fmt.Errorf("connection: FileConn: %w", errors.ErrUnsupported)
}
