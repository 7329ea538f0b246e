package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"path/filepath"
	"strings"
	"time"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/mpconn/mpconn/pickle"
)

var authKey = []byte("mpconn-bench")

// listen makes a listener of the network with a fresh address.
func listen(network, dir string) (net.Listener, error) {
	if network == "unix" {
		return net.Listen("unix", filepath.Join(dir, fmt.Sprintf("go-%d.sock", time.Now().UnixNano())))
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

func pyAddr(network, dir string) string {
	if network == "unix" {
		return filepath.Join(dir, fmt.Sprintf("py-%d.sock", time.Now().UnixNano()))
	}
	return "127.0.0.1:0"
}

// pyServer starts peer.py as a server and returns its address.
func (b *bencher) pyServer(ctx context.Context, network, mode string) (string, func() error, error) {
	cmd := b.py.Command(ctx, b.peerPy, "server", network, pyAddr(network, b.tmp), mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return "", nil, fmt.Errorf("python server did not start: %v", err)
	}
	return strings.TrimSpace(line), cmd.Wait, nil
}

// pyClient runs peer.py as a client and returns its per-repetition seconds.
func (b *bencher) pyClient(ctx context.Context, network, addr, mode string, args ...string) ([]float64, error) {
	all := append([]string{b.peerPy, "client", network, addr, mode, fmt.Sprint(b.cfg.reps)}, args...)
	cmd := b.py.Command(ctx, all...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("python client: %v", err)
	}
	var res struct{ Seconds []float64 }
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("python client said %q: %v", out, err)
	}
	return res.Seconds, nil
}

// goServer listens and serves one client with serve.
func goServer(network, dir string, serve func(*connection.Conn)) (string, <-chan error, error) {
	nl, err := listen(network, dir)
	if err != nil {
		return "", nil, err
	}
	l, err := connection.NewListener(nl, connection.WithAuthKey(authKey), connection.WithMaxMessageSize(1<<30))
	if err != nil {
		return "", nil, err
	}
	done := make(chan error, 1)
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		serve(c)
		done <- nil
	}()
	return nl.Addr().String(), done, nil
}

func goDial(ctx context.Context, network, addr string) (*connection.Conn, error) {
	return connection.Dial(ctx, network, addr, connection.WithAuthKey(authKey), connection.WithMaxMessageSize(1<<30))
}

// Round trips.

func serveEcho(c *connection.Conn) {
	for {
		v, err := c.Recv()
		if err != nil {
			return
		}
		if err := c.Send(v); err != nil {
			return
		}
	}
}

// goRoundTrips sends the small object and receives its echo, rounds times per
// repetition, and returns seconds per repetition.
func (b *bencher) goRoundTrips(c *connection.Conn) ([]float64, error) {
	obj := benchdata.NewSmall()
	once := func() error {
		if err := c.Send(obj); err != nil {
			return err
		}
		_, err := c.Recv()
		return err
	}
	return b.timeRounds(once)
}

// smallFrameLen is the size on the wire of the small object as CPython's
// send() writes it: header and pickle.
func smallFrameLen() int {
	data, err := pickle.Marshal(benchdata.NewSmall())
	if err != nil {
		panic(err)
	}
	return 4 + len(data)
}

func rawPair(network, dir string) (net.Conn, net.Conn, error) {
	l, err := listen(network, dir)
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			ch <- nil
			return
		}
		ch <- c
	}()
	a, err := net.Dial(network, l.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	z := <-ch
	if z == nil {
		a.Close()
		return nil, nil, errors.New("accept failed")
	}
	return a, z, nil
}

