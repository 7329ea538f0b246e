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
	"fmt"
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

	l, err := listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	err = run(ctx, l, os.Stdout)
	l.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// listen starts the Listener. Go, like Python's Listener, sets SO_REUSEADDR
// on listening sockets, so a daemon restarted right after the last one
// stopped can bind the same port while old connections sit in TIME_WAIT.
func listen(addr string) (*connection.Listener, error) {
	return connection.Listen(context.Background(), "tcp", addr, connection.WithAuthKey(authKey))
}

// run serves one client after another, printing what each sends, until a
// client sends 'close' (run returns nil) or ctx is done.
func run(ctx context.Context, l *connection.Listener, out io.Writer) error {
	fmt.Fprintf(out, "listening on %s\n", l.Addr())
	for {
		c, err := l.AcceptContext(ctx)
		if errors.Is(err, connection.ErrHandshake) {
			// Someone with the wrong key (or no key): the Listener keeps
			// serving, and so do we.
			fmt.Fprintf(out, "rejected: %v\n", err)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "connection accepted from %s\n", c.RemoteAddr())
		closed, err := serve(ctx, c, out)
		if err != nil {
			return err
		}
		if closed {
			fmt.Fprintln(out, "closing")
			return nil
		}
	}
}

// serve prints the objects one client sends. It reports whether the client
// asked the daemon to stop; a client that just hangs up is not an error.
func serve(ctx context.Context, c *connection.Conn, out io.Writer) (closed bool, err error) {
	defer c.Close()
	// Recv does not take a context; closing the Conn is what interrupts it.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for {
		msg, err := c.Recv()
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(out, "client hung up")
			return false, nil
		}
		if errors.Is(err, connection.ErrDecode) {
			// A pickle we cannot read spoils only this message.
			fmt.Fprintf(out, "undecodable message: %v\n", err)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, err
		}
		// What Python's objects became in Go: a list is a []any, None is
		// nil, a class or function such as int is a pickle.Global, a dict
		// a *pickle.Dict (which prints itself as Python would).
		fmt.Fprintf(out, "received %T: %v\n", msg, msg)
		if msg == "close" {
			return true, nil
		}
	}
}
