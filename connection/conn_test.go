package connection

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sizes = []int{0, 1, 16384, 16385, 1 << 20}

// Go to Go over every transport, both directions where there are two.
func TestTransportsSizes(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			exchange(t, a, b)
			if tr.duplex {
				exchange(t, b, a)
			}
		})
	}
}

func exchange(t *testing.T, from, to *Conn) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		for i, n := range sizes {
			if err := from.SendBytes(pattern(n, byte(i))); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i, n := range sizes {
		got, err := to.RecvBytes()
		require.NoError(t, err)
		require.Equal(t, pattern(n, byte(i)), got, "size %d", n)
	}
	require.NoError(t, <-errc)
}

func TestEOF(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			require.NoError(t, a.SendBytes([]byte("last")))
			require.NoError(t, a.Close())
			got, err := b.RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, []byte("last"), got)
			ready, err := b.Poll(time.Second)
			require.NoError(t, err)
			assert.True(t, ready, "EOF is readable")
			_, err = b.RecvBytes()
			assert.ErrorIs(t, err, io.EOF)
		})
	}
}

func TestEOFMidMessage(t *testing.T) {
	t.Parallel()
	a, b, err := Pipe()
	require.NoError(t, err)
	defer b.Close()
	_, err = a.nc.Write([]byte{0, 0, 0, 9, 'a'})
	require.NoError(t, err)
	a.Close()
	_, err = b.RecvBytes()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestRecvBytesInto(t *testing.T) {
	t.Parallel()
	a, b, err := Pipe()
	require.NoError(t, err)
	defer a.Close()
	defer b.Close()
	for _, m := range []string{"fits", "does not fit", "", "ok"} {
		require.NoError(t, a.SendBytes([]byte(m)))
	}
	buf := make([]byte, 8)
	n, err := b.RecvBytesInto(buf)
	require.NoError(t, err)
	assert.Equal(t, "fits", string(buf[:n]))

	n, err = b.RecvBytesInto(buf)
	assert.Zero(t, n)
	var short *BufferTooShortError
	require.ErrorAs(t, err, &short)
	assert.ErrorIs(t, err, ErrBufferTooShort)
	assert.Equal(t, "does not fit", string(short.Message), "the whole message")
	assert.Equal(t, 8, short.BufferLen)
	assert.Contains(t, err.Error(), "12-byte message")

	n, err = b.RecvBytesInto(buf)
	require.NoError(t, err, "nothing lost: the next message follows")
	assert.Zero(t, n)
	n, err = b.RecvBytesInto(nil)
	var short2 *BufferTooShortError
	require.ErrorAs(t, err, &short2)
	assert.Equal(t, "ok", string(short2.Message))
	assert.Zero(t, n)
}

func TestClosedConn(t *testing.T) {
	t.Parallel()
	a, b, err := Pipe()
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "closing twice is fine")
	assert.ErrorIs(t, a.SendBytes(nil), net.ErrClosed)
	_, err = a.RecvBytes()
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = a.RecvBytesInto(make([]byte, 4))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = a.Poll(0)
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = Wait([]*Conn{a}, 0)
	assert.ErrorIs(t, err, net.ErrClosed)
}

// Close from another goroutine unblocks a receive and a Poll.
func TestCloseUnblocks(t *testing.T) {
	goroutineCheck(t)
	ops := map[string]func(c *Conn) error{
		"RecvBytes":     func(c *Conn) error { _, err := c.RecvBytes(); return err },
		"RecvBytesInto": func(c *Conn) error { _, err := c.RecvBytesInto(make([]byte, 10)); return err },
		"Poll":          func(c *Conn) error { _, err := c.Poll(-1); return err },
		"PollTimeout":   func(c *Conn) error { _, err := c.Poll(time.Hour); return err },
		"Wait":          func(c *Conn) error { _, err := Wait([]*Conn{c}, -1); return err },
	}
	for _, tr := range transports() {
		for name, op := range ops {
			t.Run(tr.name+"/"+name, func(t *testing.T) {
				_, b := tr.pair(t)
				errc := make(chan error, 1)
				go func() { errc <- op(b) }()
				time.Sleep(20 * time.Millisecond)
				require.NoError(t, b.Close())
				select {
				case err := <-errc:
					assert.ErrorIs(t, err, net.ErrClosed)
				case <-time.After(5 * time.Second):
					t.Fatal("Close did not unblock " + name)
				}
			})
		}
	}
}

