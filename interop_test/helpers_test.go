package interop_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
)

// Keys used throughout. The wrong key differs in one byte only.
var (
	testKey  = []byte("mpconn interop key")
	wrongKey = []byte("mpconn interop kez")
)

// Message sizes every transport carries both ways: empty, one byte, the
// 16384 boundary where CPython switches from one write to two (2.7 splits at
// 16384 itself), and a multi-block message. bigSize (= the default maximum
// message size, which Go must accept) goes from Python to Go over one
// transport per interpreter; Go sends no more than the small sizes, because
// Python sets no limit that a larger message would reach.
var (
	smallSizes = []int{0, 1, 16384, 16385, 1 << 20}
	bigSize    = 64 << 20
)

// transports lists the socket kinds Python and Go share on this OS.
func transports() []string {
	if runtime.GOOS == "linux" {
		return []string{"tcp", "unix", "abstract"}
	}
	return []string{"tcp", "unix"}
}

// hexKey is how peer.py takes a key: hex, or null for authkey=None.
func hexKey(key []byte) any {
	if key == nil {
		return nil
	}
	return hex.EncodeToString(key)
}

func randomName(t testing.TB) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "mpconn-interop-" + hex.EncodeToString(b)
}

// shortTempDir is a temp dir with a path short enough for sun_path (108
// bytes); t.TempDir() embeds the test name and can exceed it.
func shortTempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "mpc")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// pythonListen makes the peer listen (id) on transport tr with key and
// returns the network and address Go dials.
func pythonListen(t testing.TB, p *peer, tr, id string, key []byte) (network, address string) {
	t.Helper()
	c := cmd{"op": "listen", "id": id, "family": tr, "authkey": hexKey(key)}
	switch tr {
	case "tcp":
		c["address"] = []any{"127.0.0.1", 0}
	case "unix":
		c["address"] = filepath.Join(shortTempDir(t), "py.sock")
	case "abstract":
		c["address"] = randomName(t)
	default:
		t.Fatalf("unknown transport %q", tr)
	}
	r := p.do(c)
	requireOK(t, r)
	switch tr {
	case "tcp":
		addr, ok := r["address"].([]any)
		require.True(t, ok && len(addr) == 2, "python listener address %v", r["address"])
		port, _ := addr[1].(float64)
		return "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	case "unix":
		return "unix", c["address"].(string)
	default:
		// Python reports b'\x00name'; Go takes that form as the address.
		require.Equal(t, "\x00"+c["address"].(string), r.str("address"))
		return "unix", "\x00" + c["address"].(string)
	}
}

// goListen starts a Go Listener on transport tr and returns it with the
// family and address peer.py connects to. The listener is closed at the end
// of the test.
func goListen(t testing.TB, tr string, opts ...connection.Option) (l *connection.Listener, pyAddress any) {
	t.Helper()
	var network, address string
	switch tr {
	case "tcp":
		network, address = "tcp", "127.0.0.1:0"
	case "unix":
		network, address = "unix", filepath.Join(shortTempDir(t), "go.sock")
		pyAddress = address
	case "abstract":
		name := randomName(t)
		// "@name" here; Dial tests use the "\x00name" spelling.
		network, address = "unix", "@"+name
		pyAddress = name
	default:
		t.Fatalf("unknown transport %q", tr)
	}
	l, err := connection.Listen(context.Background(), network, address, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	if tr == "tcp" {
		ta, ok := l.Addr().(*net.TCPAddr)
		require.True(t, ok, "tcp listener address is %T", l.Addr())
		pyAddress = []any{"127.0.0.1", ta.Port}
	}
	return l, pyAddress
}

// pyConnect is the command that makes peer.py connect conn id to a Go listener.
func pyConnect(id, tr string, address any, key []byte) cmd {
	return cmd{"op": "connect", "id": id, "family": tr, "address": address, "authkey": hexKey(key)}
}

// dial dials with a deadline; the returned conn gets I/O deadlines and is
// closed at the end of the test.
func dial(t testing.TB, network, address string, opts ...connection.Option) (*connection.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := connection.Dial(ctx, network, address, opts...)
	if err == nil {
		guard(t, c)
	}
	return c, err
}

// accept accepts with a deadline, like dial.
func accept(t testing.TB, l *connection.Listener) (*connection.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	c, err := l.AcceptContext(ctx)
	if err == nil {
		guard(t, c)
	}
	return c, err
}

// guard puts a deadline on c so a silent peer fails the test instead of
// hanging it, and closes c when the test ends.
func guard(t testing.TB, c *connection.Conn) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(ioTimeout)))
	t.Cleanup(func() { _ = c.Close() })
}

