//go:build unix

package managers

import (
	"net"
	"os"
	"syscall"
)

// blockingFile returns a duplicate of nc's descriptor in blocking mode,
// made by hand because os.File registers the ones net.Conn.File makes
// with the poller again, or nil.
func blockingFile(nc net.Conn) *os.File {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	dup := -1
	err = rc.Control(func(fd uintptr) {
		syscall.ForkLock.RLock() // no child may inherit the duplicate
		defer syscall.ForkLock.RUnlock()
		nfd, err := syscall.Dup(int(fd))
		if err != nil {
			return
		}
		syscall.CloseOnExec(nfd)
		// O_NONBLOCK belongs to the socket, which both descriptors share;
		// the original is closed next.
		if err := syscall.SetNonblock(nfd, false); err != nil {
			syscall.Close(nfd)
			return
		}
		dup = nfd
	})
	if err != nil || dup < 0 {
		return nil
	}
	return os.NewFile(uintptr(dup), "managers-channel")
}

// shutdown shuts both directions of f's socket down, waking a blocked
// read or write.
func shutdown(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
	}
}
