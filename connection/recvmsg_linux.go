//go:build linux && !386

package connection

import (
	"syscall"
	"unsafe"
)

// recvmsgState holds one recvmsg(2)'s header, made once per Conn: the
// syscall package's Recvmsg allocates the sender's address on every call
// when the peer's socket has a name (a client reading from a listener's
// connection), and this path runs for every buffered read. 386 has no
// recvmsg system call of its own (socketcall) and uses recvmsg_other.go.
type recvmsgState struct {
	msg syscall.Msghdr
	iov syscall.Iovec
	oob []byte
}

func (r *recvmsgState) init(maxFDs int) { r.oob = make([]byte, syscall.CmsgSpace(4*maxFDs)) }

// recv reads into p (not empty) and returns the descriptors that came with
// the bytes, close-on-exec, and whether the kernel dropped some.
func (r *recvmsgState) recv(fd int, p []byte) (n int, fds []int, truncated bool, err error) {
	r.iov.Base = &p[0]
	r.iov.SetLen(len(p))
	r.msg.Iov = &r.iov
	r.msg.Iovlen = 1
	r.msg.Control = &r.oob[0]
	r.msg.SetControllen(len(r.oob))
	r.msg.Flags = 0
	got, _, errno := syscall.Syscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.msg)), syscall.MSG_CMSG_CLOEXEC)
	r.iov.Base = nil // keep no reference to p
	if errno != 0 {
		return 0, nil, false, errno
	}
	if oobn := int(r.msg.Controllen); oobn > 0 {
		fds = unixRights(r.oob[:oobn])
	}
	return int(got), fds, r.msg.Flags&syscall.MSG_CTRUNC != 0, nil
}
