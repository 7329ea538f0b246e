//go:build unix

package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// faultPeer is a running fault_peer.py: its stdout lines, and the process
// to kill or stop.
type faultPeer struct {
	cmd   *exec.Cmd
	lines chan string
}

func startFaultPeer(t *testing.T, py pythons.Interpreter, args ...string) *faultPeer {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "fault_peer.py"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), peerLifetime)
	cmd := py.Command(ctx, append([]string{"-u", script}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	p := &faultPeer{cmd: cmd, lines: make(chan string, 8)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		cancel()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%s stderr: %s", py.Name(), stderr.String())
		}
	})
	return p
}

func (p *faultPeer) expect(t *testing.T, want string) string {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		require.True(t, ok, "fault peer exited before saying %q", want)
		if want != "" {
			require.Equal(t, want, line)
		}
		return line
	case <-time.After(dialTimeout):
		t.Fatalf("fault peer did not say %q", want)
		return ""
	}
}

func (p *faultPeer) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
}

// promptly bounds how long an operation may take to notice a fault: well
// below the timeouts in play (the Listener's handshake timeout, set to ten
// times this, and the 60 s I/O deadlines), lenient enough for a loaded CI
// machine.
const promptly = 15 * time.Second

// TestFaultPythonPeers: Python peers of every interpreter killed with
// SIGKILL at the worst moments, against one Go Listener:
//
//   - mid-message from Python to Go: the receive fails with
//     io.ErrUnexpectedEOF at once and stays failed (poisoned);
//   - mid-message from Go to Python (64 MiB the peer is not reading): the
//     send fails with ECONNRESET or EPIPE at once, not at a timeout;
//   - mid-handshake: Accept reports a *HandshakeError at once, not after the
//     handshake timeout;
//
// after which the same Listener still serves a new Python client, and Close
// unblocks a Recv waiting on a Python peer with net.ErrClosed. Then a Dial
// into a Python listener frozen with SIGSTOP (blocked in the handshake) is
// cancelled promptly, and closing a Listener whose Accept waits on a frozen
// Python client's handshake returns promptly with net.ErrClosed.
func TestFaultPythonPeers(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			keyHex := hex.EncodeToString(testKey)
			// The handshake timeout is far beyond promptly, so that "not at
			// the timeout" is told apart whatever the load.
			l, err := connection.Listen(context.Background(), "tcp", "127.0.0.1:0", connection.WithAuthKey(testKey), connection.WithHandshakeTimeout(10*promptly))
			require.NoError(t, err)
			defer l.Close()
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)

			// Killed while sending 32 MiB to Go.
			p := startFaultPeer(t, py, "send_big", "127.0.0.1", port, keyHex, strconv.Itoa(32<<20))
			s, err := accept(t, l)
			require.NoError(t, err)
			p.expect(t, "sending")
			time.Sleep(300 * time.Millisecond) // Python blocks: Go is not reading
			p.kill(t)
			start := time.Now()
			_, err = s.RecvBytes()
			require.ErrorIs(t, err, io.ErrUnexpectedEOF, "peer killed mid-message")
			assert.Less(t, time.Since(start), promptly)
			_, err2 := s.RecvBytes()
			assert.Equal(t, err, err2, "poisoned")
			require.NoError(t, s.Close())

			// Killed while Go sends it 64 MiB it is not reading.
			p = startFaultPeer(t, py, "hold", "127.0.0.1", port, keyHex)
			s, err = accept(t, l)
			require.NoError(t, err)
			p.expect(t, "connected")
			sent := make(chan error, 1)
			go func() { sent <- s.SendBytes(make([]byte, 64<<20)) }()
			time.Sleep(300 * time.Millisecond)
			select {
			case err := <-sent:
				t.Fatalf("64 MiB sent to a peer that reads nothing: %v", err)
			default:
			}
			p.kill(t)
			start = time.Now()
			select {
			case err := <-sent:
				require.Error(t, err)
				assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE), "want ECONNRESET or EPIPE, got %v", err)
				assert.Less(t, time.Since(start), promptly)
			case <-time.After(ioTimeout):
				t.Fatal("send to a killed peer hung")
			}
			require.Error(t, s.Send("again"), "the connection is gone")
			require.NoError(t, s.Close())

			// Killed mid-handshake.
			p = startFaultPeer(t, py, "raw", "127.0.0.1", port)
			p.expect(t, "connected")
			time.Sleep(100 * time.Millisecond)
			p.kill(t)
			start = time.Now()
			_, err = accept(t, l)
			require.ErrorIs(t, err, connection.ErrHandshake)
			assert.Less(t, time.Since(start), promptly, "not the handshake timeout")

			// The Listener still serves.
			p = startFaultPeer(t, py, "echo", "127.0.0.1", port, keyHex)
			s, err = accept(t, l)
			require.NoError(t, err)
			p.expect(t, "connected")
			for _, size := range []int{0, 1000, 1 << 20} {
				msg := payload(size, size)
				require.NoError(t, s.SendBytes(msg))
				got, err := s.RecvBytes()
				require.NoError(t, err)
				require.Equal(t, sha256Hex(msg), sha256Hex(got))
			}
			// Close unblocks a Recv waiting on the Python peer.
			recvd := make(chan error, 1)
			require.NoError(t, s.SetReadDeadline(time.Time{}))
			go func() { _, err := s.Recv(); recvd <- err }()
			time.Sleep(100 * time.Millisecond)
			start = time.Now()
			require.NoError(t, s.Close())
			select {
			case err := <-recvd:
				require.ErrorIs(t, err, net.ErrClosed)
				assert.Less(t, time.Since(start), promptly)
			case <-time.After(ioTimeout):
				t.Fatal("Close did not unblock Recv")
			}

			// Dial blocked in the handshake with a frozen Python listener.
			p = startFaultPeer(t, py, "listen", keyHex)
			pyPort := p.expect(t, "")
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGSTOP))
			ctx, cancel := context.WithCancel(context.Background())
			go func() { time.Sleep(300 * time.Millisecond); cancel() }()
			start = time.Now()
			c, err := connection.Dial(ctx, "tcp", "127.0.0.1:"+pyPort, connection.WithAuthKey(testKey))
			require.Nil(t, c)
			require.ErrorIs(t, err, context.Canceled)
			require.ErrorIs(t, err, connection.ErrHandshake)
			assert.Less(t, time.Since(start), promptly)

			// Close while Accept waits on a frozen Python client's handshake.
			p = startFaultPeer(t, py, "raw", "127.0.0.1", port)
			p.expect(t, "connected")
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGSTOP))
			accepted := make(chan error, 1)
			go func() { _, err := l.Accept(); accepted <- err }()
			time.Sleep(200 * time.Millisecond)
			start = time.Now()
			require.NoError(t, l.Close())
			select {
			case err := <-accepted:
				require.ErrorIs(t, err, net.ErrClosed)
				assert.Less(t, time.Since(start), promptly)
			case <-time.After(ioTimeout):
				t.Fatal("Close did not unblock Accept")
			}
		})
	}
}
