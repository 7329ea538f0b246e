//go:build unix

package connection

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/testutil"
)

// A file passed Go to Go, both ways of acknowledging, over a Pipe and over
// a Listener's unix socket.
func TestHandleGoGo(t *testing.T) {
	t.Parallel()
	pairs := map[string]func(t *testing.T) (*Conn, *Conn){
		"pipe": func(t *testing.T) (*Conn, *Conn) { return pipePair(t) },
		"unix": func(t *testing.T) (*Conn, *Conn) {
			for _, tr := range transports() {
				if tr.name == "unix" {
					return tr.pair(t)
				}
			}
			panic("no unix transport")
		},
	}
	for name, pair := range pairs {
		for _, ack := range []HandleAck{AckNone, AckByte} {
			t.Run(name+"/"+ack.String(), func(t *testing.T) {
				a, b := pair(t)
				f := testutil.OpenFileWith(t, "passed "+ack.String())
				sent := make(chan error, 1)
				go func() { sent <- a.SendHandle(f, ack) }()
				g, err := b.RecvHandle(ack)
				require.NoError(t, err)
				defer g.Close()
				require.NoError(t, <-sent)
				assert.Equal(t, "passed "+ack.String(), testutil.Contents(t, g))
				// Messages go on as before, both ways.
				require.NoError(t, a.Send("after"))
				v, err := b.Recv()
				require.NoError(t, err)
				assert.Equal(t, "after", v)
				require.NoError(t, b.Send("back"))
				v, err = a.Recv()
				require.NoError(t, err)
				assert.Equal(t, "back", v)
			})
		}
	}
}

// The descriptor's byte right behind a message is read ahead with the
// message (the kernel glues them into one read), and is not lost to that:
// with a plain read(2) the kernel would have closed it.
func TestHandleAfterMessageReadAhead(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	f := testutil.OpenFileWith(t, "behind a message")
	require.NoError(t, a.Send("a handle follows"))
	require.NoError(t, a.SendHandle(f, AckNone))
	require.NoError(t, a.Send("and a message after it"))
	v, err := b.Recv()
	require.NoError(t, err)
	assert.Equal(t, "a handle follows", v)
	g, err := b.RecvHandle(AckNone)
	require.NoError(t, err)
	defer g.Close()
	assert.Equal(t, "behind a message", testutil.Contents(t, g))
	v, err = b.Recv()
	require.NoError(t, err)
	assert.Equal(t, "and a message after it", v)
}

// rawUnix returns the raw *net.UnixConn under a.
func rawUnix(t *testing.T, c *Conn) *net.UnixConn {
	t.Helper()
	uc, ok := c.NetConn().(*net.UnixConn)
	require.True(t, ok)
	return uc
}

// pipeEnds returns an os.Pipe whose write end is passed around; the read
// end reports EOF once every copy of the write end is closed, which is how
// these tests see that a descriptor was closed.
func pipeEnds(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// requireAllClosed waits until every copy of the pipe's write end is
// closed.
func requireAllClosed(t *testing.T, r *os.File) {
	t.Helper()
	require.NoError(t, r.SetReadDeadline(time.Now().Add(hangGuard)))
	_, err := r.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "a copy of the passed descriptor is still open")
}

// A descriptor attached to a byte of a message (not what send_handle
// does) is closed once the message has been read, as the kernel would
// close it for a plain read, and the message arrives intact.
func TestHandleStrayDescriptorClosed(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	r, w := pipeEnds(t)
	wire := frame([]byte("a message"))
	raw := rawUnix(t, a)
	_, err := raw.Write(wire[:3])
	require.NoError(t, err)
	_, _, err = raw.WriteMsgUnix(wire[3:5], syscall.UnixRights(int(w.Fd())), nil)
	require.NoError(t, err)
	_, err = raw.Write(wire[5:])
	require.NoError(t, err)
	require.NoError(t, a.SendBytes([]byte("next")))
	w.Close()

	got, err := b.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("a message"), got)
	got, err = b.RecvBytes() // the next read drops the stray descriptor
	require.NoError(t, err)
	assert.Equal(t, []byte("next"), got)
	requireAllClosed(t, r)
}

