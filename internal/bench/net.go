package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
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

// closers are the clean-ups of a network row, run last first.
type closers []func() error

func (c *closers) add(f func() error) { *c = append(*c, f) }

// close runs the clean-ups once and returns the first error.
func (c *closers) close() error {
	var first error
	for i := len(*c) - 1; i >= 0; i-- {
		if err := (*c)[i](); err != nil && first == nil {
			first = err
		}
	}
	*c = nil
	return first
}

// pyServer starts peer.py as a server and returns its address; cl waits for
// it to exit (after its client has gone).
func (b *bencher) pyServer(ctx context.Context, network, mode string, cl *closers) (string, error) {
	cmd := b.py.Command(ctx, b.peerPy, "server", network, pyAddr(network, b.tmp), mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	cl.add(cmd.Wait)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return "", fmt.Errorf("python server did not start: %v", err)
	}
	return strings.TrimSpace(line), nil
}

// pyClient starts peer.py as a client of addr: a contender that runs one
// batch per request, timed in Python.
func (b *bencher) pyClient(ctx context.Context, pair, network, addr, mode string, args []string, cl *closers) (contender, error) {
	all := append([]string{b.peerPy, "client", network, addr, mode}, args...)
	p, err := b.startPy(ctx, "peer.py client ("+pair+")", all...)
	if err != nil {
		return contender{}, err
	}
	cl.add(p.close)
	return pyContender(pair, p, map[string]string{"op": "warm"}, map[string]string{"op": "rep"}), nil
}

