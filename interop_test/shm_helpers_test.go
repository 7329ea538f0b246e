//go:build linux

package interop_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
)

// The shared-memory interop suite (shm_*_test.go): for every CPython 3.8+
// found, one testdata/shm_peer.py process, driven over the multiprocessing
// connection it inherits, serves every case of TestShm in turn. Segment
// names are drawn by shmNames, which remembers them so that the suite can
// check at its end that none is left in /dev/shm.

const shmCallTimeout = 60 * time.Second // one request, a hang guard only

// shmNameSet remembers every segment name the suite makes or sees.
type shmNameSet struct {
	mu    sync.Mutex
	names []string
}

var shmNames shmNameSet

// fresh returns a new segment name, remembered.
func (s *shmNameSet) fresh(t testing.TB) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return s.add("mpconn_shmit_" + hex.EncodeToString(b))
}

func (s *shmNameSet) add(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names = append(s.names, name)
	return name
}

// left returns the remembered names still in /dev/shm.
func (s *shmNameSet) left() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var left []string
	for _, n := range s.names {
		if _, err := os.Lstat(filepath.Join("/dev/shm", n)); err == nil {
			left = append(left, n)
		}
	}
	return slices.Compact(left)
}

// pyError is a Python exception a request raised.
type pyError struct {
	Type, Msg, Traceback string
}

func (e *pyError) Error() string { return fmt.Sprintf("%s: %s\n%s", e.Type, e.Msg, e.Traceback) }

// shmPeer is a running shm_peer.py.
type shmPeer struct {
	py     pythons.Interpreter
	conn   *connection.Conn
	stderr *lockedBuffer
}

// startShmPeer starts shm_peer.py with its connection as fd 3 and extra as
// fds 4, ... When the test ends, the connection is closed, the peer exits,
// and its stderr (where its resource tracker writes too) must be empty.
func startShmPeer(t *testing.T, py pythons.Interpreter, extra ...*os.File) *shmPeer {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "shm_peer.py"))
	require.NoError(t, err)
	conn, child, err := connection.ChildPipe()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), peerLifetime)
	c := py.Command(ctx, "-u", script)
	c.ExtraFiles = append([]*os.File{child}, extra...)
	c.WaitDelay = 10 * time.Second
	p := &shmPeer{py: py, conn: conn, stderr: &lockedBuffer{}}
	c.Stderr = p.stderr
	err = c.Start()
	_ = child.Close()
	if err != nil {
		cancel()
		_ = conn.Close()
		require.NoError(t, err, "starting %s", py.Name())
	}
	t.Cleanup(func() {
		_ = conn.Close() // EOF: the peer exits by itself
		err := c.Wait()  // stderr closes once the peer's resource tracker has exited too
		cancel()
		if err != nil {
			t.Errorf("%s peer: %v", py.Name(), err)
		}
		if s := p.stderr.String(); s != "" {
			t.Errorf("%s peer wrote to stderr (a resource tracker warning is a leak):\n%s", py.Name(), s)
		}
	})
	return p
}

// call runs code in the peer with args; a Python exception is a *pyError.
func (p *shmPeer) call(code string, args any) (any, error) {
	if err := p.request(code, args); err != nil {
		return nil, err
	}
	return p.reply()
}

// request sends code and args without waiting for the reply, for cases
// where the code sends something of its own first.
func (p *shmPeer) request(code string, args any) error {
	if err := p.conn.SetDeadline(time.Now().Add(shmCallTimeout)); err != nil {
		return err
	}
	if err := p.conn.Send(pickle.Tuple{dedent(code), args}); err != nil {
		return fmt.Errorf("sending to %s: %w", p.py.Name(), err)
	}
	return nil
}

// reply receives the answer to the last request.
func (p *shmPeer) reply() (any, error) {
	v, err := p.conn.Recv()
	if err != nil {
		return nil, fmt.Errorf("receiving from %s: %w (stderr: %s)", p.py.Name(), err, p.stderr.String())
	}
	reply, ok := v.(pickle.Tuple)
	if !ok || len(reply) == 0 {
		return nil, fmt.Errorf("%s replied %#v", p.py.Name(), v)
	}
	switch reply[0] {
	case "ok":
		if len(reply) == 2 {
			return reply[1], nil
		}
	case "error":
		if len(reply) == 4 {
			e := &pyError{}
			e.Type, _ = reply[1].(string)
			e.Msg, _ = reply[2].(string)
			e.Traceback, _ = reply[3].(string)
			return nil, e
		}
	}
	return nil, fmt.Errorf("%s replied %#v", p.py.Name(), v)
}

// run is call for code that must succeed.
func (p *shmPeer) run(t testing.TB, code string, args any) any {
	t.Helper()
	v, err := p.call(code, args)
	require.NoError(t, err, "%s", code)
	return v
}

// dedent strips the common indentation of Go raw-string Python code.
func dedent(code string) string {
	lines := strings.Split(strings.Trim(code, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}
