package connection

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// unhex decodes hex that may contain spaces and newlines.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	require.NoError(t, err)
	return b
}

// counter is the spec's golden "random" source: bytes base, base+1, ...
type counter struct{ next byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.next
		c.next++
	}
	return len(p), nil
}

// fakeConn is a net.Conn that reads from r and records every Write.
type fakeConn struct {
	r      io.Reader
	mu     sync.Mutex
	out    bytes.Buffer
	writes []int
	closed bool
}

func newFakeConn(in []byte) *fakeConn { return &fakeConn{r: bytes.NewReader(in)} }

func (f *fakeConn) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, net.ErrClosed
	}
	f.writes = append(f.writes, len(p))
	return f.out.Write(p)
}
func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}
func (f *fakeConn) LocalAddr() net.Addr                { return fakeAddr("fake-local") }
func (f *fakeConn) RemoteAddr() net.Addr               { return fakeAddr("fake-remote") }
func (f *fakeConn) SetDeadline(t time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(t time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(t time.Time) error { return nil }

type fakeAddr string

func (a fakeAddr) Network() string { return "fake" }
func (a fakeAddr) String() string  { return string(a) }

// recordConn wraps a net.Conn and records what it writes.
type recordConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (r *recordConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.out.Write(p)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func (r *recordConn) written() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.out.Bytes()...)
}

// transport makes a connected pair of Conns; for a one-way transport a only
// sends and b only receives.
type transport struct {
	name   string
	duplex bool
	pair   func(t *testing.T, opts ...Option) (a, b *Conn)
}

func transports() []transport {
	listenPair := func(network, address string) func(t *testing.T, opts ...Option) (*Conn, *Conn) {
		return func(t *testing.T, opts ...Option) (*Conn, *Conn) {
			t.Helper()
			addr := address
			if addr == "" {
				addr = filepath.Join(t.TempDir(), "s.sock")
			}
			l, err := Listen(context.Background(), network, addr, append(opts, InsecureSkipAuth())...)
			require.NoError(t, err)
			t.Cleanup(func() { l.Close() })
			a, err := Dial(context.Background(), network, l.Addr().String(), opts...)
			require.NoError(t, err)
			b, err := l.Accept()
			require.NoError(t, err)
			t.Cleanup(func() { a.Close(); b.Close() })
			return a, b
		}
	}
	ts := []transport{
		{"tcp", true, listenPair("tcp", "127.0.0.1:0")},
		{"unix", true, listenPair("unix", "")},
		{"pipe", true, func(t *testing.T, opts ...Option) (*Conn, *Conn) {
			a, b, err := Pipe(opts...)
			require.NoError(t, err)
			t.Cleanup(func() { a.Close(); b.Close() })
			return a, b
		}},
		{"fileconn-socket", true, func(t *testing.T, opts ...Option) (*Conn, *Conn) {
			a, b, err := Pipe(opts...)
			require.NoError(t, err)
			f := connFile(t, b)
			b.Close()
			fb, err := FileConn(f, opts...)
			require.NoError(t, err)
			f.Close()
			t.Cleanup(func() { a.Close(); fb.Close() })
			return a, fb
		}},
		{"fileconn-os-pipe", false, func(t *testing.T, opts ...Option) (*Conn, *Conn) {
			r, w, err := os.Pipe()
			require.NoError(t, err)
			a, err := FileConn(w, opts...)
			require.NoError(t, err)
			b, err := FileConn(r, opts...)
			require.NoError(t, err)
			r.Close()
			w.Close()
			t.Cleanup(func() { a.Close(); b.Close() })
			return a, b
		}},
	}
	if runtime.GOOS == "linux" {
		ts = append(ts, transport{"unix-abstract", true, func(t *testing.T, opts ...Option) (*Conn, *Conn) {
			name := "\x00mpconn-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			return listenPair("unix", name)(t, opts...)
		}})
	}
	return ts
}

// connFile returns a duplicate *os.File of a socket-backed Conn.
func connFile(t *testing.T, c *Conn) *os.File {
	t.Helper()
	type filer interface{ File() (*os.File, error) }
	f, err := c.nc.(filer).File()
	require.NoError(t, err)
	return f
}

// goroutineCheck fails the test if goroutines started after it was called
// are still running at the end.
func goroutineCheck(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines leaked: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// shortHandshake is the handshake timeout of tests about that timeout
// firing: short, so that they are quick; nothing else waits on it.
const shortHandshake = 200 * time.Millisecond

// hangGuard bounds waits that end early unless something is broken: long
// enough that no load on the machine makes a healthy run reach it.
const hangGuard = 30 * time.Second

// waitForClose discards what the peer sends until it closes the connection
// (or hangGuard passes): a silent peer that holds on until it is let go.
func waitForClose(nc net.Conn) {
	_ = nc.SetReadDeadline(time.Now().Add(hangGuard))
	_, _ = io.Copy(io.Discard, nc)
}

// pattern returns n bytes that differ from message to message.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

var isLinux = runtime.GOOS == "linux"
