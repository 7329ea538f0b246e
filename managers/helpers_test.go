package managers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testKey = []byte("managers test key")

// testTimeout only guards against hangs.
const testTimeout = 30 * time.Second

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startServer serves a SyncManager Go server (plus get_queue) on a unix
// socket and returns it with its address.
func startServer(t testing.TB, opts ...Option) (*Server, string) {
	t.Helper()
	opts = append([]Option{WithAuthKey(testKey)}, opts...)
	s := NewServer(opts...)
	require.NoError(t, s.RegisterSyncManager())
	require.NoError(t, s.Register("get_queue", Type{New: Singleton(NewQueue(0))}))
	dir, err := os.MkdirTemp("", "mgr")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := filepath.Join(dir, "m.sock")
	l, err := Listen(context.Background(), "unix", addr, opts...)
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s, addr
}

func dialTest(t testing.TB, addr string, opts ...Option) *Client {
	t.Helper()
	c, err := Dial(testCtx(t), "unix", addr, append([]Option{WithAuthKey(testKey)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}
