package managers

import (
	"context"

	"github.com/mpconn/mpconn/connection"
)

// Serve accepts connections on l and serves each in a goroutine of its own
// until the server is closed; then it returns ErrServerClosed. A failed
// handshake (a wrong key, a silent peer) ends only that connection. Serve
// owns l: Close closes it. The first listener served gives the server its
// address (see WithServerAddress). Handshake failures go to the
// connection.OnHandshakeError function the listener was made with, if any.
func (s *Server) Serve(l *connection.Listener) error {
	addr, err := PythonAddress(l.Addr().Network(), l.Addr().String())
	if err != nil {
		l.Close()
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	if s.address == nil {
		s.address = addr
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	err = l.Serve(s.ctx, func(_ context.Context, c *connection.Conn) { s.handle(c) })
	if s.ctx.Err() != nil {
		return ErrServerClosed
	}
	return err
}
