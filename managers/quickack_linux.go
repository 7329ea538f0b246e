package managers

import (
	"net"
	"syscall"
)

const canQuickAck = true

// quickAck sends the acknowledgement of what was just read now rather than
// after the delayed-ACK timer (TCP_QUICKACK, which Linux applies at once to
// a pending acknowledgement).
func quickAck(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
