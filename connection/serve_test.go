package connection

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

// serveAsync runs l.Serve in a goroutine; the channel gets its result.
func serveAsync(ctx context.Context, l *Listener, handler func(context.Context, *Conn)) <-chan error {
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, handler) }()
	return done
}

// An echo server on Serve: many clients at once, some with a wrong key.
// Every good client is served while the others are still connected; the
// bad ones go to the hook, and Serve carries on.
func TestServe(t *testing.T) {
	goroutineCheck(t)
	rejected := make(chan error, 16)
	hook := OnHandshakeError(func(he *HandshakeError) { rejected <- he })
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), hook)
	require.NoError(t, err)
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := serveAsync(ctx, l, func(ctx context.Context, c *Conn) {
		for {
			v, err := c.Recv()
			if err != nil {
				return
			}
			if err := c.Send(v); err != nil {
				return
			}
		}
	})

	const good, bad = 12, 3
	var conns []*Conn
	for i := range good + bad {
		key := secret
		if i%5 == 4 {
			key = []byte("wrong")
		}
		c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(key))
		if i%5 == 4 {
			require.ErrorIs(t, err, ErrHandshake)
			continue
		}
		require.NoError(t, err)
		defer c.Close()
		conns = append(conns, c)
	}
	require.Len(t, conns, good)
	// All connected at once; each gets its own answers.
	for i, c := range conns {
		require.NoError(t, c.Send(fmt.Sprint("client ", i)))
	}
	for i, c := range conns {
		got, err := c.Recv()
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint("client ", i), got)
	}
	for range bad {
		assert.ErrorIs(t, <-rejected, auth.ErrAuthentication)
	}
	cancel()
	require.ErrorIs(t, <-served, context.Canceled)
	for _, c := range conns {
		_, err := c.Recv()
		assert.Error(t, err, "Serve closed the server side of every connection")
	}
}

// Cancelling the context unblocks every handler's receive, and Serve
// returns only after every handler has returned, with the context's cause.
func TestServeCancelUnblocksHandlers(t *testing.T) {
	goroutineCheck(t)
	l, err := Listen(context.Background(), "unix", t.TempDir()+"/s", WithAuthKey(secret))
	require.NoError(t, err)
	defer l.Close()
	stopped := errors.New("shutting down")
	ctx, cancel := context.WithCancelCause(context.Background())
	const n = 5
	var (
		started  sync.WaitGroup
		returned atomic.Int32
		recvErrs = make(chan error, n)
	)
	started.Add(n)
	served := serveAsync(ctx, l, func(hctx context.Context, c *Conn) {
		defer returned.Add(1)
		started.Done()
		_, err := c.Recv() // the clients never send
		assert.Error(t, hctx.Err(), "the handler's context is done by the time its receive fails")
		recvErrs <- err
	})
	for range n {
		c, err := Dial(context.Background(), "unix", l.Addr().String(), WithAuthKey(secret))
		require.NoError(t, err)
		defer c.Close()
	}
	started.Wait()
	cancel(stopped)
	err = <-served
	require.ErrorIs(t, err, stopped)
	assert.Equal(t, int32(n), returned.Load(), "every handler returned before Serve")
	for range n {
		assert.ErrorIs(t, <-recvErrs, net.ErrClosed)
	}
}

// Closing the Listener stops Serve the same way, with net.ErrClosed, and a
// handshake failure without a hook is simply skipped.
func TestServeListenerClosed(t *testing.T) {
	goroutineCheck(t)
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret))
	require.NoError(t, err)
	inHandler := make(chan struct{})
	served := serveAsync(context.Background(), l, func(ctx context.Context, c *Conn) {
		close(inHandler)
		<-ctx.Done()
	})
	_, err = Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey([]byte("wrong")))
	require.ErrorIs(t, err, ErrHandshake)
	c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret))
	require.NoError(t, err)
	defer c.Close()
	<-inHandler
	require.NoError(t, l.Close())
	err = <-served
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = c.Recv()
	assert.Error(t, err, "the handler's connection was closed")
}

func TestServeHookOnlyOnListeners(t *testing.T) {
	t.Parallel()
	_, err := Dial(context.Background(), "tcp", "127.0.0.1:1", OnHandshakeError(func(*HandshakeError) {}))
	assert.ErrorIs(t, err, ErrInvalidOption)
}
