//go:build unix

package managers

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChannelsLeaveThePoller checks that channels move to blocking I/O, at
// most GOMAXPROCS-1 in the process, that channels on both sides of that
// bound carry calls, and that closing wakes what blocks in the kernel and
// gives the places back.
func TestChannelsLeaveThePoller(t *testing.T) {
	base := blockingChannels.Load() // channels earlier tests left open
	procs := runtime.GOMAXPROCS(int(base) + 3)
	defer runtime.GOMAXPROCS(procs)
	limit := base + 2 // the two ends of one channel
	s, addr := startServer(t)
	c := dialTest(t, addr)
	ctx := testCtx(t)
	q, err := c.Queue(ctx, 0)
	require.NoError(t, err)

	// A call's channel blocks on both sides.
	_, err = q.Qsize(ctx)
	require.NoError(t, err)
	assert.Equal(t, limit, blockingChannels.Load())
	c.mu.Lock()
	sc := c.idle[0].conn.NetConn().(*sockConn)
	c.mu.Unlock()
	assert.NotNil(t, sc.file.Load(), "the channel does blocking I/O")

	// A get whose context ends wakes from its read in the kernel; both
	// sides then close that channel.
	ended := make(chan error, 1)
	go func() {
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err := q.Get(short)
		ended <- err
	}()
	select {
	case err := <-ended:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(testTimeout):
		t.Fatal("a get on a blocking channel outlived its context")
	}
	poll(t, "both ends of the channel closed", func() bool { return blockingChannels.Load() == base })

	// More gets at once than channels may block: all are answered.
	gets := 4
	var wg sync.WaitGroup
	results := make(chan int64, gets)
	for range gets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := q.Get(ctx)
			if assert.NoError(t, err) {
				results <- v.(int64)
			}
		}()
	}
	poll(t, "a channel for every get", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns) >= gets
	})
	assert.Equal(t, limit, blockingChannels.Load())
	var want []int64
	for i := range int64(gets) {
		require.NoError(t, q.Put(ctx, i))
		want = append(want, i)
	}
	wg.Wait()
	close(results)
	var got []int64
	for v := range results {
		got = append(got, v)
	}
	assert.ElementsMatch(t, want, got)

	// The server's idle channels wait in the kernel for a next request:
	// Close wakes them.
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(testTimeout):
		t.Fatal("Close hangs on channels blocked in the kernel")
	}
	c.Close() // its proxy's decref fails: the server is gone
	assert.Equal(t, base, blockingChannels.Load())
}

// poll waits for cond, checking the package's own bookkeeping every
// millisecond, and fails after testTimeout.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(testTimeout); !cond(); time.Sleep(time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "waiting for %s", what)
	}
}