// goServer listens and serves one client with serve; cl closes the listener
// and waits for serve to return (after its client has gone).
func goServer(network, dir string, serve func(*connection.Conn), cl *closers) (string, error) {
	nl, err := listen(network, dir)
	if err != nil {
		return "", err
	}
	l, err := connection.NewListener(nl, connection.WithAuthKey(authKey), connection.WithMaxMessageSize(1<<30))
	if err != nil {
		nl.Close()
		return "", err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	cl.add(func() error {
		err := l.Close()
		<-done
		return err
	})
	return nl.Addr().String(), nil
}

// goClient dials addr: a contender whose batches run on the connection.
func goClient(ctx context.Context, pair, network, addr string, batches func(*connection.Conn) (warm, rep func() error), cl *closers) (contender, error) {
	c, err := connection.Dial(ctx, network, addr, connection.WithAuthKey(authKey), connection.WithMaxMessageSize(1<<30))
	if err != nil {
		return contender{}, fmt.Errorf("%s: %v", pair, err)
	}
	cl.add(c.Close)
	warm, rep := batches(c)
	return goBatch(pair, warm, rep), nil
}

// netRow is what a network row's five pairs run: the Go server and the
// batches of the Go client, the Python peers' mode and client arguments, and
// the raw floor.
type netRow struct {
	serve   func(*connection.Conn)
	batches func(*connection.Conn) (warm, rep func() error)
	mode    string
	pyArgs  []string
	raw     func(cl *closers) (contender, error)
}

// pairs connects every pair of the row on network, all at once, so that
// their repetitions can interleave; cl ends them.
func (b *bencher) pairs(ctx context.Context, network string, row netRow, cl *closers) ([]contender, error) {
	var cs []contender
	// Go ↔ Go
	addr, err := goServer(network, b.tmp, row.serve, cl)
	if err != nil {
		return nil, err
	}
	c, err := goClient(ctx, pairGoGo, network, addr, row.batches, cl)
	if err != nil {
		return nil, err
	}
	cs = append(cs, c)
	// CPython ↔ CPython
	if addr, err = b.pyServer(ctx, network, row.mode, cl); err != nil {
		return nil, err
	}
	if c, err = b.pyClient(ctx, pairPyPy, network, addr, row.mode, row.pyArgs, cl); err != nil {
		return nil, err
	}
	cs = append(cs, c)
	// Go client ↔ CPython server
	if addr, err = b.pyServer(ctx, network, row.mode, cl); err != nil {
		return nil, err
	}
	if c, err = goClient(ctx, pairGoPy, network, addr, row.batches, cl); err != nil {
		return nil, err
	}
	cs = append(cs, c)
	// CPython client ↔ Go server
	if addr, err = goServer(network, b.tmp, row.serve, cl); err != nil {
		return nil, err
	}
	if c, err = b.pyClient(ctx, pairPyGo, network, addr, row.mode, row.pyArgs, cl); err != nil {
		return nil, err
	}
	cs = append(cs, c)
	// Raw floor
	if c, err = row.raw(cl); err != nil {
		return nil, err
	}
	return append(cs, c), nil
}

// measureRow sets up the row's pairs, interleaves their repetitions and adds
// the results, each repetition's seconds converted to unit by rate.
func (b *bencher) measureRow(ctx context.Context, group, unit, network string, row netRow, rate func(secs float64) float64) error {
	// On an error, the Python peers are killed before the clean-ups wait
	// for them.
	ctx, cancel := context.WithCancel(ctx)
	var cl closers
	defer cl.close()
	defer cancel()
	cs, err := b.pairs(ctx, network, row, &cl)
	if err != nil {
		return fmt.Errorf("%s: %w", group, err)
	}
	samples, err := b.interleave(group, cs)
	if err != nil {
		return err
	}
	if err := cl.close(); err != nil {
		return fmt.Errorf("%s: %w", group, err)
	}
	for i, c := range cs {
		r := make([]float64, len(samples[i]))
		for j, s := range samples[i] {
			r[j] = rate(s)
		}
		b.add(group, c.impl, unit, r, true)
	}
	return nil
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

// rounds returns batches of round trips of once: up to 1000 to warm up,
// then rounds per repetition.
func (b *bencher) rounds(once func() error) (warm, rep func() error) {
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
	return calls(min(b.cfg.rounds, 1000)), calls(b.cfg.rounds)
}

// smallRoundTrips sends the small object on c and receives its echo.
func (b *bencher) smallRoundTrips(c *connection.Conn) (warm, rep func() error) {
	obj := benchdata.NewSmall()
	return b.rounds(func() error {
		if err := c.Send(obj); err != nil {
			return err
		}
		_, err := c.Recv()
		return err
	})
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

// rawPair connects two plain sockets of the network and returns one; sink
// serves the other in a goroutine (and returns when a read fails), and cl
// closes the one returned.
func rawPair(network, dir string, sink func(net.Conn), cl *closers) (net.Conn, error) {
	l, err := listen(network, dir)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	z := <-ch
	if z == nil {
		a.Close()
		return nil, errors.New("accept failed")
	}
	go func() {
		defer z.Close()
		sink(z)
	}()
	cl.add(a.Close)
	return a, nil
}

// rawRoundTrips is the floor: ping-pong of n-byte buffers, no framing, no
// pickling.
func (b *bencher) rawRoundTrips(network string, n int) func(cl *closers) (contender, error) {
	return func(cl *closers) (contender, error) {
		a, err := rawPair(network, b.tmp, func(z net.Conn) {
			buf := make([]byte, n)
			for {
				if _, err := io.ReadFull(z, buf); err != nil {
					return
				}
				if _, err := z.Write(buf); err != nil {
					return
				}
			}
		}, cl)
		if err != nil {
			return contender{}, err
		}
		buf := make([]byte, n)
		warm, rep := b.rounds(func() error {
			if _, err := a.Write(buf); err != nil {
				return err
			}
			_, err := io.ReadFull(a, buf)
			return err
		})
		return goBatch(pairRaw, warm, rep), nil
	}
}

// roundTrips measures every pair on one network in round trips per second.
func (b *bencher) roundTrips(ctx context.Context, network string) error {
	row := netRow{serve: serveEcho, batches: b.smallRoundTrips, mode: "rt",
		pyArgs: []string{fmt.Sprint(b.cfg.rounds)}, raw: b.rawRoundTrips(network, smallFrameLen())}
	return b.measureRow(ctx, "round trips/s, small object, "+network, "round trips/s", network, row,
		func(secs float64) float64 { return float64(b.cfg.rounds) / secs })
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

// bulkBatches sends msg count times on c (once to warm up), then an empty
// message, and waits for the acknowledgement.
func bulkBatches(msg []byte, count int) func(c *connection.Conn) (warm, rep func() error) {
	return func(c *connection.Conn) (warm, rep func() error) {
		ack := make([]byte, 16)
		batch := func(count int) func() error {
			return func() error {
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
		}
		return batch(1), batch(count)
	}
}

// discard is io.Discard without ReadFrom, so that io.CopyBuffer reads with
// the buffer it is given (message-sized, as RecvBytesInto reads).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// rawBulk is the floor: io.Copy of the same bytes, one byte of ack.
func (b *bencher) rawBulk(network string, msg []byte, count int) func(cl *closers) (contender, error) {
	return func(cl *closers) (contender, error) {
		size := len(msg)
		a, err := rawPair(network, b.tmp, func(z net.Conn) {
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
		}, cl)
		if err != nil {
			return contender{}, err
		}
		batch := func(count int) func() error {
			return func() error {
				var n [8]byte
				binary.BigEndian.PutUint64(n[:], uint64(size)*uint64(count))
				if _, err := a.Write(n[:]); err != nil {
					return err
				}
				for range count {
					if _, err := io.Copy(a, bytes.NewReader(msg)); err != nil {
						return err
					}
				}
				_, err := io.ReadFull(a, n[:1])
				return err
			}
		}
		return goBatch(pairRaw, batch(1), batch(count)), nil
	}
}

// bulk measures every pair on one network in MiB/s, with messages of size
// bytes.
func (b *bencher) bulk(ctx context.Context, network string, size int) error {
	count := max(2, int(b.cfg.bulkBytes/int64(size)))
	msg := make([]byte, size) // sent by every Go client
	row := netRow{serve: serveSink(size), batches: bulkBatches(msg, count), mode: "bulk",
		pyArgs: []string{fmt.Sprint(size), fmt.Sprint(count)}, raw: b.rawBulk(network, msg, count)}
	return b.measureRow(ctx, fmt.Sprintf("bulk MiB/s, %s messages, %s", sizeName(size), network), "MiB/s", network, row,
		func(secs float64) float64 { return float64(size) * float64(count) / secs / (1 << 20) })
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
