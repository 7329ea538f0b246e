package connection

import (
	"context"
	"errors"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/mpconn/mpconn/pickle"
)

// recvTarget is what a service typically decodes a request into: scalars,
// bytes, nested slices and maps, a pointer cycle, times and big integers.
type recvTarget struct {
	ID    int64             `pickle:"id"`
	Seq   uint32            `pickle:"seq"`
	Name  string            `pickle:"name"`
	Data  []byte            `pickle:"data"`
	Sum   uint32            `pickle:"sum"`
	Args  []float64         `pickle:"args"`
	Tags  map[string]string `pickle:"tags"`
	Grid  [][]int16         `pickle:"grid"`
	When  time.Time         `pickle:"when"`
	Delay time.Duration     `pickle:"delay"`
	Big   *big.Int          `pickle:"big"`
	Any   any               `pickle:"any"`
	Pair  [2]string         `pickle:"pair"`
	Next  *recvTarget       `pickle:"next"`
}

// FuzzRecvInto feeds arbitrary bytes to a Conn and decodes every message
// into a struct with RecvInto, as a service reading requests from an
// untrusted peer does: no panic, no hang, a *DecodeError keeps the message
// and leaves the Conn usable, any other error ends the stream for good.
// The seeds in testdata/fuzz/FuzzRecvInto are frames CPython sent
// (TestCaptureCPythonSeeds in interop_test).
func FuzzRecvInto(f *testing.F) {
	for _, v := range []any{
		map[string]any{"id": 1, "seq": 2, "name": "job", "data": []byte("abc"), "sum": 7},
		recvTarget{ID: -5, Args: []float64{0.5, 1.5}, Tags: map[string]string{"a": "b"}, Grid: [][]int16{{1, 2}, {3}},
			When: time.Unix(1700000000, 5000).UTC(), Delay: time.Second, Big: big.NewInt(1 << 62), Any: []any{nil, true},
			Pair: [2]string{"x", "y"}, Next: &recvTarget{Name: "inner"}},
		pickle.Tuple{1, 2, "three"},
		[]any{1, 2},
	} {
		for _, proto := range []int{0, 2, 4, 5} {
			p, err := pickle.Marshal(v, pickle.WithProtocol(proto))
			if err != nil {
				f.Fatal(err)
			}
			wire := appendHeader(nil, uint64(len(p)))
			wire = append(wire, p...)
			f.Add(wire)
			f.Add(append(append([]byte(nil), wire...), wire...))
		}
	}
	f.Add([]byte("\x00\x00\x00\x05hello"))
	f.Add([]byte("\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x03I1\n"))
	f.Fuzz(func(t *testing.T, wire []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err := Client(context.Background(), newFakeConn(wire),
				WithMaxMessageSize(1<<20), WithPickleOptions(pickle.WithMaxExpansion(16)))
			if err != nil {
				t.Errorf("Client without a key: %v", err)
				return
			}
			defer c.Close()
			for range len(wire) + 1 {
				var v recvTarget
				err := c.RecvInto(&v)
				var de *DecodeError
				switch {
				case err == nil:
				case errors.As(err, &de):
					if de.Message == nil {
						t.Errorf("DecodeError without the message: %v", err)
					}
				case errors.Is(err, io.EOF):
					return
				default:
					// Poisoned or truncated: the same error from now on.
					if err2 := c.RecvInto(&v); err2 != err {
						t.Errorf("after %v, got %v", err, err2)
					}
					return
				}
			}
			t.Errorf("more messages than bytes")
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("RecvInto hung")
		}
	})
}
