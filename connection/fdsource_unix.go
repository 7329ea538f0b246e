//go:build unix

package connection

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// fdSource is what a Conn on a unix socket reads from: it reads with
// recvmsg, so that a descriptor passed by the peer (send_handle) is never
// lost. A plain read(2) that reaches the byte carrying descriptors takes
// the byte and makes the kernel close them; and a buffered reader may
// reach it while reading a message that came just before. Here they are
// kept with the position of their byte, for RecvHandle to claim, and closed
// once that byte has been read as something else.
type fdSource struct {
	rc syscall.RawConn
	nc net.Conn // for errors
	br *bufio.Reader
	rm recvmsgState

	pos int64 // bytes read from the socket so far

	mu      sync.Mutex // pending is also closed by Close
	pending []fdBatch
	closed  bool

	// One recvmsg, for readFn, which is made once so that a read
	// allocates nothing.
	p      []byte
	n      int
	fds    []int
	trunc  bool
	err    error
	readFn func(fd uintptr) bool
}

// fdBatch is the descriptors that came with the byte just before end.
type fdBatch struct {
	end       int64
	fds       []int
	truncated bool // the kernel dropped some (MSG_CTRUNC)
}

// maxHandles is how many descriptors one byte may bring; the kernel closes
// any beyond (and says so).
const maxHandles = 16

// newSource returns what a Conn over nc reads from, and the fdSource when
// nc is a unix socket.
func newSource(nc net.Conn) (io.Reader, *fdSource) {
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		return nc, nil
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return nc, nil
	}
	s := &fdSource{rc: rc, nc: nc}
	s.rm.init(maxHandles)
	s.readFn = s.recvmsg
	return s, s
}

func (s *fdSource) Read(p []byte) (int, error) {
	s.dropStale()
	if len(p) == 0 {
		return 0, nil
	}
	s.p, s.n, s.fds, s.trunc, s.err = p, 0, nil, false, nil
	err := s.rc.Read(s.readFn)
	s.p = nil
	if err == nil {
		err = s.err
	}
	if len(s.fds) > 0 || s.trunc {
		s.keep(fdBatch{end: s.pos + int64(s.n), fds: s.fds, truncated: s.trunc})
	}
	s.pos += int64(s.n)
	switch {
	case err != nil:
		return s.n, s.opError(err)
	case s.n == 0:
		return 0, io.EOF
	}
	return s.n, nil
}

// recvmsg is the RawConn callback: false asks to wait for readability.
func (s *fdSource) recvmsg(fd uintptr) bool {
	for {
		n, fds, trunc, err := s.rm.recv(int(fd), s.p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		s.n, s.fds, s.trunc, s.err = max(n, 0), fds, trunc, err
		return true
	}
}

// opError dresses err as net.Conn.Read would.
func (s *fdSource) opError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		op.Op = "read" // RawConn says "raw-read"
		return op
	}
	return &net.OpError{Op: "read", Net: "unix", Source: s.nc.LocalAddr(), Addr: s.nc.RemoteAddr(), Err: os.NewSyscallError("recvmsg", err)}
}

// consumed is the stream position of the next byte the Conn will read.
func (s *fdSource) consumed() int64 { return s.pos - int64(s.br.Buffered()) }

func (s *fdSource) keep(b fdBatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		closeAll(b.fds)
		return
	}
	s.pending = append(s.pending, b)
}

// take returns the descriptors that came with the byte just before end, if
// that byte is the one just read.
func (s *fdSource) take(end int64) (fds []int, truncated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.pending {
		if b.end == end {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return b.fds, b.truncated
		}
	}
	return nil, false
}

// dropStale closes the descriptors whose byte has been read as part of a
// message.
func (s *fdSource) dropStale() {
	at := s.consumed()
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.pending[:0]
	for _, b := range s.pending {
		if b.end <= at {
			closeAll(b.fds)
		} else {
			kept = append(kept, b)
		}
	}
	s.pending = kept
}

// close closes every descriptor not claimed; the Conn is closing.
func (s *fdSource) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, b := range s.pending {
		closeAll(b.fds)
	}
	s.pending = nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// unixRights returns the descriptors of the SCM_RIGHTS messages in oob.
func unixRights(oob []byte) []int {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level == syscall.SOL_SOCKET && msgs[i].Header.Type == syscall.SCM_RIGHTS {
			if got, err := syscall.ParseUnixRights(&msgs[i]); err == nil {
				fds = append(fds, got...)
			}
		}
	}
	return fds
}
