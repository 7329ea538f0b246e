package main

import (
	"bytes"
	"context"
	"errors"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// client is a Python client as a user would write it: plain
// multiprocessing.connection, valid on Python 2.7 and 3.x.
const client = `import sys
from multiprocessing.connection import Client

conn = Client(('127.0.0.1', int(sys.argv[1])), authkey=b'secret password')

def call(method, *args):
    conn.send((method, args))
    reply = conn.recv()
    if isinstance(reply, Exception):
        raise reply
    return reply

def check(got, want):
    assert got == want and type(got) in (type(want), type(u'')), (got, want)
    print(want)

def expect(exc_type, method, *args):
    try:
        call(method, *args)
    except Exception as e:
        assert type(e) is exc_type, (type(e), e)
        print('%s%r' % (type(e).__name__, tuple(str(a) for a in e.args)))
    else:
        raise AssertionError('%s did not raise' % method)

check(call('add', 1, 2), 3)
check(call('add', 2**70, 1), 2**70 + 1)
check(call('add', 1.5, 2), 3.5)
check(call('divide', 7, 2), 3.5)
check(call('upper', 'abc'), 'ABC')
conn.send({'method': 'upper', 'args': ('dict form',)})
check(conn.recv(), 'DICT FORM')
expect(ZeroDivisionError, 'divide', 1, 0)
expect(AttributeError, 'nosuch')
expect(TypeError, 'add', 1)
conn.send(42)
reply = conn.recv()
assert isinstance(reply, TypeError), reply
print('TypeError for a bad request')
conn.close()
`

var want = `3
1180591620717411303425
3.5
3.5
ABC
DICT FORM
ZeroDivisionError('division by zero',)
AttributeError('no method "nosuch"',)
TypeError('add() takes 2 arguments (1 given)',)
TypeError for a bad request
`

func TestPythonClients(t *testing.T) {
	interps := pythons.ForTest(t)
	script := filepath.Join(t.TempDir(), "client.py")
	if err := os.WriteFile(script, []byte(client), 0o644); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer // written by the logger only, read after serve returns
	logger := log.New(&logs, "", 0)
	l, err := listen("127.0.0.1:0", logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	served := make(chan error, 1)
	go func() { served <- serve(ctx, l, logger) }()
	t.Cleanup(func() {
		// Shutting down must not hang, even with a client still connected.
		cancel()
		select {
		case err := <-served:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not return after its context was cancelled")
		}
		l.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	// A client that connects and never sends anything. A server handling
	// one client at a time would never get to the Python clients.
	idle, err := connection.Dial(ctx, "tcp", l.Addr().String(), connection.WithAuthKey(authKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idle.Close() })

	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	for _, py := range interps {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel() // several clients at once, as in real life
			var stderr bytes.Buffer
			cmd := py.Command(ctx, script, port)
			cmd.Stderr = &stderr
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s%s", err, out, stderr.String())
			}
			if string(out) != want {
				t.Errorf("Python printed:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}