func TestDeadlines(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			require.NoError(t, b.SetReadDeadline(time.Now().Add(30*time.Millisecond)))
			_, err := b.RecvBytes()
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)

			// Poll uses its own timeout, and leaves the deadline alone.
			ready, err := b.Poll(10 * time.Millisecond)
			require.NoError(t, err)
			assert.False(t, ready)
			_, err = b.RecvBytes()
			require.ErrorIs(t, err, os.ErrDeadlineExceeded, "the expired deadline is still in force")

			// A timeout is not poisoning: clear the deadline and go on.
			require.NoError(t, b.SetDeadline(time.Time{}))
			require.NoError(t, a.SendBytes([]byte("after")))
			got, err := b.RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, []byte("after"), got)
		})
	}
}

// A message cut by a deadline is completed by the next receive.
func TestDeadlineMidMessage(t *testing.T) {
	t.Parallel()
	a, b, err := Pipe()
	require.NoError(t, err)
	defer a.Close()
	defer b.Close()
	msg := pattern(5000, 4)
	wire := append(appendHeader(nil, uint64(len(msg))), msg...)
	_, err = a.nc.Write(wire[:2])
	require.NoError(t, err)
	require.NoError(t, b.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = b.RecvBytes()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	_, err = a.nc.Write(wire[2:3000])
	require.NoError(t, err)
	require.NoError(t, b.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = b.RecvBytesInto(make([]byte, 6000))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	_, err = a.nc.Write(wire[3000:])
	require.NoError(t, err)
	require.NoError(t, b.SetReadDeadline(time.Time{}))
	buf := make([]byte, 6000)
	n, err := b.RecvBytesInto(buf)
	require.NoError(t, err)
	assert.Equal(t, msg, buf[:n])
}

func TestWriteDeadline(t *testing.T) {
	t.Parallel()
	a, b, err := Pipe()
	require.NoError(t, err)
	defer a.Close()
	defer b.Close()
	require.NoError(t, a.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
	err = a.SendBytes(make([]byte, 64<<20)) // nobody reads
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

// A frame cut short by a write deadline leaves the peer inside it: the send
// side is poisoned, every later send (bytes, objects) returns the same
// error, and the peer sees the frame end early when the Conn closes. This
// used to return nil for the next send and feed the peer "hello" as the
// rest of the 8 MiB payload.
func TestSendPoisonedAfterPartialFrame(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		if !tr.duplex {
			continue
		}
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			sent := make(chan error, 1)
			go func() { sent <- a.SendBytes(make([]byte, 32<<20)) }() // nobody reads: the socket buffers fill
			// Once the frame has begun to arrive, a deadline cuts it short
			// (a deadline set before the send could expire before its first
			// byte on a loaded machine, which loses nothing).
			ready, perr := b.Poll(hangGuard)
			require.NoError(t, perr)
			require.True(t, ready)
			require.NoError(t, a.SetWriteDeadline(time.Now()))
			err := <-sent
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
			assert.ErrorContains(t, err, "send cut short after")
			require.NoError(t, a.SetWriteDeadline(time.Now().Add(hangGuard)))
			assert.Equal(t, err, a.SendBytes([]byte("hello")), "the same error again")
			assert.Equal(t, err, a.Send("hello"))
			require.NoError(t, a.Close())
			_, rerr := b.RecvBytes()
			assert.ErrorIs(t, rerr, io.ErrUnexpectedEOF, "the peer sees the frame cut, not a message")
		})
	}
}

// A deadline that expires before the first byte of a frame loses nothing:
// that send fails, and the next one goes through.
func TestSendDeadlineBeforeAnyByte(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	require.NoError(t, a.SetWriteDeadline(time.Now().Add(-time.Second)))
	require.ErrorIs(t, a.SendBytes([]byte("lost")), os.ErrDeadlineExceeded)
	require.NoError(t, a.SetWriteDeadline(time.Time{}))
	require.NoError(t, a.SendBytes([]byte("ok")))
	got, err := b.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("ok"), got)
}

