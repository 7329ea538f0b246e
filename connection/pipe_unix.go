//go:build unix

package connection

import (
	"net"
	"os"
	"syscall"
)

// Pipe returns the two ends of a duplex connection, like Python's
// multiprocessing.Pipe(duplex=True): a connected pair of unix stream sockets
// with ordinary framing and no handshake. Either end may be handed to a child
// process (see FileConn for the receiving side). Only WithMaxMessageSize
// applies.
func Pipe(opts ...Option) (*Conn, *Conn, error) {
	o := buildOptions(opts)
	// Hold ForkLock so that no child forked meanwhile inherits the pair.
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	a, err := socketConn(fds[0], "mpconn-pipe")
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	b, err := socketConn(fds[1], "mpconn-pipe")
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return newConn(a, &o), newConn(b, &o), nil
}

// socketConn turns a socket descriptor into a net.Conn that owns it.
func socketConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	nc, err := net.FileConn(f) // duplicates the descriptor
	f.Close()
	return nc, err
}
