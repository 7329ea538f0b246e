package connection

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPair returns a Conn (no handshake) and the raw TCP socket of its peer.
func rawPair(t *testing.T) (*Conn, *net.TCPConn) {
	t.Helper()
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	dialed := make(chan net.Conn, 1)
	go func() {
		nc, err := net.Dial("tcp", nl.Addr().String())
		require.NoError(t, err)
		dialed <- nc
	}()
	peer, err := nl.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { peer.Close() })
	c, err := wrapForTest(<-dialed)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, peer.(*net.TCPConn)
}

// wrapForTest wraps nc without a handshake.
func wrapForTest(nc net.Conn) (*Conn, error) {
	o, err := resolveOptions("test", messageSettings, nil)
	if err != nil {
		return nil, err
	}
	return newConn(nc, &o), nil
}

// reset closes a TCP socket with RST instead of FIN.
func reset(t *testing.T, nc *net.TCPConn) {
	t.Helper()
	require.NoError(t, nc.SetLinger(0))
	require.NoError(t, nc.Close())
}

// A connection reset while a 64 MiB send is under way fails the send at
// once with ECONNRESET or EPIPE; later sends fail too and Close is clean.
func TestResetDuringLargeSend(t *testing.T) {
	goroutineCheck(t)
	c, peer := rawPair(t)
	sent := make(chan error, 1)
	go func() { sent <- c.SendBytes(make([]byte, 64<<20)) }()
	_, err := io.CopyN(io.Discard, peer, 1<<20)
	require.NoError(t, err)
	reset(t, peer)
	start := time.Now()
	select {
	case err := <-sent:
		require.Error(t, err)
		assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE), "got %v", err)
		assert.Less(t, time.Since(start), 2*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("send hung after a reset")
	}
	assert.Error(t, c.SendBytes([]byte("x")))
	assert.NoError(t, c.Close())
}

// A reset in the middle of a large incoming message fails the receive at
// once, and every later receive fails as well: no message is invented from
// the part that arrived.
func TestResetDuringLargeRecv(t *testing.T) {
	goroutineCheck(t)
	c, peer := rawPair(t)
	_, err := peer.Write(append(be32(8<<20), make([]byte, 1<<20)...))
	require.NoError(t, err)
	got := make(chan error, 1)
	go func() { _, err := c.RecvBytes(); got <- err }()
	time.Sleep(100 * time.Millisecond)
	reset(t, peer)
	select {
	case err := <-got:
		require.Error(t, err)
		assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF), "got %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("receive hung after a reset")
	}
	_, err = c.RecvBytes()
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF, "not a clean end: the message was cut")
}

// Close unblocks a send stuck on a peer that reads nothing, and a receive
// stuck in the middle of a message, both with net.ErrClosed.
func TestCloseUnblocksSendAndMidMessageRecv(t *testing.T) {
	goroutineCheck(t)
	c, peer := rawPair(t)
	_, err := peer.Write(append(be32(1000), make([]byte, 10)...))
	require.NoError(t, err)
	sent := make(chan error, 1)
	got := make(chan error, 1)
	go func() { sent <- c.SendBytes(make([]byte, 64<<20)) }()
	go func() { _, err := c.RecvBytes(); got <- err }()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	require.NoError(t, c.Close())
	for name, ch := range map[string]chan error{"send": sent, "receive": got} {
		select {
		case err := <-ch:
			assert.ErrorIs(t, err, net.ErrClosed, name)
			assert.Less(t, time.Since(start), 2*time.Second, name)
		case <-time.After(10 * time.Second):
			t.Fatalf("Close did not unblock the %s", name)
		}
	}
}
