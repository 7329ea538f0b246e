//go:build unix

package connection_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/mpconn/mpconn/connection"
)

// Passing an open file to the other end, which Python takes with
// multiprocessing.reduction.recv_handle(conn) (AckNone up to CPython 3.13,
// AckByte from 3.14) and sends with send_handle(conn, fd, pid). Here both
// ends are Go.
func ExampleConn_SendHandle() {
	a, b, err := connection.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	f, err := os.CreateTemp("", "handle")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	f.WriteString("shared through a descriptor")

	sent := make(chan error, 1)
	go func() { sent <- a.SendHandle(f, connection.AckByte) }()
	g, err := b.RecvHandle(connection.AckByte)
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	if err := <-sent; err != nil {
		log.Fatal(err)
	}
	content, _ := io.ReadAll(io.NewSectionReader(g, 0, 1<<10))
	fmt.Println(string(content))
	// Output: shared through a descriptor
}
