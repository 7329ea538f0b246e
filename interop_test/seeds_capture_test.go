package interop_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
)

// The fuzz harnesses in connection/fuzz_test.go run with the key "secret"
// and a counter as their random source (0x00, 0x01, ... for a listener;
// 0x40, 0x41, ... for a client). Capturing CPython's side of a real
// handshake under the same key and the same "random" bytes gives seeds that
// complete the handshake inside the harness.
var seedKey = []byte("secret")

type countingRandom struct{ next byte }

func (c *countingRandom) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.next
		c.next++
	}
	return len(p), nil
}

// recordConn copies everything read from the peer.
type recordConn struct {
	net.Conn
	mu  sync.Mutex
	got bytes.Buffer
}

func (r *recordConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.got.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *recordConn) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.got.Bytes()...)
}

type recordListener struct {
	net.Listener
	conns chan *recordConn
}

func (l *recordListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &recordConn{Conn: c}
	l.conns <- rc
	return rc, nil
}

// splitFrames cuts a byte stream into whole frames (header included).
func splitFrames(t testing.TB, b []byte) [][]byte {
	var frames [][]byte
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 4)
		n := int64(int32(binary.BigEndian.Uint32(b)))
		h := 4
		if n == -1 {
			n, h = int64(binary.BigEndian.Uint64(b[4:12])), 12
		}
		require.GreaterOrEqual(t, int64(len(b)), int64(h)+n)
		frames = append(frames, b[:int64(h)+n])
		b = b[int64(h)+n:]
	}
	return frames
}

// smallFrames joins the frames under 4 KiB: big seeds slow the fuzzer
// down and teach it nothing the small ones do not.
func smallFrames(frames [][]byte) []byte {
	var b []byte
	for _, f := range frames {
		if len(f) < 4096 {
			b = append(b, f...)
		}
	}
	return b
}

// seedFile writes one corpus file in the format of go test -fuzz.
func seedFile(t testing.TB, pkg, target, name string, args ...any) {
	var sb strings.Builder
	sb.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch a := a.(type) {
		case []byte:
			fmt.Fprintf(&sb, "[]byte(%q)\n", a)
		case uint16:
			fmt.Fprintf(&sb, "uint16(%d)\n", a)
		case uint8:
			fmt.Fprintf(&sb, "byte(%q)\n", a)
		default:
			t.Fatalf("seed argument of type %T", a)
		}
	}
	dir := filepath.Join("..", pkg, "testdata", "fuzz", target)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(sb.String()), 0o644))
}

// TestCaptureCPythonSeeds records what every CPython sends, as a client
// and as a listener, and writes it as seed corpora for the fuzz targets:
// whole handshake transcripts (FuzzServerHandshake, FuzzClientHandshake),
// the challenge and reply payloads (auth's FuzzAnswer, FuzzDeliver), the
// message stream after the handshake (FuzzReadFrame, FuzzRecvInto) and each
// pickle (pickle's FuzzDecode, FuzzUnmarshalStruct). It only runs with
// MPCONN_CAPTURE_SEEDS=1:
//
//	MPCONN_CAPTURE_SEEDS=1 go test ./interop_test/ -run TestCaptureCPythonSeeds
//
// connection's TestCapturedHandshakeSeedsSucceed checks that the committed
// transcripts still complete a handshake.
func TestCaptureCPythonSeeds(t *testing.T) {
	if os.Getenv("MPCONN_CAPTURE_SEEDS") != "1" {
		t.Skip("set MPCONN_CAPTURE_SEEDS=1 to regenerate the fuzz seed corpora")
	}
	for _, py := range pythons.ForTest(t) {
		name := fmt.Sprintf("cpython-%d.%d", py.Major, py.Minor)
		t.Run(py.Name(), func(t *testing.T) {
			proto := connection.WithPickleOptions(pickle.WithProtocol(4))
			if py.Major == 2 {
				proto = connection.WithPickleOptions(pickle.WithProtocol(2))
			}
			p := startPeer(t, py)

			// Python as the client of a Go listener.
			nl, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			rl := &recordListener{Listener: nl, conns: make(chan *recordConn, 1)}
			l, err := connection.NewListener(rl, connection.WithAuthKey(seedKey), proto,
				connection.WithAuthOptions(auth.WithRandom(&countingRandom{next: 0x00})))
			require.NoError(t, err)
			defer l.Close()
			port := nl.Addr().(*net.TCPAddr).Port
			p.send(pyConnect("c", "tcp", []any{"127.0.0.1", port}, seedKey))
			c, err := accept(t, l)
			require.NoError(t, err)
			requireOK(t, p.reply())
			requireOK(t, p.do(cmd{"op": "send_objects", "id": "c"}))
			requireOK(t, p.do(cmd{"op": "close", "id": "c"}))
			for {
				if _, err := c.RecvBytes(); err != nil {
					require.ErrorIs(t, err, io.EOF)
					break
				}
			}
			fromClient := (<-rl.conns).bytes()
			frames := splitFrames(t, fromClient)
			require.Greater(t, len(frames), 3)
			seedFile(t, "connection", "FuzzServerHandshake", name, bytes.Join(frames[:4], nil))
			seedFile(t, "auth", "FuzzDeliver", name, frames[0][4:], uint8(0))
			messages := smallFrames(frames[3:])
			seedFile(t, "connection", "FuzzReadFrame", name, messages, uint16(65535), uint8(1))
			seedFile(t, "connection", "FuzzRecvInto", name+"-client", messages)
			for i, f := range frames[3:] {
				if len(f) < 4096 {
					seedFile(t, "pickle", "FuzzDecode", fmt.Sprintf("%s-%d", name, i), f[4:])
					seedFile(t, "pickle", "FuzzUnmarshalStruct", fmt.Sprintf("%s-%d", name, i), f[4:])
				}
			}
			c.Close()

			// Python as the listener a Go client dials.
			network, address := pythonListen(t, p, "tcp", "l", seedKey)
			p.send(cmd{"op": "accept", "listener": "l", "id": "s"})
			raw, err := net.Dial(network, address)
			require.NoError(t, err)
			rc := &recordConn{Conn: raw}
			ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
			defer cancel()
			gc, err := connection.Client(ctx, rc, connection.WithAuthKey(seedKey), proto,
				connection.WithAuthOptions(auth.WithRandom(&countingRandom{next: 0x40})))
			require.NoError(t, err)
			defer gc.Close()
			requireOK(t, p.reply())
			requireOK(t, p.do(cmd{"op": "send_objects", "id": "s"}))
			requireOK(t, p.do(cmd{"op": "close", "id": "s"}))
			for {
				if _, err := gc.RecvBytes(); err != nil {
					require.ErrorIs(t, err, io.EOF)
					break
				}
			}
			fromListener := rc.bytes()
			frames = splitFrames(t, fromListener)
			require.Greater(t, len(frames), 3)
			seedFile(t, "connection", "FuzzClientHandshake", name, bytes.Join(frames[:4], nil))
			seedFile(t, "auth", "FuzzAnswer", name, frames[0][4:], frames[1][4:], uint8(0))
			seedFile(t, "connection", "FuzzRecvInto", name+"-listener", smallFrames(frames[3:]))
		})
	}
}
