package managers

import (
	"testing"
)

// BenchmarkQueuePutGet is one put and one get through a Go manager, from a
// Go client, over a unix socket: two round trips.
func BenchmarkQueuePutGet(b *testing.B) {
	_, addr := startServer(b)
	c := dialTest(b, addr)
	ctx := testCtx(b)
	p, err := c.Create(ctx, "get_queue")
	if err != nil {
		b.Fatal(err)
	}
	q := QueueProxy{p}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := q.Put(ctx, i); err != nil {
			b.Fatal(err)
		}
		if _, err := q.Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueuePutGetParallel is BenchmarkQueuePutGet from GOMAXPROCS
// goroutines sharing one Client (and so its pool of channels).
func BenchmarkQueuePutGetParallel(b *testing.B) {
	_, addr := startServer(b)
	c := dialTest(b, addr)
	ctx := testCtx(b)
	p, err := c.Create(ctx, "get_queue")
	if err != nil {
		b.Fatal(err)
	}
	q := QueueProxy{p}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := q.Put(ctx, i); err != nil {
				b.Error(err)
				return
			}
			if _, err := q.Get(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
