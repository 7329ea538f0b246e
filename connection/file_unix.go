//go:build unix

package connection

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// FileConn makes a Conn of an inherited descriptor: a socket, or one end of
// a pipe, as a Python parent passes with pass_fds for its child to wrap in
// Connection(fd). Like Connection(fd), it runs no handshake: the options that
// concern messages apply (WithMaxMessageSize, WithCodec, WithPickleOptions,
// MatchPeerProtocol), any other is an error.
//
// FileConn works on a duplicate of the descriptor, as net.FileConn does:
// the caller should close f, which leaves the Conn open. The duplicate is set
// non-blocking (which the original shares, being the same open file) so that
// deadlines, Poll, Wait and Close work. A pipe end is one-way: sending on the
// read end, or receiving on the write end, fails with the operating system's
// error. Reads are buffered, so the descriptor must not be read by anyone
// else meanwhile.
func FileConn(f *os.File, opts ...Option) (*Conn, error) {
	o, err := resolveOptions("FileConn", messageSettings, opts)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("connection: FileConn: %w", err)
	}
	if fi.Mode()&os.ModeSocket != 0 {
		nc, err := net.FileConn(f)
		if err != nil {
			return nil, fmt.Errorf("connection: FileConn: %w", err)
		}
		return newConn(nc, &o), nil
	}
	nf, err := dupNonblocking(f)
	if err != nil {
		return nil, fmt.Errorf("connection: FileConn: %w", err)
	}
	return newConn(fileConn{nf}, &o), nil
}

// dupNonblocking duplicates f's descriptor, close-on-exec and non-blocking,
// so that the new *os.File is driven by the runtime's poller. It reads the
// descriptor through SyscallConn because f.Fd would switch f to blocking mode.
func dupNonblocking(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd := -1
	var derr error
	err = rc.Control(func(fd uintptr) {
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		nfd, derr = syscall.Dup(int(fd))
		if derr == nil {
			syscall.CloseOnExec(nfd)
		}
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	if err := syscall.SetNonblock(nfd, true); err != nil {
		syscall.Close(nfd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

// fileConn is a net.Conn over a descriptor that is not a socket.
type fileConn struct{ *os.File }

// Read and Write report a closed Conn as net.ErrClosed, as sockets do,
// rather than os.ErrClosed.
func (c fileConn) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	return n, fileErr("read", err)
}

func (c fileConn) Write(p []byte) (int, error) {
	n, err := c.File.Write(p)
	return n, fileErr("write", err)
}

func fileErr(op string, err error) error {
	if err != nil && errors.Is(err, os.ErrClosed) {
		return &net.OpError{Op: op, Net: "file", Err: net.ErrClosed}
	}
	return err
}

func (c fileConn) LocalAddr() net.Addr  { return fileAddr(c.Name()) }
func (c fileConn) RemoteAddr() net.Addr { return fileAddr(c.Name()) }

// fileAddr is the address of a Conn made by FileConn from a pipe.
type fileAddr string

func (a fileAddr) Network() string { return "file" }
func (a fileAddr) String() string  { return string(a) }
