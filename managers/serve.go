package managers

import (
	"errors"

	"github.com/mpconn/mpconn/connection"
)

// Serve accepts connections on l and serves each in a goroutine of its own
// until the server is closed; then it returns ErrServerClosed. A failed
// handshake (a wrong key, a silent peer) ends only that connection. Serve
// owns l: Close closes it. The first listener served gives the server its
// address (see WithServerAddress).
//
// This loop is the only place that accepts; it can give way to a Serve loop
// of package connection when that has one.
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
	for {
		conn, err := l.Accept()
		if errors.Is(err, connection.ErrHandshake) {
			continue
		}
		if err != nil {
			if s.ctx.Err() != nil {
				return ErrServerClosed
			}
			return err
		}
		go s.handle(conn)
	}
}
