package managers

import (
	"context"
	"net"
	"strings"

	"github.com/mpconn/mpconn/connection"
)

// Listen makes the Listener a Server serves: connection.Listen with the
// options' key (WithAuthKey, or InsecureSkipAuth) and connection options.
// Its connections are the package's sockets (see sockConn): on Linux, TCP
// connections acknowledge a Python client's first messages at once, which
// spares each of its control requests the 40 ms CPython's own manager
// makes it wait.
func Listen(ctx context.Context, network, address string, opts ...Option) (*connection.Listener, error) {
	o := buildOptions(opts)
	return listen(ctx, network, address, &o)
}

func listen(ctx context.Context, network, address string, o *options) (*connection.Listener, error) {
	if !o.hasKey && !o.insecure {
		return nil, connection.ErrNoAuthKey // before listening, as connection.Listen
	}
	network, address, err := socketAddress(network, address)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	nl, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	l, err := connection.NewListener(sockListener{nl}, o.connectionOptions(true)...)
	if err != nil {
		nl.Close()
	}
	return l, err
}

// socketAddress checks network and address (as PythonAddress does) and
// turns a Linux abstract socket name written as Python does ("\x00name")
// into Go's form ("@name").
func socketAddress(network, address string) (string, string, error) {
	if _, err := PythonAddress(network, address); err != nil {
		return "", "", err
	}
	if network == "unix" && strings.HasPrefix(address, "\x00") {
		address = "@" + address[1:]
	}
	return network, address, nil
}

type sockListener struct{ net.Listener }

func (l sockListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newSockConn(c), nil
}
