//go:build !unix

package connection

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// SendHandle passes descriptors over unix sockets, which this platform
// does not have (CPython on Windows duplicates handles into the peer
// process instead).
func (c *Conn) SendHandle(h syscall.Conn, ack HandleAck) error {
	return fmt.Errorf("connection: SendHandle: %w", errors.ErrUnsupported)
}

// RecvHandle receives descriptors over unix sockets, which this platform
// does not have.
func (c *Conn) RecvHandle(ack HandleAck) (*os.File, error) {
	return nil, fmt.Errorf("connection: RecvHandle: %w", errors.ErrUnsupported)
}