// Descriptors passed and never claimed are closed with the Conn.
func TestHandleUnclaimedClosedWithConn(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	r, w := pipeEnds(t)
	require.NoError(t, a.Send("x"))
	require.NoError(t, a.SendHandle(w, AckNone))
	w.Close()
	_, err := b.Recv() // reads the descriptor's byte ahead, into the buffer
	require.NoError(t, err)
	require.NoError(t, b.Close())
	requireAllClosed(t, r)
}

// A message where a handle was expected: a clear error, and the receive
// side poisoned (one byte of the message is gone).
func TestHandleExpectedGotMessage(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	require.NoError(t, a.Send("not a handle"))
	_, err := b.RecvHandle(AckNone)
	require.ErrorIs(t, err, ErrProtocol)
	assert.ErrorContains(t, err, "no descriptor")
	_, err2 := b.RecvBytes()
	assert.Equal(t, err, err2)
}

// Two descriptors on the byte: CPython's recv_handle refuses that too. The
// descriptors are closed, and the stream stays in step.
func TestHandleTwoDescriptors(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	r, w := pipeEnds(t)
	_, _, err := rawUnix(t, a).WriteMsgUnix([]byte{2}, syscall.UnixRights(int(w.Fd()), int(w.Fd())), nil)
	require.NoError(t, err)
	w.Close()
	require.NoError(t, a.Send("next"))
	_, err = b.RecvHandle(AckNone)
	assert.ErrorContains(t, err, "2 descriptors")
	requireAllClosed(t, r)
	v, err := b.Recv()
	require.NoError(t, err)
	assert.Equal(t, "next", v)
}

// AckByte against a peer that never acknowledges (CPython 3.13 and older):
// the read deadline ends the wait with an error that names the cause.
func TestHandleAckNeverComes(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	f := testutil.OpenFileWith(t, "x")
	require.NoError(t, a.SetReadDeadline(time.Now().Add(shortHandshake)))
	sendErr := a.SendHandle(f, AckByte)
	require.ErrorIs(t, sendErr, os.ErrDeadlineExceeded)
	assert.ErrorContains(t, sendErr, "use AckNone")
	g, err := b.RecvHandle(AckNone) // what a 3.13 receiver does
	require.NoError(t, err)
	g.Close()
	_, err = a.RecvBytes()
	assert.Equal(t, sendErr, err, "the late 'A' could still come: poisoned")

	// A peer that answers something else.
	c, d := pipePair(t)
	go func() { _, _ = d.RecvHandle(AckNone); _ = d.SendBytes([]byte("x")) }()
	err = c.SendHandle(f, AckByte)
	require.ErrorIs(t, err, ErrProtocol)
	assert.ErrorContains(t, err, "not the acknowledgement")
}

func TestHandleMisuse(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	f := testutil.OpenFileWith(t, "x")
	require.ErrorIs(t, a.SendHandle(f, 0), ErrInvalidOption)
	_, err := b.RecvHandle(HandleAck(7))
	require.ErrorIs(t, err, ErrInvalidOption)

	// A closed file: nothing is sent, and the Conn still works.
	g := testutil.OpenFileWith(t, "y")
	g.Close()
	require.Error(t, a.SendHandle(g, AckNone))
	require.NoError(t, a.SendBytes([]byte("fine")))
	got, err := b.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("fine"), got)

	// Not a unix socket.
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", InsecureSkipAuth())
	require.NoError(t, err)
	defer l.Close()
	c, err := Dial(context.Background(), "tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	assert.ErrorContains(t, c.SendHandle(f, AckNone), "needs a unix socket")
	_, err = c.RecvHandle(AckNone)
	assert.ErrorContains(t, err, "needs a unix socket")

	// The peer gone: io.EOF, as CPython's EOFError.
	require.NoError(t, a.Close())
	_, err = b.RecvHandle(AckNone)
	require.True(t, errors.Is(err, io.EOF), "%v", err)
}
