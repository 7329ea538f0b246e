package managers

import (
	"net"
	"syscall"
)

// quickAck sends the acknowledgement of what was just read now rather than
// after the delayed-ACK timer (TCP_QUICKACK, which Linux applies at once to
// a pending acknowledgement).
func quickAck(c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
