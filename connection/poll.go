package connection

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// Poll reports whether a receive would find something: buffered bytes, part
// of a message, or the end of the stream (CPython's poll). timeout 0 checks
// and returns at once, timeout < 0 waits for ever, otherwise Poll waits up to
// timeout. As in CPython, a true result does not promise that a whole
// message has arrived, so the next receive may still block.
//
// Poll is a receive operation: it must not overlap a RecvBytes in another
// goroutine. It uses its own timeout, not the read deadline. On a poisoned
// Conn it returns the poisoning error; Close unblocks it with an error
// matching net.ErrClosed.
func (c *Conn) Poll(timeout time.Duration) (bool, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return false, errClosed("poll")
	}
	if c.fr.err != nil {
		return false, c.fr.err
	}
	if c.br.Buffered() > 0 {
		return true, nil
	}
	if timeout == 0 {
		return c.probe()
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := c.setPollDeadline(deadline); err != nil {
		return false, c.pollErr(err)
	}
	defer c.restoreReadDeadline()
	return c.awaitReadable()
}

// peekProbe is the portable readiness check: it fills the read buffer with a
// one-byte Peek under a short deadline.
func (c *Conn) peekProbe() (bool, error) {
	if err := c.setPollDeadline(time.Now().Add(time.Millisecond)); err != nil {
		return false, c.pollErr(err)
	}
	defer c.restoreReadDeadline()
	return c.peekReadable()
}

// peekReadable waits, under the read deadline already set, until a byte is
// buffered or the stream ends. It serves Conns whose net.Conn has no
// descriptor, and platforms without poll(2) support here.
func (c *Conn) peekReadable() (bool, error) {
	_, err := c.br.Peek(1)
	if err == nil || errors.Is(err, io.EOF) {
		return true, nil
	}
	return c.readinessErr(err)
}

// readinessErr maps an error met while waiting for readability: a timeout
// is "not ready", a closed Conn is an error, anything else (a reset, say)
// makes the Conn readable, as poll(2) reports, so that the next receive
// reports it.
func (c *Conn) readinessErr(err error) (bool, error) {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, nil
	case errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || c.closed.Load():
		return false, errClosed("poll")
	}
	return true, nil
}

func (c *Conn) pollErr(err error) error {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || c.closed.Load() {
		return errClosed("poll")
	}
	return err
}
