package connection

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/mpconn/mpconn/pickle"
	"github.com/stretchr/testify/require"
)

// Allocation benchmarks: allocations per message on a real unix socket.
// internal/bench runs them (go test -bench -benchmem) for its table.
//
//	go test ./connection/ -run '^$' -bench 'SendBytes|RecvBytesInto|SendRecvSmallObject' -benchmem

var benchSizes = []int{64, 4 << 10, 64 << 10, 1 << 20}

// benchPair returns a Conn and the raw socket at the other end of it.
func benchPair(b *testing.B) (*Conn, net.Conn) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "s")
	l, err := net.Listen("unix", path)
	require.NoError(b, err)
	defer l.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		ch <- res{c, err}
	}()
	nc, err := net.Dial("unix", path)
	require.NoError(b, err)
	r := <-ch
	require.NoError(b, r.err)
	c, err := Client(context.Background(), nc, WithMaxMessageSize(1<<30))
	require.NoError(b, err)
	b.Cleanup(func() { c.Close(); r.c.Close() })
	return c, r.c
}

func BenchmarkSendBytes(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			c, raw := benchPair(b)
			go io.Copy(io.Discard, raw)
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SendBytes(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecvBytesInto(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			c, raw := benchPair(b)
			// The writer sends a batch of whole frames at a time.
			per := max(1, (256<<10)/(size+4))
			frame := make([]byte, 4+size)
			binary.BigEndian.PutUint32(frame, uint32(size))
			batch := make([]byte, 0, per*len(frame))
			for range per {
				batch = append(batch, frame...)
			}
			stop := make(chan struct{})
			go func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := raw.Write(batch); err != nil {
						return
					}
				}
			}()
			defer close(stop)
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if n, err := c.RecvBytesInto(buf); err != nil || n != size {
					b.Fatal(n, err)
				}
			}
		})
	}
}

func BenchmarkSendRecvSmallObject(b *testing.B) {
	a, z, err := Pipe()
	require.NoError(b, err)
	defer a.Close()
	defer z.Close()
	obj := benchdata.NewSmall()
	b.Run("any", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Send(obj); err != nil {
				b.Fatal(err)
			}
			if _, err := z.Recv(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		var got benchdata.Small
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Send(obj); err != nil {
				b.Fatal(err)
			}
			if err := z.RecvInto(&got); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Round trips of the small object on a unix socket pair, the comparison
// command's round-trip row in-process, with what it is measured against:
//
//	go test ./connection/ -run '^$' -bench RoundTrip
//
// Objects: Send of the struct, an echo that Recvs into any and Sends it
// back, Recv into any (four pickle operations). Bytes: the same pickle with
// SendBytes/RecvBytes (framing, no pickling). Raw: plain Write/ReadFull of
// as many bytes, the floor.
func BenchmarkRoundTrip(b *testing.B) {
	obj := benchdata.NewSmall()
	data, err := pickle.Marshal(obj)
	require.NoError(b, err)
	b.Run("objects", func(b *testing.B) {
		benchEcho(b, func(z *Conn) error {
			v, err := z.Recv()
			if err != nil {
				return err
			}
			return z.Send(v)
		}, func(a *Conn) error {
			if err := a.Send(obj); err != nil {
				return err
			}
			_, err := a.Recv()
			return err
		})
	})
	b.Run("bytes", func(b *testing.B) {
		benchEcho(b, func(z *Conn) error {
			m, err := z.RecvBytes()
			if err != nil {
				return err
			}
			return z.SendBytes(m)
		}, func(a *Conn) error {
			if err := a.SendBytes(data); err != nil {
				return err
			}
			_, err := a.RecvBytes()
			return err
		})
	})
	b.Run("raw", func(b *testing.B) {
		c, raw := benchPair(b)
		nc := c.nc
		buf := make([]byte, shortHeaderLen+len(data))
		go func() {
			echo := make([]byte, len(buf))
			for {
				if _, err := io.ReadFull(raw, echo); err != nil {
					return
				}
				if _, err := raw.Write(echo); err != nil {
					return
				}
			}
		}()
		for b.Loop() {
			if _, err := nc.Write(buf); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(nc, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchEcho times roundTrip on one end of a Pipe whose other end runs echo
// until it fails.
func benchEcho(b *testing.B, echo, roundTrip func(*Conn) error) {
	a, z, err := Pipe()
	require.NoError(b, err)
	defer a.Close()
	go func() {
		defer z.Close()
		for echo(z) == nil {
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		if err := roundTrip(a); err != nil {
			b.Fatal(err)
		}
	}
}
