package connection_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"time"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/connection"
)

// A listener that a Python client can reach with
// Client(("127.0.0.1", port), authkey=b"secret"). Here a Go client plays
// Python's part.
func ExampleListen() {
	key := []byte("secret")
	l, err := connection.Listen(context.Background(), "tcp", "127.0.0.1:0", connection.WithAuthKey(key))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	go func() {
		c, err := connection.Dial(context.Background(), "tcp", l.Addr().String(), connection.WithAuthKey(key))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		c.SendBytes([]byte("hello"))
		reply, _ := c.RecvBytes()
		fmt.Printf("client got %q\n", reply)
	}()

	c, err := l.Accept() // a wrong key would be a *HandshakeError; Accept again
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	msg, err := c.RecvBytes()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listener got %q\n", msg)
	c.SendBytes([]byte("pong"))
	c.RecvBytes() // io.EOF once the client hangs up
	// Output:
	// listener got "hello"
	// client got "pong"
}

// A server: every authenticated client gets its own goroutine, clients
// with a wrong key are reported and the others served, and cancelling the
// context stops it all. Python clients call it with
// Client(("127.0.0.1", port), authkey=b"secret").
func ExampleListener_Serve() {
	key := []byte("secret")
	rejected := make(chan *connection.HandshakeError, 1)
	l, err := connection.Listen(context.Background(), "tcp", "127.0.0.1:0", connection.WithAuthKey(key),
		connection.OnHandshakeError(func(err *connection.HandshakeError) { rejected <- err }))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- l.Serve(ctx, func(ctx context.Context, c *connection.Conn) {
			for {
				n, err := connection.RecvAs[int](c)
				if err != nil {
					return // the client hung up, or Serve is stopping
				}
				c.Send(n * 2)
			}
		})
	}()

	_, err = connection.Dial(context.Background(), "tcp", l.Addr().String(), connection.WithAuthKey([]byte("wrong")))
	fmt.Println("client:", errors.Is(err, connection.ErrHandshake))
	fmt.Println("server:", errors.Is(<-rejected, auth.ErrAuthentication))
	c, err := connection.Dial(context.Background(), "tcp", l.Addr().String(), connection.WithAuthKey(key))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Send(21)
	answer, _ := connection.RecvAs[int](c)
	fmt.Println(answer)

	stop()
	fmt.Println(<-served)
	// Output:
	// client: true
	// server: true
	// 42
	// context canceled
}

// Connecting to a Python Listener(("127.0.0.1", port), authkey=b"secret").
// Here a Go listener plays Python's part.
func ExampleDial() {
	l, err := connection.Listen(context.Background(), "tcp", "127.0.0.1:0", connection.WithAuthKey([]byte("secret")))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		msg, _ := c.RecvBytes()
		c.SendBytes(append([]byte("echo: "), msg...))
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := connection.Dial(ctx, "tcp", l.Addr().String(), connection.WithAuthKey([]byte("secret")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.SendBytes([]byte("hi")); err != nil {
		log.Fatal(err)
	}
	reply, err := c.RecvBytes()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(reply))
	// Output: echo: hi
}

// A connected pair, as multiprocessing.Pipe() makes.
func ExamplePipe() {
	a, b, err := connection.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()

	a.SendBytes([]byte("ping"))
	ready, _ := b.Poll(time.Second)
	msg, _ := b.RecvBytes()
	fmt.Println(ready, string(msg))

	b.SendBytes(nil) // empty messages are legal
	msg, _ = a.RecvBytes()
	fmt.Println(len(msg))
	// Output:
	// true ping
	// 0
}

// Waiting on several connections at once, like
// multiprocessing.connection.wait.
func ExampleWait() {
	a1, b1, _ := connection.Pipe()
	a2, b2, _ := connection.Pipe()
	defer func() { a1.Close(); b1.Close(); a2.Close(); b2.Close() }()

	a2.SendBytes([]byte("second"))
	ready, err := connection.Wait([]*connection.Conn{b1, b2}, time.Second)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range ready {
		msg, _ := c.RecvBytes()
		fmt.Println(string(msg))
	}
	// Output: second
}

// Sharing a pipe with a Python child process, which sees its end as
// descriptor 3.
func ExampleChildPipe() {
	conn, childEnd, err := connection.ChildPipe()
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	child := exec.Command("python3", "-c", `
from multiprocessing.connection import Connection
conn = Connection(3)
conn.send(conn.recv() * 2)`)
	child.ExtraFiles = []*os.File{childEnd}
	if err := child.Start(); err != nil {
		log.Fatal(err)
	}
	childEnd.Close() // the child has its own copy now

	if err := conn.Send(21); err != nil {
		log.Fatal(err)
	}
	answer, err := connection.RecvAs[int](conn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer, child.Wait())
}
