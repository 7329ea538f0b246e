package connection

import (
	"context"
	"net"
)

// Dial connects to a multiprocessing Listener, like Python's
// Client(address, authkey=...), and runs the client's half of the handshake
// when WithAuthKey is given (without it, as with authkey=None, there is
// none). network is "tcp", "tcp4", "tcp6" or "unix"; a unix address is a
// path, or on Linux an abstract name written "\x00name" or "@name".
//
// ctx bounds the connect and the handshake; the handshake is also bounded
// by WithHandshakeTimeout. A failed handshake is a *HandshakeError.
func Dial(ctx context.Context, network, address string, opts ...Option) (*Conn, error) {
	o, err := resolveOptions("Dial", dialSettings, opts)
	if err != nil {
		return nil, err
	}
	network, address, err = resolveNetwork(network, address)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return start(ctx, nc, &o, false)
}

// Client makes nc a Conn, running the client's half of the handshake when
// WithAuthKey is given. The Conn owns nc; if the handshake fails (a
// *HandshakeError), nc is closed.
func Client(ctx context.Context, nc net.Conn, opts ...Option) (*Conn, error) {
	o, err := resolveOptions("Client", dialSettings, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return start(ctx, nc, &o, false)
}

// Server makes nc a Conn, running the listener's half of the handshake:
// the side that challenges first. It needs WithAuthKey, or InsecureSkipAuth
// to run without a handshake; otherwise it fails with ErrNoAuthKey. The Conn
// owns nc; on any error nc is closed.
func Server(ctx context.Context, nc net.Conn, opts ...Option) (*Conn, error) {
	o, err := resolveOptions("Server", serverSettings, opts)
	if err == nil && !o.hasKey() && !o.insecure {
		err = ErrNoAuthKey
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return start(ctx, nc, &o, true)
}

func start(ctx context.Context, nc net.Conn, o *options, server bool) (*Conn, error) {
	c := newConn(nc, o)
	c.unauthenticated = !server && !o.hasKey()
	if err := handshake(ctx, c, o, server); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
