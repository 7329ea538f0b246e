package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
)

// Time limits: a hang must fail a test quickly, never block CI.
const (
	peerLifetime = 3 * time.Minute  // a whole peer process
	replyTimeout = 60 * time.Second // one command, including 64 MiB transfers under -race
	ioTimeout    = 60 * time.Second // deadline set on every Go connection
	dialTimeout  = 20 * time.Second // Dial / Accept including the handshake
)

// cmd is one instruction for peer.py.
type cmd map[string]any

// reply is peer.py's answer to one cmd.
type reply map[string]any

func (r reply) ok() bool { v, _ := r["ok"].(bool); return v }

// isAuthError reports whether Python raised multiprocessing.AuthenticationError.
func (r reply) isAuthError() bool {
	v, _ := r["auth"].(bool)
	return !r.ok() && v && r.str("type") == "AuthenticationError"
}

func (r reply) str(k string) string { v, _ := r[k].(string); return v }

func (r reply) num(k string) int {
	v, ok := r[k].(float64)
	if !ok {
		return -1 << 62
	}
	return int(v)
}

func (r reply) String() string {
	if r.ok() {
		b, _ := json.Marshal(map[string]any(r))
		return string(b)
	}
	return fmt.Sprintf("python %s failed: %s: %s\n%s", r.str("op"), r.str("type"), r.str("msg"), r.str("traceback"))
}

func requireOK(t testing.TB, r reply) {
	t.Helper()
	require.True(t, r.ok(), "%s", r)
}

// peer is a running testdata/peer.py, seen from one test: failures are
// reported to t. Subtests sharing the process take their own view with
// p.in(t) so that FailNow stops the right goroutine.
type peer struct {
	t testing.TB
	*peerState
}

func (p *peer) in(t testing.TB) *peer { return &peer{t: t, peerState: p.peerState} }

type peerState struct {
	py      pythons.Interpreter
	stdin   io.WriteCloser
	replies chan reply
	stderr  *lockedBuffer
	seq     int // last command sent
	next    int // oldest command not answered yet
	timeout time.Duration
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type peerConfig struct {
	files  []*os.File
	reply  time.Duration
	script string
}

type peerOption func(*peerConfig)

// withFiles passes files to the child as fds 3, 4, ...
func withFiles(files ...*os.File) peerOption {
	return func(c *peerConfig) { c.files = files }
}

// withScript runs another script of testdata with peer.py's command
// protocol (managers_peer.py).
func withScript(name string) peerOption {
	return func(c *peerConfig) { c.script = name }
}

// withReplyTimeout overrides the wait for one reply (the process lifetime
// grows with it).
func withReplyTimeout(d time.Duration) peerOption {
	return func(c *peerConfig) { c.reply = d }
}

// startPeer runs peer.py under py. The process is killed when the test
// ends (or after its lifetime); its stderr is logged if the test failed.
func startPeer(t testing.TB, py pythons.Interpreter, opts ...peerOption) *peer {
	t.Helper()
	cfg := peerConfig{reply: replyTimeout, script: "peer.py"}
	for _, o := range opts {
		o(&cfg)
	}
	script, err := filepath.Abs(filepath.Join("testdata", cfg.script))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), max(peerLifetime, 4*cfg.reply))
	c := py.Command(ctx, "-u", script)
	c.ExtraFiles = cfg.files
	c.WaitDelay = 5 * time.Second
	p := &peer{t: t, peerState: &peerState{py: py, replies: make(chan reply, 16), stderr: &lockedBuffer{}, next: 1, timeout: cfg.reply}}
	c.Stderr = p.stderr
	p.stdin, err = c.StdinPipe()
	require.NoError(t, err)
	stdout, err := c.StdoutPipe()
	require.NoError(t, err)
	if err := c.Start(); err != nil {
		cancel()
		require.NoError(t, err, "starting %s", py.Name())
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(p.replies)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var r reply
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				r = reply{"ok": false, "type": "BadJSON", "msg": sc.Text()}
			}
			p.replies <- r
		}
	}()
	t.Cleanup(func() {
		_ = p.stdin.Close() // EOF on stdin: peer.py exits by itself
		exited := make(chan error, 1)
		go func() { exited <- c.Wait() }()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cancel() // kill
			<-exited
		}
		cancel()
		// drain so the reader goroutine can finish
		for range p.replies {
		}
		<-readerDone
		if t.Failed() {
			if s := p.stderr.String(); s != "" {
				t.Logf("%s stderr:\n%s", py.Name(), s)
			}
		}
	})
	return p
}

// send writes a command without waiting for its reply: the caller does the
// Go half of a blocking exchange, then calls reply.
func (p *peer) send(c cmd) {
	p.t.Helper()
	p.seq++
	c["seq"] = p.seq
	b, err := json.Marshal(c)
	require.NoError(p.t, err)
	_, err = p.stdin.Write(append(b, '\n'))
	require.NoError(p.t, err, "writing a command to %s (stderr: %s)", p.py.Name(), p.stderr.String())
}

// reply waits for the answer to the oldest command not answered yet.
func (p *peer) reply() reply {
	p.t.Helper()
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case r, ok := <-p.replies:
		if !ok {
			p.t.Fatalf("%s exited without answering command %d; stderr:\n%s", p.py.Name(), p.next, p.stderr.String())
		}
		require.Equal(p.t, float64(p.next), r["seq"], "out-of-order reply %s", r)
		p.next++
		return r
	case <-timer.C:
		p.t.Fatalf("%s did not answer command %d within %v; stderr:\n%s", p.py.Name(), p.next, p.timeout, p.stderr.String())
		return nil
	}
}

func (p *peer) do(c cmd) reply {
	p.t.Helper()
	p.send(c)
	return p.reply()
}
