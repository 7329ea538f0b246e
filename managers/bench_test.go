package managers

import (
	"context"
	"testing"
)

// benchQueue serves a queue and returns a Go client's proxy of it.
func benchQueue(b *testing.B) (context.Context, QueueProxy) {
	_, addr := startServer(b)
	c := dialTest(b, addr)
	ctx := testCtx(b)
	p, err := c.Create(ctx, "get_queue")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	return ctx, QueueProxy{p}
}

func putGet(ctx context.Context, q QueueProxy, i int) error {
	if err := q.Put(ctx, i); err != nil {
		return err
	}
	_, err := q.Get(ctx)
	return err
}

// BenchmarkQueuePutGet is one put and one get through a Go manager, from a
// Go client, over a unix socket: two round trips.
func BenchmarkQueuePutGet(b *testing.B) {
	ctx, q := benchQueue(b)
	for i := 0; b.Loop(); i++ {
		if err := putGet(ctx, q, i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueuePutGetParallel is BenchmarkQueuePutGet from GOMAXPROCS
// goroutines sharing one Client (and so its pool of channels).
func BenchmarkQueuePutGetParallel(b *testing.B) {
	ctx, q := benchQueue(b)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := putGet(ctx, q, i); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