// rawRoundTrips is the floor: ping-pong of n-byte buffers, no framing, no
// pickling.
func (b *bencher) rawRoundTrips(network string, n int) ([]float64, error) {
	a, z, err := rawPair(network, b.tmp)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	go func() {
		defer z.Close()
		buf := make([]byte, n)
		for {
			if _, err := io.ReadFull(z, buf); err != nil {
				return
			}
			if _, err := z.Write(buf); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, n)
	once := func() error {
		if _, err := a.Write(buf); err != nil {
			return err
		}
		_, err := io.ReadFull(a, buf)
		return err
	}
	return b.timeRounds(once)
}

// roundTrips runs every pair on one network; results are round trips per
// second per repetition.
func (b *bencher) roundTrips(ctx context.Context, network string) error {
	rate := func(secs []float64) []float64 {
		r := make([]float64, len(secs))
		for i, s := range secs {
			r[i] = float64(b.cfg.rounds) / s
		}
		return r
	}
	group := "round trips/s, small object, " + network
	add := func(pair string, secs []float64, err error) error {
		if err != nil {
			return fmt.Errorf("%s %s: %w", group, pair, err)
		}
		b.add(group, pair, "round trips/s", rate(secs), true)
		return nil
	}
	// Go ↔ Go
	addr, done, err := goServer(network, b.tmp, serveEcho)
	if err != nil {
		return err
	}
	c, err := goDial(ctx, network, addr)
	if err != nil {
		return err
	}
	secs, err := b.goRoundTrips(c)
	c.Close()
	<-done
	if err := add(pairGoGo, secs, err); err != nil {
		return err
	}
	// CPython ↔ CPython
	addr, wait, err := b.pyServer(ctx, network, "rt")
	if err != nil {
		return err
	}
	secs, err = b.pyClient(ctx, network, addr, "rt", fmt.Sprint(b.cfg.rounds))
	wait()
	if err := add(pairPyPy, secs, err); err != nil {
		return err
	}
	// Go client ↔ CPython server
	addr, wait, err = b.pyServer(ctx, network, "rt")
	if err != nil {
		return err
	}
	c, err = goDial(ctx, network, addr)
	if err != nil {
		return err
	}
	secs, err = b.goRoundTrips(c)
	c.Close()
	wait()
	if err := add(pairGoPy, secs, err); err != nil {
		return err
	}
	// CPython client ↔ Go server
	addr, done, err = goServer(network, b.tmp, serveEcho)
	if err != nil {
		return err
	}
	secs, err = b.pyClient(ctx, network, addr, "rt", fmt.Sprint(b.cfg.rounds))
	<-done
	if err := add(pairPyGo, secs, err); err != nil {
		return err
	}
	// Raw floor
	secs, err = b.rawRoundTrips(network, smallFrameLen())
	return add(pairRaw, secs, err)
}

// Bulk.

func serveSink(size int) func(*connection.Conn) {
	return func(c *connection.Conn) {
		buf := make([]byte, size)
		for {
			n, err := c.RecvBytesInto(buf)
			if err != nil {
				return
			}
			if n == 0 {
				if err := c.SendBytes([]byte("ok")); err != nil {
					return
				}
			}
		}
	}
}

func (b *bencher) goBulk(c *connection.Conn, size, count int) ([]float64, error) {
	msg := make([]byte, size)
	ack := make([]byte, 16)
	batch := func(count int) error {
		for range count {
			if err := c.SendBytes(msg); err != nil {
				return err
			}
		}
		if err := c.SendBytes(nil); err != nil {
			return err
		}
		_, err := c.RecvBytesInto(ack)
		return err
	}
	return b.timeReps(
		func() error { return batch(1) },
		func() error { return batch(count) })
}

// discard is io.Discard without ReadFrom, so that io.CopyBuffer reads with
// the buffer it is given (message-sized, as RecvBytesInto reads).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// rawBulk is the floor: io.Copy of the same bytes, one byte of ack.
func (b *bencher) rawBulk(network string, size, count int) ([]float64, error) {
	a, z, err := rawPair(network, b.tmp)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	go func() {
		defer z.Close()
		buf := make([]byte, size)
		for {
			var n [8]byte
			if _, err := io.ReadFull(z, n[:]); err != nil {
				return
			}
			if _, err := io.CopyBuffer(discard{}, io.LimitReader(z, int64(binary.BigEndian.Uint64(n[:]))), buf); err != nil {
				return
			}
			if _, err := z.Write([]byte{1}); err != nil {
				return
			}
		}
	}()
	src := make([]byte, size)
	batch := func(count int) error {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(size)*uint64(count))
		if _, err := a.Write(n[:]); err != nil {
			return err
		}
		for range count {
			if _, err := io.Copy(a, bytes.NewReader(src)); err != nil {
				return err
			}
		}
		_, err := io.ReadFull(a, n[:1])
		return err
	}
	return b.timeReps(
		func() error { return batch(1) },
		func() error { return batch(count) })
}

func (b *bencher) bulk(ctx context.Context, network string, size int) error {
	count := max(2, int(b.cfg.bulkBytes/int64(size)))
	rate := func(secs []float64) []float64 {
		r := make([]float64, len(secs))
		for i, s := range secs {
			r[i] = float64(size) * float64(count) / s / (1 << 20)
		}
		return r
	}
	group := fmt.Sprintf("bulk MiB/s, %s messages, %s", sizeName(size), network)
	add := func(pair string, secs []float64, err error) error {
		if err != nil {
			return fmt.Errorf("%s %s: %w", group, pair, err)
		}
		b.add(group, pair, "MiB/s", rate(secs), true)
		return nil
	}
	args := []string{fmt.Sprint(size), fmt.Sprint(count)}
	// Go → Go
	addr, done, err := goServer(network, b.tmp, serveSink(size))
	if err != nil {
		return err
	}
	c, err := goDial(ctx, network, addr)
	if err != nil {
		return err
	}
	secs, err := b.goBulk(c, size, count)
	c.Close()
	<-done
	if err := add(pairGoGo, secs, err); err != nil {
		return err
	}
	// CPython → CPython
	addr, wait, err := b.pyServer(ctx, network, "bulk")
	if err != nil {
		return err
	}
	secs, err = b.pyClient(ctx, network, addr, "bulk", args...)
	wait()
	if err := add(pairPyPy, secs, err); err != nil {
		return err
	}
	// Go client → CPython server
	addr, wait, err = b.pyServer(ctx, network, "bulk")
	if err != nil {
		return err
	}
	c, err = goDial(ctx, network, addr)
	if err != nil {
		return err
	}
	secs, err = b.goBulk(c, size, count)
	c.Close()
	wait()
	if err := add(pairGoPy, secs, err); err != nil {
		return err
	}
	// CPython client → Go server
	addr, done, err = goServer(network, b.tmp, serveSink(size))
	if err != nil {
		return err
	}
	secs, err = b.pyClient(ctx, network, addr, "bulk", args...)
	<-done
	if err := add(pairPyGo, secs, err); err != nil {
		return err
	}
	secs, err = b.rawBulk(network, size, count)
	return add(pairRaw, secs, err)
}

func sizeName(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// timeRounds warms up with up to 1000 calls of once, then times rounds calls
// per repetition and returns seconds per repetition.
func (b *bencher) timeRounds(once func() error) ([]float64, error) {
	calls := func(n int) func() error {
		return func() error {
			for range n {
				if err := once(); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return b.timeReps(calls(min(b.cfg.rounds, 1000)), calls(b.cfg.rounds))
}

// timeReps runs warmup once, then times rep once per repetition and returns
// seconds per repetition.
func (b *bencher) timeReps(warmup, rep func() error) ([]float64, error) {
	if err := warmup(); err != nil {
		return nil, err
	}
	var out []float64
	for range b.cfg.reps {
		t0 := time.Now()
		if err := rep(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0).Seconds())
	}
	return out, nil
}
