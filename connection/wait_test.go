package connection

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pipes(t *testing.T, n int) (senders, receivers []*Conn) {
	t.Helper()
	for range n {
		a, b, err := Pipe()
		require.NoError(t, err)
		t.Cleanup(func() { a.Close(); b.Close() })
		senders, receivers = append(senders, a), append(receivers, b)
	}
	return senders, receivers
}

func TestWait(t *testing.T) {
	goroutineCheck(t)
	s, r := pipes(t, 4)

	out, err := Wait(r, 0)
	require.NoError(t, err)
	assert.Empty(t, out)
	assert.NotNil(t, out)

	start := time.Now()
	out, err = Wait(r, 50*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, out)
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

	// Ready ones come back in input order.
	require.NoError(t, s[3].SendBytes([]byte("3")))
	require.NoError(t, s[1].SendBytes([]byte("1")))
	require.Eventually(t, func() bool {
		out, err := Wait(r, 0)
		return err == nil && len(out) == 2
	}, time.Second, time.Millisecond)
	out, err = Wait(r, -1)
	require.NoError(t, err)
	assert.Equal(t, []*Conn{r[1], r[3]}, out)

	// Blocking until one becomes ready.
	for _, c := range []*Conn{r[1], r[3]} {
		_, err := c.RecvBytes()
		require.NoError(t, err)
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		s[2].SendBytes([]byte("2"))
	}()
	out, err = Wait(r, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []*Conn{r[2]}, out)

	// EOF is ready.
	s[0].Close()
	out, err = Wait(r, time.Second)
	require.NoError(t, err)
	assert.Equal(t, []*Conn{r[0], r[2]}, out)

	// Wait leaves the read deadlines as they were.
	require.NoError(t, r[1].SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = Wait(r[1:2], 50*time.Millisecond)
	require.NoError(t, err)
	_, err = r[1].RecvBytes()
	assert.ErrorContains(t, err, "timeout")
}

func TestWaitEmptyAndErrors(t *testing.T) {
	t.Parallel()
	out, err := Wait(nil, 0)
	require.NoError(t, err)
	assert.Empty(t, out)
	out, err = Wait(nil, 10*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, out)

	_, r := pipes(t, 2)
	_, err = Wait([]*Conn{r[0], r[1], r[0]}, 0)
	assert.ErrorContains(t, err, "listed twice")
	_, err = Wait([]*Conn{r[0], nil}, 0)
	assert.ErrorContains(t, err, "nil")
	// Nothing stays locked after an error.
	out, err = Wait(r, 0)
	require.NoError(t, err)
	assert.Empty(t, out)
}

func TestWaitContext(t *testing.T) {
	goroutineCheck(t)
	s, r := pipes(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	out, err := WaitContext(ctx, r)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, out)
	assert.Less(t, time.Since(start), 2*time.Second)

	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = WaitContext(ctx, r)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, s[1].SendBytes(nil))
	out, err = WaitContext(context.Background(), r)
	require.NoError(t, err)
	assert.Equal(t, []*Conn{r[1]}, out)
}

// Wait sees a poisoned Conn (its receive reports the error) and bytes held
// in the read buffer.
func TestWaitPoisonedAndBuffered(t *testing.T) {
	t.Parallel()
	s, r := pipes(t, 2)
	_, err := s[0].nc.Write([]byte{0xff, 0xff, 0xff, 0xfe})
	require.NoError(t, err)
	_, err = r[0].RecvBytes()
	require.ErrorIs(t, err, ErrProtocol)
	_, err = s[1].nc.Write([]byte{0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b'})
	require.NoError(t, err)
	_, err = r[1].RecvBytes()
	require.NoError(t, err)
	out, err := Wait(r, 0)
	require.NoError(t, err)
	assert.Equal(t, r, out)
}

// Wait refuses, rather than hangs, when a receive is running elsewhere.
func TestWaitWhileReceiving(t *testing.T) {
	t.Parallel()
	s, r := pipes(t, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r[0].RecvBytes()
	}()
	time.Sleep(20 * time.Millisecond)
	_, err := Wait(r, time.Second)
	assert.ErrorContains(t, err, "receiving in another goroutine")
	s[0].SendBytes(nil)
	wg.Wait()
}

// Close unblocks a Wait in another goroutine.
func TestWaitClose(t *testing.T) {
	goroutineCheck(t)
	_, r := pipes(t, 3)
	errc := make(chan error, 1)
	go func() {
		_, err := Wait(r, -1)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	r[2].Close()
	select {
	case err := <-errc:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Wait not unblocked by Close")
	}
}

// Conns over a net.Conn without a descriptor (net.Pipe here) use the
// portable readiness check, the one other platforms use.
func TestPollWaitPortable(t *testing.T) {
	goroutineCheck(t)
	var senders, receivers []*Conn
	for range 2 {
		x, y := net.Pipe()
		a, err := Client(context.Background(), x)
		require.NoError(t, err)
		b, err := Server(context.Background(), y, InsecureSkipAuth())
		require.NoError(t, err)
		require.Nil(t, b.rc)
		t.Cleanup(func() { a.Close(); b.Close() })
		senders, receivers = append(senders, a), append(receivers, b)
	}
	b := receivers[0]
	ready, err := b.Poll(0)
	require.NoError(t, err)
	assert.False(t, ready)
	ready, err = b.Poll(30 * time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ready)
	out, err := Wait(receivers, 30*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, out)

	go senders[1].SendBytes([]byte("x"))
	out, err = Wait(receivers, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, []*Conn{receivers[1]}, out)
	got, err := receivers[1].RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("x"), got)

	go senders[0].SendBytes([]byte("y"))
	ready, err = b.Poll(-1)
	require.NoError(t, err)
	assert.True(t, ready)
	got, err = b.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("y"), got)

	errc := make(chan error, 1)
	go func() { _, err := b.Poll(-1); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	b.Close()
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Poll")
	}
}
