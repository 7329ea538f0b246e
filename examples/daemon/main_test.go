//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/internal/testutil"
	"github.com/mpconn/mpconn/pickle"
)

// tutorialClient is the tutorial's Python client, verbatim.
const tutorialClient = `from multiprocessing.connection import Client

address = ('localhost', 6000)
conn = Client(address, authkey=b'secret password')
conn.send('close')
# can also send arbitrary objects:
# conn.send(['a', 2.5, None, int, sum])
conn.close()
`

func TestTutorialClient(t *testing.T) {
	interps := pythons.ForTest(t)

	// The second variant sends the commented-out list before 'close'.
	withList := strings.Replace(tutorialClient,
		"conn.send('close')\n",
		"conn.send(['a', 2.5, None, int, sum])\nconn.send('close')\n", 1)
	if withList == tutorialClient {
		t.Fatal("could not enable the list in the tutorial client")
	}
	dir := t.TempDir()
	scripts := map[string]string{
		"plain": testutil.WriteFile(t, dir, "client.py", tutorialClient),
		"list":  testutil.WriteFile(t, dir, "client_list.py", withList),
	}
	// What a Python 2 or 3 list ['a', 2.5, None, int, sum] must become in
	// Go, type for type (py2's __builtin__ is reported as builtins).
	list := []any{"a", 2.5, nil, pickle.Global{Module: "builtins", Name: "int"}, pickle.Global{Module: "builtins", Name: "sum"}}

	testutil.LockPort6000(t)
	for _, py := range interps {
		for _, variant := range []string{"plain", "list"} {
			// Serial on purpose: every run binds the tutorial's port 6000
			// right after the previous daemon released it.
			t.Run(py.Name()+"/"+variant, func(t *testing.T) {
				out := runDaemonWith(t, py, scripts[variant])
				want := []string{"received string: close", "closing"}
				if variant == "list" {
					want = append([]string{fmt.Sprintf("received %T: %v", list, list)}, want...)
				}
				if got := receivedLines(out); !equalLines(got, want) {
					t.Errorf("daemon output:\n%s\nwant the received lines:\n%s", out, strings.Join(want, "\n"))
				}
			})
		}
	}
}

// runDaemonWith runs the daemon on localhost:6000 and the Python script
// against it, and returns what the daemon printed.
func runDaemonWith(t *testing.T, py pythons.Interpreter, script string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var out bytes.Buffer // written through the logger only, read once run has returned
	logger := log.New(&out, "", 0)
	l, err := listen("localhost:6000", logger)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() { done <- run(ctx, l, logger) }()

	cmd := py.Command(ctx, script)
	cmd.WaitDelay = 5 * time.Second
	pyOut, err := cmd.CombinedOutput()
	if err != nil {
		cancel() // the client failed: stop the daemon rather than wait for 'close'
	}
	runErr := <-done
	if err != nil {
		t.Fatalf("%s: %v\n%s", py.Name(), err, pyOut)
	}
	if runErr != nil {
		t.Fatalf("daemon: %v\n%s", runErr, out.String())
	}
	return out.String()
}

// receivedLines keeps the lines that report objects and the stop; the
// others name ephemeral ports.
func receivedLines(out string) []string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "received ") || line == "closing" {
			lines = append(lines, line)
		}
	}
	return lines
}

func equalLines(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}
