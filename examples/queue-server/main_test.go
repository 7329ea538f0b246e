//go:build unix

package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/internal/testutil"
)

// TestDocsClients runs the Python docs' two remote-manager clients,
// verbatim (their 'foo.bar.org' aimed at 127.0.0.1), against the server on
// the docs' port 50000 with the docs' key: one puts 'hello', the other gets
// it, and Python's doctest checks it prints 'hello' as the docs show. Then
// a client's shutdown request stops the server.
func TestDocsClients(t *testing.T) {
	interps := pythons.ForTest(t)
	testutil.LockPort(t, 50000)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:50000", []byte("abracadabra"), out) }()
	waitFor(t, out, "serving on 127.0.0.1:50000")

	for _, py := range interps {
		t.Run(py.Name(), func(t *testing.T) {
			_, put, get := testutil.DocsRemoteManager(py, "127.0.0.1")
			testutil.RunDocs(t, py, put)
			testutil.RunDocs(t, py, get)
		})
	}

	// Python's BaseManager.shutdown() sends this request to the manager it
	// started; here a client sends it to the Go one.
	newest, ok := pythons.Newest(interps)
	if !ok {
		t.Skip("no CPython 3 for the shutdown")
	}
	testutil.RunDocs(t, newest, `>>> from multiprocessing.managers import BaseManager, dispatch
>>> m = BaseManager(address=('127.0.0.1', 50000), authkey=b'abracadabra')
>>> conn = m._Client(m.address, authkey=b'abracadabra')
>>> dispatch(conn, None, 'shutdown')
`)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shut down by a client", "0 items left on the queue"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
}

// TestInterrupt: the server stops when its context ends (SIGINT in main).
func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", []byte("abracadabra"), out) }()
	waitFor(t, out, "serving on")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("output %q", out.String())
	}
}

// waitFor waits until the output holds s (the server prints it once it
// listens).
func waitFor(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), s); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", s, out.String())
		}
		out.wait()
	}
}

// syncBuffer is an output the server writes while the test reads it.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wait returns after the next Write (or a second, to look again).
func (b *syncBuffer) wait() {
	b.mu.Lock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	ch := b.changed
	b.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(time.Second):
	}
}