// during runs goSide in a goroutine while waiting for the reply to the
// command just sent to p. When Python fails (or does not answer), c is
// closed so goSide cannot stay blocked on a peer that gave up.
func (p *peer) during(c *connection.Conn, goSide func()) (r reply) {
	p.t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		goSide()
	}()
	defer func() {
		if !r.ok() {
			_ = c.Close()
		}
		<-done
	}()
	return p.reply()
}

// goToPython sends payload(seed, size) from c; peer conn id receives it and
// must report the same bytes.
func goToPython(t testing.TB, p *peer, id string, c *connection.Conn, seed, size int) {
	t.Helper()
	msg := payload(seed, size)
	want := sha256Hex(msg)
	p.send(cmd{"op": "recv", "id": id, "seed": seed, "size": size})
	var sendErr error
	r := p.during(c, func() { sendErr = c.SendBytes(msg) })
	require.NoError(t, sendErr, "Go SendBytes(%d bytes)", size)
	requireOK(t, r)
	assert.Equal(t, size, r.num("size"), "size Python received")
	assert.Equal(t, -1, r.num("diff"), "first wrong byte Python received (of %d)", size)
	assert.Equal(t, want, r.str("sha256"), "sha256 of the %d bytes Python received", size)
}

// pythonToGo makes peer conn id send payload(seed, size); c must receive it.
func pythonToGo(t testing.TB, p *peer, id string, c *connection.Conn, seed, size int) {
	t.Helper()
	p.send(cmd{"op": "send", "id": id, "seed": seed, "size": size})
	var got []byte
	var recvErr error
	r := p.during(c, func() { got, recvErr = c.RecvBytes() })
	requireOK(t, r)
	require.NoError(t, recvErr, "Go RecvBytes (%d bytes sent)", size)
	assert.Equal(t, size, len(got), "size Go received")
	assert.Equal(t, -1, firstDifference(got, seed, size), "first wrong byte Go received (of %d)", size)
	assert.Equal(t, r.str("sha256"), sha256Hex(got), "sha256 of the %d bytes Go received", size)
}

// exchange carries every size both ways, Go first, and checks the contents
// on the receiving side of each.
func exchange(t testing.TB, p *peer, id string, c *connection.Conn, sizes ...int) {
	t.Helper()
	for i, size := range sizes {
		goToPython(t, p, id, c, 1000+2*i, size)
		pythonToGo(t, p, id, c, 1001+2*i, size)
	}
}

// duplex has both sides send size bytes at once. Python runs one command
// at a time and reads only after its own send has completed, and size is
// larger than the socket buffers, so this passes only if Go receives while
// its own send is blocked: one sender and one receiver goroutine on one Conn.
func duplex(t testing.TB, p *peer, id string, c *connection.Conn, size int) {
	t.Helper()
	p.send(cmd{"op": "send", "id": id, "seed": 501, "size": size})
	p.send(cmd{"op": "recv", "id": id, "seed": 502, "size": size})
	msg := payload(502, size)
	sent := make(chan error, 1)
	go func() { sent <- c.SendBytes(msg) }()
	got, recvErr := c.RecvBytes()
	if recvErr != nil {
		_ = c.Close() // unblocks the sender
	}
	sendErr := <-sent
	require.NoError(t, recvErr, "Go RecvBytes while its SendBytes is blocked")
	require.NoError(t, sendErr, "Go SendBytes while receiving")
	r := p.reply()
	requireOK(t, r)
	assert.Equal(t, -1, firstDifference(got, 501, size), "first wrong byte Go received")
	r = p.reply()
	requireOK(t, r)
	assert.Equal(t, -1, r.num("diff"), "first wrong byte Python received")
	assert.Equal(t, sha256Hex(msg), r.str("sha256"))
}

// requirePythonAuthError checks that Python raised
// multiprocessing.AuthenticationError.
func requirePythonAuthError(t testing.TB, r reply, what string) {
	t.Helper()
	require.False(t, r.ok(), "%s: Python succeeded, want AuthenticationError", what)
	require.True(t, r.isAuthError(), "%s: want multiprocessing.AuthenticationError, got %s", what, r)
}
