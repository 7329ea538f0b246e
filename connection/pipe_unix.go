//go:build unix

package connection

import (
	"net"
	"os"
	"syscall"
)

// Pipe returns the two ends of a duplex connection, like Python's
// multiprocessing.Pipe(duplex=True): a connected pair of unix stream sockets
// with ordinary framing and no handshake. The options that concern messages
// apply (WithMaxMessageSize, WithCodec, WithPickleOptions,
// MatchPeerProtocol), any other is an error. To share a pipe with a child
// process, use ChildPipe.
func Pipe(opts ...Option) (*Conn, *Conn, error) {
	o, err := resolveOptions("Pipe", messageSettings, opts)
	if err != nil {
		return nil, nil, err
	}
	fds, err := socketpair()
	if err != nil {
		return nil, nil, err
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

// ChildPipe returns a duplex pipe whose other end is a file for a child
// process: put it in exec.Cmd.ExtraFiles (the child sees descriptor 3 for
// the first), start the child, then close the file in the parent. A Python
// child wraps its end with multiprocessing.connection.Connection(3). The
// child's end is an ordinary blocking socket, as Python expects, and is
// close-on-exec until ExtraFiles hands it over, so no other child inherits it.
// Options are those of Pipe.
func ChildPipe(opts ...Option) (*Conn, *os.File, error) {
	o, err := resolveOptions("ChildPipe", messageSettings, opts)
	if err != nil {
		return nil, nil, err
	}
	fds, err := socketpair()
	if err != nil {
		return nil, nil, err
	}
	parent, err := socketConn(fds[0], "mpconn-pipe")
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	return newConn(parent, &o), os.NewFile(uintptr(fds[1]), "mpconn-child-pipe"), nil
}

// socketpair makes a connected pair of unix stream sockets, close-on-exec.
func socketpair() ([2]int, error) {
	// Hold ForkLock so that no child forked meanwhile inherits the pair.
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return [2]int{}, os.NewSyscallError("socketpair", err)
	}
	return [2]int{fds[0], fds[1]}, nil
}

// socketConn turns a socket descriptor into a net.Conn that owns it.
func socketConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	nc, err := net.FileConn(f) // duplicates the descriptor
	f.Close()
	return nc, err
}
