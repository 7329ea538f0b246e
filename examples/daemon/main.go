// Command daemon is the Go side of the classic multiprocessing.connection
// tutorial: it listens where the tutorial's Python Listener would, on
// localhost:6000 with the key b'secret password', prints every object a
// client sends, and stops when one sends the string 'close'.
//
// The tutorial's Python client works against it unchanged:
//
//	from multiprocessing.connection import Client
//
//	address = ('localhost', 6000)
//	conn = Client(address, authkey=b'secret password')
//	conn.send('close')
//	# can also send arbitrary objects:
//	# conn.send(['a', 2.5, None, int, sum])
//	conn.close()
//
// Run it with:
//
//	go run ./examples/daemon            # then run the Python client
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"os"
	"os/signal"

	"github.com/mpconn/mpconn/connection"
)

// authKey is the tutorial's key. Both sides prove they know it before any
// pickle is exchanged: unpickling data from strangers is never safe.
var authKey = []byte("secret password")

func main() {
	addr := flag.String("addr", "localhost:6000", "address to listen on")
	flag.Parse()

	// Ctrl-C stops the daemon as cleanly as a 'close' message does.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	logger := log.New(os.Stdout, "", 0)
	l, err := listen(*addr, logger)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	if err := run(ctx, l, logger); err != nil {
		log.Fatal(err)
	}
}

// listen starts the Listener. Go, like Python's Listener, sets SO_REUSEADDR
// on listening sockets, so a daemon restarted right after the last one
// stopped can bind the same port while old connections sit in TIME_WAIT.
// Someone with the wrong key (or none) is logged, and the others served.
func listen(addr string, logger *log.Logger) (*connection.Listener, error) {
	return connection.Listen(context.Background(), "tcp", addr, connection.WithAuthKey(authKey),
		connection.OnHandshakeError(func(err *connection.HandshakeError) { logger.Printf("rejected: %v", err) }))
}

// errClose is how a client's 'close' stops the server.
var errClose = errors.New("a client sent 'close'")

// run serves clients, each in its own goroutine, printing what they send,
// until one sends 'close' (run returns nil) or ctx is done.
func run(ctx context.Context, l *connection.Listener, logger *log.Logger) error {
	logger.Printf("listening on %s", l.Addr())
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	err := l.Serve(ctx, func(ctx context.Context, c *connection.Conn) {
		logger.Printf("connection accepted from %s", c.RemoteAddr())
		for {
			msg, err := c.Recv()
			switch {
			case errors.Is(err, connection.ErrDecode):
				// A pickle we cannot read spoils only this message.
				logger.Printf("undecodable message: %v", err)
				continue
			case errors.Is(err, io.EOF):
				logger.Print("client hung up")
				return
			case err != nil:
				return // Serve is stopping, or the client broke off
			}
			// What Python's objects became in Go: a list is a []any, None
			// is nil, a class or function such as int is a pickle.Global,
			// a dict a *pickle.Dict (which prints itself as Python would).
			logger.Printf("received %T: %v", msg, msg)
			if msg == "close" {
				stop(errClose)
				return
			}
		}
	})
	if errors.Is(err, errClose) {
		logger.Print("closing")
		return nil
	}
	return err
}
