//go:build unix

package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/internal/testutil"
)

// TestDocsServer runs the Python docs' remote-manager server, verbatim, on
// the docs' port 50000 with the docs' key, under every interpreter: the Go
// client puts 'hello' and 'world'; the docs' second client, verbatim, gets
// 'hello' as the docs show (Python's doctest checks it); the Go client gets
// and prints 'world'.
func TestDocsServer(t *testing.T) {
	interps := pythons.ForTest(t)
	testutil.LockPort(t, 50000)
	for _, py := range interps {
		// Serial on purpose: each server binds the docs' port.
		t.Run(py.Name(), func(t *testing.T) {
			server, _, get := testutil.DocsRemoteManager(py, "127.0.0.1")
			testutil.StartDocsServer(t, py, server)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			key := []byte("abracadabra")
			var out bytes.Buffer
			if err := run(ctx, "127.0.0.1:50000", key, []string{"hello", "world"}, 0, &out); err != nil {
				t.Fatalf("putting: %v", err)
			}
			testutil.RunDocs(t, py, get)
			if err := run(ctx, "127.0.0.1:50000", key, nil, 1, &out); err != nil {
				t.Fatalf("getting: %v", err)
			}
			if got := out.String(); got != "'world'\n" {
				t.Errorf("printed %q, want 'world' as Python's repr shows it", got)
			}
		})
	}
}
