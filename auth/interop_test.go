package auth_test

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/internal/pythons"
)

// peerScript is a multiprocessing Listener or Client (2.7 and 3.x). A
// listener prints its port first; both print OK or the exception last.
const peerScript = `import sys
from multiprocessing.connection import Listener, Client
role, key = sys.argv[1], sys.argv[2]
if sys.version_info[0] >= 3:
    key = key.encode('ascii')
try:
    if role == 'client':
        c = Client(('127.0.0.1', int(sys.argv[3])), authkey=key)
    else:
        l = Listener(('127.0.0.1', 0), authkey=key)
        sys.stdout.write('%d\n' % l.address[1])
        sys.stdout.flush()
        c = l.accept()
    c.send_bytes(b'ok')
    sys.stdout.write('OK\n')
except Exception as e:
    sys.stdout.write('%s: %s\n' % (type(e).__name__, e))
sys.stdout.flush()
`

// TestInteropCPython runs the handshake against every Python found, as
// listener and as client, with the right and a wrong key.
func TestInteropCPython(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python interpreters")
	}
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name            string
				goKey, pyKey    string
				goReason, pyOut string
			}{
				{"right key", "secret", "secret", "", "OK"},
				{"wrong key", "wrong", "secret", "digest sent was rejected", "AuthenticationError: digest received was wrong"},
			} {
				t.Run("python client/"+tc.name, func(t *testing.T) {
					// Go listens; the wrong key is on the Python side here.
					goKey, pyKey := tc.pyKey, tc.goKey
					ln, err := net.Listen("tcp", "127.0.0.1:0")
					require.NoError(t, err)
					defer ln.Close()
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					cmd := py.Command(ctx, "-c", peerScript, "client", pyKey, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
					out := startPython(t, cmd)
					nc, err := ln.Accept()
					require.NoError(t, err)
					defer nc.Close()
					require.NoError(t, nc.SetDeadline(time.Now().Add(20*time.Second)))
					err = auth.ServerHandshake(framed{nc}, []byte(goKey))
					if tc.goReason == "" {
						require.NoError(t, err)
						assertData(t, nc)
						assert.Equal(t, "OK", lastLine(t, out))
					} else {
						requireAuthReason(t, err, "digest received was wrong")
						nc.Close()
						assert.Equal(t, "AuthenticationError: digest sent was rejected", lastLine(t, out))
					}
				})
				t.Run("python listener/"+tc.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					cmd := py.Command(ctx, "-c", peerScript, "listener", tc.pyKey)
					out := startPython(t, cmd)
					port, err := out.ReadString('\n')
					require.NoError(t, err)
					nc, err := net.Dial("tcp", "127.0.0.1:"+strings.TrimSpace(port))
					require.NoError(t, err)
					defer nc.Close()
					require.NoError(t, nc.SetDeadline(time.Now().Add(20*time.Second)))
					err = auth.ClientHandshake(framed{nc}, []byte(tc.goKey))
					if tc.goReason == "" {
						require.NoError(t, err)
						assertData(t, nc)
					} else {
						requireAuthReason(t, err, tc.goReason)
						nc.Close()
					}
					assert.Equal(t, tc.pyOut, lastLine(t, out))
				})
			}
			t.Run("RefuseMD5", func(t *testing.T) {
				// Modern Pythons never need MD5; 3.11 and older only speak it.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				cmd := py.Command(ctx, "-c", peerScript, "listener", "secret")
				out := startPython(t, cmd)
				port, err := out.ReadString('\n')
				require.NoError(t, err)
				nc, err := net.Dial("tcp", "127.0.0.1:"+strings.TrimSpace(port))
				require.NoError(t, err)
				defer nc.Close()
				require.NoError(t, nc.SetDeadline(time.Now().Add(20*time.Second)))
				err = auth.ClientHandshake(framed{nc}, []byte("secret"), auth.RefuseMD5())
				if py.AtLeast(3, 12) {
					require.NoError(t, err)
					assertData(t, nc)
					assert.Equal(t, "OK", lastLine(t, out))
				} else {
					requireAuthReason(t, err, "MD5 refused: peer sent a legacy challenge (CPython <= 3.11) that only HMAC-MD5 answers")
					nc.Close()
					assert.NotEqual(t, "OK", lastLine(t, out))
				}
			})
		})
	}
}

func startPython(t *testing.T, cmd *exec.Cmd) *bufio.Reader {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return bufio.NewReader(stdout)
}

// assertData checks the stream is aligned after the handshake: the next
// frame is Python's send_bytes(b'ok').
func assertData(t *testing.T, nc net.Conn) {
	t.Helper()
	p, err := framed{nc}.RecvMessage(1024)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(p))
}

func lastLine(t *testing.T, out *bufio.Reader) string {
	t.Helper()
	var last string
	for {
		line, err := out.ReadString('\n')
		if s := strings.TrimSpace(line); s != "" {
			last = s
		}
		if err != nil {
			break
		}
	}
	return last
}
