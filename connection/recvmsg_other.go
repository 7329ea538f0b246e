//go:build unix && !(linux && !386)

package connection

import "syscall"

// recvmsgState is the portable recvmsg(2): the syscall package's Recvmsg,
// which may allocate the sender's address; descriptors are made
// close-on-exec under syscall.ForkLock, where Linux's MSG_CMSG_CLOEXEC is
// not available, so that no child started meanwhile inherits them.
type recvmsgState struct{ oob []byte }

func (r *recvmsgState) init(maxFDs int) { r.oob = make([]byte, syscall.CmsgSpace(4*maxFDs)) }

func (r *recvmsgState) recv(fd int, p []byte) (n int, fds []int, truncated bool, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	n, oobn, flags, _, err := syscall.Recvmsg(fd, p, r.oob, 0)
	if err != nil {
		return 0, nil, false, err
	}
	if oobn > 0 {
		fds = unixRights(r.oob[:oobn])
		for _, fd := range fds {
			syscall.CloseOnExec(fd)
		}
	}
	return n, fds, flags&syscall.MSG_CTRUNC != 0, nil
}
