//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/internal/testutil"
)

// tutorialServer is the tutorial's Python Listener, verbatim.
const tutorialServer = `from multiprocessing.connection import Listener

address = ('localhost', 6000)     # family is deduced to be 'AF_INET'
listener = Listener(address, authkey=b'secret password')
conn = listener.accept()
print('connection accepted from', listener.last_accepted)
while True:
    msg = conn.recv()
    # do something with msg
    if msg == 'close':
        conn.close()
        break
listener.close()
`

func TestTutorialServer(t *testing.T) {
	interps := pythons.ForTest(t)

	// A copy that also prints what it received, so the test can see it.
	printing := strings.Replace(tutorialServer,
		"    msg = conn.recv()\n",
		"    msg = conn.recv()\n    print(msg)\n", 1)
	if printing == tutorialServer {
		t.Fatal("could not add the print to the tutorial server")
	}
	dir := t.TempDir()
	verbatim := testutil.WriteFile(t, dir, "server.py", tutorialServer)
	printer := testutil.WriteFile(t, dir, "server_print.py", printing)

	testutil.LockPort6000(t)
	for _, py := range interps {
		// Python 2.7 cannot read protocol 3 and up.
		protocol := 4
		if !py.AtLeast(3, 0) {
			protocol = 2
		}
		// Serial on purpose: every server binds the tutorial's port 6000.
		t.Run(py.Name()+"/verbatim", func(t *testing.T) {
			out := runClientAgainst(t, py, verbatim, protocol)
			if !strings.Contains(out, "connection accepted from") {
				t.Errorf("server output:\n%s", out)
			}
		})
		t.Run(py.Name()+"/printing", func(t *testing.T) {
			out := runClientAgainst(t, py, printer, protocol)
			// Python's own repr of what it received: real builtins.
			want := "['a', 2.5, None, <class 'int'>, <built-in function sum>]\nclose\n"
			if !py.AtLeast(3, 0) {
				want = "[u'a', 2.5, None, <type 'int'>, <built-in function sum>]\nclose\n"
			}
			if _, got, _ := strings.Cut(out, "\n"); got != want {
				t.Errorf("server printed:\n%s\nwant after the first line:\n%s", out, want)
			}
		})
	}
}

// runClientAgainst starts the Python server script, runs the Go client
// against it and returns the server's output once it has exited.
func runClientAgainst(t *testing.T, py pythons.Interpreter, script string, protocol int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var pyOut bytes.Buffer
	cmd := py.Command(ctx, script)
	cmd.Stdout = &pyOut
	cmd.Stderr = &pyOut
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cancel() // kills the server if it is still running
		<-exited
	}()

	// The server needs a moment to start listening. Retrying a refused
	// connection is safe; probing with a bare TCP connect is not, as the
	// tutorial server would die on the failed handshake.
	for {
		err := run(ctx, "localhost:6000", protocol, io.Discard)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || ctx.Err() != nil {
			t.Fatalf("client: %v\nserver output:\n%s", err, pyOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-exited:
		exited <- err // for the deferred wait
		if err != nil {
			t.Fatalf("%s server: %v\n%s", py.Name(), err, pyOut.String())
		}
	case <-ctx.Done():
		t.Fatalf("%s server did not stop after 'close'", py.Name())
	}
	return pyOut.String()
}
