//go:build linux

package connection

import (
	"syscall"
	"unsafe"
)

// On Linux readiness comes from the descriptor: a zero-timeout ppoll(2)
// tells whether it is readable (data, EOF or an error, for sockets and pipes
// alike), and RawConn.Read parks the goroutine in the runtime's netpoller
// until it may be, honouring the read deadline and woken by Close. Nothing is
// read, no thread blocks, and no goroutine outlives the call.

type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn   = 0x1
	pollErr  = 0x8
	pollHup  = 0x10
	pollNval = 0x20
)

// fdReadable asks the kernel, without blocking, whether fd is readable.
func fdReadable(fd uintptr) (bool, error) {
	pfd := pollFd{fd: int32(fd), events: pollIn}
	var ts syscall.Timespec // zero: do not wait
	for {
		n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL,
			uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return false, errno
		}
		return n > 0 && pfd.revents&(pollIn|pollErr|pollHup|pollNval) != 0, nil
	}
}

// probe checks readiness once, without waiting.
func (c *Conn) probe() (bool, error) {
	if c.rc == nil {
		return c.peekProbe()
	}
	var ready bool
	var perr error
	if err := c.rc.Control(func(fd uintptr) { ready, perr = fdReadable(fd) }); err != nil {
		return c.readinessErr(err)
	}
	if perr != nil {
		return true, nil // let the receive report it
	}
	return ready, nil
}

// awaitReadable waits until the descriptor is readable or the read deadline
// passes.
func (c *Conn) awaitReadable() (bool, error) {
	if c.rc == nil {
		return c.peekReadable()
	}
	var ready bool
	err := c.rc.Read(func(fd uintptr) bool {
		r, perr := fdReadable(fd)
		ready = r || perr != nil
		return ready
	})
	if err != nil {
		return c.readinessErr(err)
	}
	return ready, nil
}

// cheapProbe is a non-blocking readiness check that costs no waiting; ok is
// false where none exists.
func (c *Conn) cheapProbe() (ready, ok bool) {
	if c.rc == nil {
		return false, false
	}
	r, err := c.probe()
	return r && err == nil, true
}