func TestNetConn(t *testing.T) {
	t.Parallel()
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret))
	require.NoError(t, err)
	defer l.Close()
	c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret))
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept()
	require.NoError(t, err)
	defer s.Close()
	tcp, ok := c.NetConn().(*net.TCPConn)
	require.True(t, ok, "%T", c.NetConn())
	require.NoError(t, tcp.SetKeepAlive(true))
	assert.Equal(t, c.LocalAddr(), tcp.LocalAddr())

	a, _ := pipePair(t)
	_, ok = a.NetConn().(*net.UnixConn)
	assert.True(t, ok, "%T", a.NetConn())
}

func TestPoll(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			ready, err := b.Poll(0)
			require.NoError(t, err)
			assert.False(t, ready)

			start := time.Now()
			ready, err = b.Poll(50 * time.Millisecond)
			require.NoError(t, err)
			assert.False(t, ready)
			assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

			go func() {
				time.Sleep(20 * time.Millisecond)
				a.SendBytes([]byte("one"))
				a.SendBytes([]byte("two"))
			}()
			ready, err = b.Poll(-1)
			require.NoError(t, err)
			assert.True(t, ready)
			got, err := b.RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, []byte("one"), got)

			// "two" may sit in the read buffer, where the descriptor cannot
			// see it; Poll must still say yes.
			require.Eventually(t, func() bool { r, _ := b.Poll(0); return r }, time.Second, time.Millisecond)
			got, err = b.RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, []byte("two"), got)
			ready, err = b.Poll(0)
			require.NoError(t, err)
			assert.False(t, ready)
		})
	}
}

// Poll sees bytes that only the read buffer holds.
func TestPollBuffered(t *testing.T) {
	t.Parallel()
	a, b, err := Pipe()
	require.NoError(t, err)
	defer a.Close()
	defer b.Close()
	// Both frames in one write: the first receive buffers the second.
	_, err = a.nc.Write([]byte{0, 0, 0, 1, 'x', 0, 0, 0, 1, 'y'})
	require.NoError(t, err)
	got, err := b.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("x"), got)
	require.Positive(t, b.br.Buffered())
	ready, err := b.Poll(0)
	require.NoError(t, err)
	assert.True(t, ready)
	out, err := Wait([]*Conn{b}, 0)
	require.NoError(t, err)
	assert.Equal(t, []*Conn{b}, out)
}

// One sender and one receiver goroutine on each end at once (run with -race).
func TestConcurrentSendRecv(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		if !tr.duplex {
			continue
		}
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			const n = 200
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, pair := range [][2]*Conn{{a, b}, {b, a}} {
				from, to := pair[0], pair[1]
				wg.Add(2)
				go func() {
					defer wg.Done()
					for i := range n {
						if err := from.SendBytes(pattern(i*97, byte(i))); err != nil {
							errs <- err
							return
						}
					}
				}()
				go func() {
					defer wg.Done()
					for i := range n {
						got, err := to.RecvBytes()
						if err != nil {
							errs <- err
							return
						}
						if string(got) != string(pattern(i*97, byte(i))) {
							errs <- errors.New("message mismatch")
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
		})
	}
}

func TestMaxMessageSizeOverTransport(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t, WithMaxMessageSize(1000))
			go a.SendBytes(make([]byte, 1001))
			_, err := b.RecvBytes()
			require.ErrorIs(t, err, ErrMessageTooLarge)
			_, err2 := b.RecvBytes()
			assert.Equal(t, err, err2)
			if tr.duplex {
				require.NoError(t, b.SendBytes([]byte("reply")), "sends still work")
				got, err := a.RecvBytes()
				require.NoError(t, err)
				assert.Equal(t, []byte("reply"), got)
			}
		})
	}
}

func TestAddrs(t *testing.T) {
	t.Parallel()
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			a, b := tr.pair(t)
			assert.NotNil(t, a.LocalAddr())
			assert.NotNil(t, b.RemoteAddr())
		})
	}
}
