package connection

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mpconn/mpconn/auth"
)

// messenger lets the auth package speak through a Conn's framing.
type messenger struct{ c *Conn }

func (m messenger) SendMessage(p []byte) error { return m.c.SendBytes(p) }

// RecvMessage refuses a frame longer than limit from its header alone,
// before any of it is read or allocated.
func (m messenger) RecvMessage(limit int) ([]byte, error) {
	return m.c.recvMax(uint64(max(limit, 0)))
}

// handshake authenticates c, as the listener (deliver, then answer) when
// server is true, else as the client. It is bounded by ctx and by the
// handshake timeout; on failure it returns a *HandshakeError and the caller
// closes c.
func handshake(ctx context.Context, c *Conn, o *options, server bool) error {
	if !o.hasKey() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return &HandshakeError{Addr: c.RemoteAddr(), Err: err}
	}
	deadline, hasDeadline := ctx.Deadline()
	fromCtx := hasDeadline
	if o.handshakeTimeout > 0 {
		if t := time.Now().Add(o.handshakeTimeout); !hasDeadline || t.Before(deadline) {
			deadline, hasDeadline, fromCtx = t, true, false
		}
	}
	if hasDeadline {
		if err := c.nc.SetDeadline(deadline); err != nil {
			return &HandshakeError{Addr: c.RemoteAddr(), Err: err}
		}
	}
	// Cancelling ctx wakes the handshake's blocked read or write; stopped
	// is closed once that can no longer happen, so that clearing the
	// deadline below is final.
	var once sync.Once
	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.nc.SetDeadline(aLongTimeAgo)
		once.Do(func() { close(stopped) })
	})

	var err error
	if server {
		err = auth.ServerHandshake(messenger{c}, o.key, o.authOpts...)
	} else {
		err = auth.ClientHandshake(messenger{c}, o.key, o.authOpts...)
	}

	if stop() {
		once.Do(func() { close(stopped) })
	}
	<-stopped
	switch {
	case err == nil && ctx.Err() != nil:
		err = context.Cause(ctx)
	case err == nil:
		// Failing here means the Conn is already closed; its next
		// operation will say so.
		_ = c.nc.SetDeadline(time.Time{})
	case !errors.Is(err, os.ErrDeadlineExceeded):
	case ctx.Err() != nil:
		err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
	case fromCtx:
		err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
	default:
		err = fmt.Errorf("handshake timed out after %v: %w", o.handshakeTimeout, err)
	}
	if err != nil {
		return &HandshakeError{Addr: c.RemoteAddr(), Err: err}
	}
	return nil
}
