//go:build unix

// Package testutil holds small helpers that tests in several packages share.
package testutil

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// LockPort6000 holds a machine-wide lock for the rest of the test. The
// classic multiprocessing tutorial fixes its address at localhost:6000, and
// go test runs the examples/daemon and examples/client packages in
// parallel, so their tests take turns on the port.
func LockPort6000(t testing.TB) { LockPort(t, 6000) }

// LockPort holds a machine-wide lock on a port that documentation fixes
// (6000 for the connection tutorial, 50000 for the remote manager) for the
// rest of the test, so that tests of several packages take turns on it.
func LockPort(t testing.TB, port int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), fmt.Sprintf("mpconn-examples-port-%d.lock", port)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			t.Fatalf("locking port %d: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// WriteFile writes text to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// OpenFileWith returns a temporary file, open for reading and writing,
// that holds text; it is closed when the test ends. Tests of descriptor
// passing hand it to the other end.
func OpenFileWith(t testing.TB, text string) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "handle")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	return f
}

// Contents reads f from its start, whatever its offset.
func Contents(t testing.TB, f *os.File) string {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<30))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
