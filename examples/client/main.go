// Command client is the Go side of the classic multiprocessing.connection
// tutorial the other way round: it connects to the tutorial's Python
// Listener on localhost:6000 (key b'secret password'), sends a list, then
// 'close', which makes the server stop. The server, unchanged:
//
//	from multiprocessing.connection import Listener
//
//	address = ('localhost', 6000)     # family is deduced to be 'AF_INET'
//	listener = Listener(address, authkey=b'secret password')
//	conn = listener.accept()
//	print('connection accepted from', listener.last_accepted)
//	while True:
//	    msg = conn.recv()
//	    # do something with msg
//	    if msg == 'close':
//	        conn.close()
//	        break
//	listener.close()
//
// Start the server, then:
//
//	go run ./examples/client                # Python 3
//	go run ./examples/client -protocol 2    # Python 2.7
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// authKey is the tutorial's key; the listener refuses anyone without it.
var authKey = []byte("secret password")

func main() {
	addr := flag.String("addr", "localhost:6000", "address of the Python Listener")
	protocol := flag.Int("protocol", pickle.DefaultProtocol,
		"pickle protocol to send: Python 3 reads the default, 4; Python 2.7 needs 2")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, *addr, *protocol, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run connects, sends the tutorial's objects and then 'close'.
func run(ctx context.Context, addr string, protocol int, out io.Writer) error {
	c, err := connection.Dial(ctx, "tcp", addr,
		connection.WithAuthKey(authKey), connection.WithPickleOptions(pickle.WithProtocol(protocol)))
	if err != nil {
		return err
	}
	defer c.Close()

	// Python pickles a class or a function as a reference by name, which
	// the receiver looks up; pickle.Global is such a reference, so Python
	// gets its own int and sum back.
	intType := pickle.Global{Module: "builtins", Name: "int"}
	if protocol < 3 {
		// Protocol 2 means a Python 2 peer, so use Python 2's name. Like
		// CPython 3, package pickle would translate builtins.int to
		// Python 2's long (Python 3's int is Python 2's long), and
		// Python 3 reads __builtin__.int as its int anyway.
		intType = pickle.Global{Module: "__builtin__", Name: "int"}
	}
	msgs := []any{
		[]any{"a", 2.5, nil, intType, pickle.Global{Module: "builtins", Name: "sum"}},
		// A Go string is a str on Python 3 (and a unicode on 2.7, which
		// compares equal to 'close').
		"close",
	}
	for _, msg := range msgs {
		if err := c.Send(msg); err != nil {
			return err
		}
		fmt.Fprintf(out, "sent %#v\n", msg)
	}
	return nil
}
