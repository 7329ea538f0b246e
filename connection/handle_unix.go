//go:build unix

package connection

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// SendHandle passes a duplicate of h's descriptor to the peer, as
// multiprocessing.reduction.send_handle(conn, fd, pid) does: one byte with
// the descriptor attached (SCM_RIGHTS), outside the message framing, over a
// unix socket connection. h stays open and the caller's; an *os.File (an
// open file, a memfd, a pipe end), a *net.TCPConn or *net.UnixConn, or a
// listener will do. The Python peer takes it with recv_handle(conn), and
// the Go peer with RecvHandle.
//
// With AckByte, SendHandle then waits for the peer's acknowledgement, as
// CPython 3.14's send_handle does, so it is a receive too: it must not
// overlap another receive on c. Without an acknowledgement before the read
// deadline (a peer running CPython 3.13 or older never sends one), it fails
// and the receive side is poisoned: the byte may still come.
//
// Sending is poisoned like SendBytes if the byte is cut short; it is never
// interleaved with another goroutine's frame.
func (c *Conn) SendHandle(h syscall.Conn, ack HandleAck) error {
	if err := ack.check("SendHandle"); err != nil {
		return err
	}
	uc, ok := c.nc.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("connection: SendHandle needs a unix socket connection, not %s", c.nc.LocalAddr().Network())
	}
	hrc, err := h.SyscallConn()
	if err != nil {
		return fmt.Errorf("connection: SendHandle: %w", err)
	}
	c.wmu.Lock()
	if err = c.sendable(); err == nil {
		cerr := hrc.Control(func(fd uintptr) {
			// CPython's recvfds checks that the byte counts the
			// descriptors (modulo 256): one.
			err = c.fw.writeRaw(1, func() (int, error) {
				n, _, err := uc.WriteMsgUnix([]byte{1}, syscall.UnixRights(int(fd)), nil)
				return n, err
			})
		})
		if cerr != nil {
			err = fmt.Errorf("connection: SendHandle: %w", cerr)
		}
	}
	c.wmu.Unlock()
	if err != nil || ack == AckNone {
		return err
	}
	return c.awaitAck()
}

// awaitAck reads the acknowledgement of a descriptor sent with AckByte.
func (c *Conn) awaitAck() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.handleReadable("SendHandle"); err != nil {
		return err
	}
	b, err := c.br.ReadByte()
	switch {
	case errors.Is(err, io.EOF):
		err = fmt.Errorf("connection: SendHandle: the peer closed the connection without acknowledging the descriptor: %w", io.ErrUnexpectedEOF)
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("connection: SendHandle: no acknowledgement of the descriptor before the deadline (a peer running CPython 3.13 or older sends none: use AckNone); it may still come, so nothing more can be received: %w", err)
	case err != nil:
		return err
	case b != 'A':
		err = fmt.Errorf("%w: SendHandle: the peer answered the descriptor with %#02x, not the acknowledgement 'A'", ErrProtocol, b)
	default:
		return nil
	}
	if !c.closed.Load() {
		c.fr.err = err
	}
	return err
}

// RecvHandle receives a descriptor passed with SendHandle or with
// multiprocessing.reduction.send_handle(conn, fd, pid), and returns it as
// an *os.File that the caller owns (close-on-exec, as CPython makes it).
// With AckByte it answers with the acknowledgement CPython 3.14's sender
// waits for, so it is a send too.
//
// The descriptor must come between messages: RecvHandle reads the next
// byte of the stream and takes the descriptor that came with it. Reads are
// buffered, but no descriptor is lost to that: one that arrives while a
// message is read is kept until RecvHandle claims it, and closed, as the
// kernel would, once the byte it came with has been read as part of a
// message. A byte that came without one (the peer sent a message instead,
// or sent its handle with another framing) poisons the receive side with
// ErrProtocol. The value of the byte is not checked: CPython 2.7 sends an
// arbitrary one.
func (c *Conn) RecvHandle(ack HandleAck) (*os.File, error) {
	if err := ack.check("RecvHandle"); err != nil {
		return nil, err
	}
	if c.src == nil {
		return nil, fmt.Errorf("connection: RecvHandle needs a unix socket connection, not %s", c.nc.LocalAddr().Network())
	}
	c.rmu.Lock()
	if err := c.handleReadable("RecvHandle"); err != nil {
		c.rmu.Unlock()
		return nil, err
	}
	at := c.src.consumed()
	if _, err := c.br.ReadByte(); err != nil {
		c.rmu.Unlock()
		return nil, err // io.EOF between messages; a deadline loses nothing
	}
	fds, truncated := c.src.take(at + 1)
	if len(fds) == 0 {
		c.fr.err = fmt.Errorf("%w: RecvHandle: the peer sent a byte with no descriptor attached (a message where a handle was expected?); the stream cannot be trusted any more", ErrProtocol)
		c.rmu.Unlock()
		return nil, c.fr.err
	}
	c.rmu.Unlock()

	var err error
	if ack == AckByte {
		// CPython 3.14 acknowledges before it checks what arrived.
		err = c.sendAck()
	}
	switch {
	case err != nil:
	case truncated || len(fds) != 1:
		err = fmt.Errorf("connection: RecvHandle: the peer sent %d descriptors (or more than fit), where send_handle sends one", len(fds))
	default:
		return os.NewFile(uintptr(fds[0]), "mpconn-handle"), nil
	}
	for _, fd := range fds {
		syscall.Close(fd)
	}
	return nil, err
}

// handleReadable reports why a descriptor's byte cannot be read now. c.rmu
// is held.
func (c *Conn) handleReadable(op string) error {
	switch {
	case c.closed.Load():
		return errClosed("receive")
	case c.fr.err != nil:
		return c.fr.err
	case c.fr.midFrame():
		return fmt.Errorf("connection: %s: a message is half received (a deadline interrupted it); finish it first", op)
	}
	return nil
}

// sendAck writes the acknowledgement byte 'A', outside the framing.
func (c *Conn) sendAck() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.sendable(); err != nil {
		return err
	}
	return c.fw.writeRaw(1, func() (int, error) { return c.nc.Write([]byte{'A'}) })
}
