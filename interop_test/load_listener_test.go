package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

type loadMsg struct {
	Client int    `pickle:"client"`
	Seq    int64  `pickle:"seq"`
	Data   []byte `pickle:"data"`
	Sum    uint32 `pickle:"sum"`
}

type loadAck struct {
	Client int    `pickle:"client"`
	Seq    int64  `pickle:"seq"`
	Sum    uint32 `pickle:"sum"`
}

// loadSizes: the CI version by default, the full one with MPCONN_LOAD=full.
func loadSizes(interps int) (goClients, goMsgs, pyClients, pyMsgs int) {
	if os.Getenv("MPCONN_LOAD") == "full" {
		return 1000, 1000, max(24, 3*interps), 1000
	}
	return 100, 100, max(8, interps), 100
}

// TestLoadGoListener: one Go Listener serves many concurrent Go clients and
// Python clients of every interpreter at once. Every message carries its
// client, a sequence number and a CRC-32 of its random payload; the server
// checks each connection's messages arrive once, in order and intact, and
// echoes an acknowledgement the client checks the same way. At the end every
// client has exactly its count on both sides: nothing lost, duplicated or
// reordered. Figures (messages/s, peak goroutines, peak heap) are logged as
// "LOAD ..." (go test -v).
//
// CI runs 100 Go clients × 100 messages + 8 Python clients × 100 (at least
// one per interpreter);
// MPCONN_LOAD=full runs 1,000 × 1,000 + max(24, 3 per interpreter) × 1,000.
func TestLoadGoListener(t *testing.T) {
	interps := pythons.ForTest(t)
	goClients, goMsgs, pyClients, pyMsgs := loadSizes(len(interps))
	script, err := filepath.Abs(filepath.Join("testdata", "load_client.py"))
	require.NoError(t, err)

	var (
		mu       sync.Mutex
		received = map[int]int{} // per client, as counted by the server
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	var serverMsgs atomic.Int64

	l, err := connection.Listen(context.Background(), "tcp", "127.0.0.1:0", connection.WithAuthKey(testKey),
		connection.MatchPeerProtocol(), connection.WithMaxPendingHandshakes(256), connection.WithHandshakeTimeout(time.Minute),
		connection.OnHandshakeError(func(err *connection.HandshakeError) { fail("accept: %v", err) }))
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	// Sampler: peak goroutines and heap.
	var peakG, peakHeap atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if g := int64(runtime.NumGoroutine()); g > peakG.Load() {
				peakG.Store(g)
			}
			runtime.ReadMemStats(&ms)
			if h := int64(ms.HeapAlloc); h > peakHeap.Load() {
				peakHeap.Store(h)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	// Server.
	serveCtx, stopServing := context.WithCancel(context.Background())
	defer stopServing()
	served := make(chan error, 1)
	go func() {
		served <- l.Serve(serveCtx, func(_ context.Context, c *connection.Conn) {
			client, next := -1, int64(0)
			for {
				var m loadMsg
				err := c.RecvInto(&m)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					fail("server, client %d after %d messages: %v", client, next, err)
					return
				}
				if client == -1 {
					client = m.Client
				}
				if m.Client != client || m.Seq != next {
					fail("server: client %d seq %d arrived as message %d of client %d", m.Client, m.Seq, next, client)
					return
				}
				if crc32.ChecksumIEEE(m.Data) != m.Sum {
					fail("server: client %d seq %d: checksum mismatch", client, m.Seq)
					return
				}
				next++
				serverMsgs.Add(1)
				if err := c.Send(loadAck{Client: m.Client, Seq: m.Seq, Sum: m.Sum}); err != nil {
					fail("server: send to client %d: %v", client, err)
					return
				}
			}
			mu.Lock()
			received[client] += int(next)
			mu.Unlock()
		})
	}()

	// All clients, Go and Python, connect first, then all send at once: the load is
	// 1,000 live connections exchanging messages, not a race between
	// handshakes and the traffic of clients already connected (on a
	// loaded machine under -race that starves late handshakes into their
	// timeout, which is the timeout doing its job, not what is measured).
	var clients, connected sync.WaitGroup
	goSignal := make(chan struct{})
	connectStart := time.Now()
	handshake := connection.WithHandshakeTimeout(time.Minute)
	// Go clients.
	for id := range goClients {
		clients.Add(1)
		connected.Add(1)
		go func() {
			defer clients.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			c, err := connection.Dial(ctx, "tcp", l.Addr().String(), connection.WithAuthKey(testKey), handshake)
			connected.Done()
			if err != nil {
				fail("go client %d: dial: %v", id, err)
				return
			}
			defer c.Close()
			<-goSignal
			rnd := rand.New(rand.NewSource(int64(id)))
			// The sender passes each checksum on; the channel also orders
			// it before the check, for the race detector.
			sums := make(chan uint32, goMsgs)
			sent := make(chan error, 1)
			go func() {
				buf := make([]byte, 512)
				for seq := range goMsgs {
					data := buf[:rnd.Intn(513)]
					rnd.Read(data)
					sum := crc32.ChecksumIEEE(data)
					sums <- sum
					if err := c.Send(loadMsg{Client: id, Seq: int64(seq), Data: data, Sum: sum}); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			for seq := range goMsgs {
				var a loadAck
				if err := c.RecvInto(&a); err != nil {
					fail("go client %d: reply %d: %v", id, seq, err)
					return
				}
				if a.Client != id || a.Seq != int64(seq) {
					fail("go client %d: reply %d is client %d seq %d", id, seq, a.Client, a.Seq)
					return
				}
				if want := <-sums; a.Sum != want {
					fail("go client %d: reply %d has checksum %08x, sent %08x", id, seq, a.Sum, want)
					return
				}
			}
			if err := <-sent; err != nil {
				fail("go client %d: send: %v", id, err)
				return
			}
		}()
	}
	// Python clients, spread over the interpreters: they connect now and
	// start sending with the Go clients.
	pyResults := make(chan string, pyClients)
	for i := range pyClients {
		py := interps[i%len(interps)]
		id := goClients + i
		clients.Add(1)
		connected.Add(1)
		go func() {
			defer clients.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			cmd := py.Command(ctx, script, "127.0.0.1", strconv.Itoa(port), hex.EncodeToString(testKey), strconv.Itoa(id), strconv.Itoa(pyMsgs))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdin, err1 := cmd.StdinPipe()
			stdout, err2 := cmd.StdoutPipe()
			if err := errors.Join(err1, err2, cmd.Start()); err != nil {
				connected.Done()
				fail("%s client %d: %v", py.Name(), id, err)
				return
			}
			out := bufio.NewReader(stdout)
			line, err := out.ReadString('\n')
			connected.Done()
			if err != nil || line != "connected\n" {
				fail("%s client %d: %q %v: %s", py.Name(), id, line, err, stderr.String())
				cmd.Process.Kill()
				cmd.Wait()
				return
			}
			<-goSignal
			io.WriteString(stdin, "go\n")
			stdin.Close()
			rest, err := io.ReadAll(out)
			if werr := cmd.Wait(); err == nil {
				err = werr
			}
			var res struct {
				OK      bool     `json:"ok"`
				Replies int      `json:"replies"`
				Errors  []string `json:"errors"`
				Seconds float64  `json:"seconds"`
			}
			if err == nil {
				err = json.Unmarshal(rest, &res)
			}
			switch {
			case err != nil:
				fail("%s client %d: %v (%s) %s", py.Name(), id, err, rest, stderr.String())
			case !res.OK || res.Replies != pyMsgs:
				fail("%s client %d: %d replies, errors %v", py.Name(), id, res.Replies, res.Errors)
			}
			pyResults <- fmt.Sprintf("%s:%.1fs", py.Name(), res.Seconds)
		}()
	}
	connected.Wait()
	connectTime := time.Since(connectStart)
	start := time.Now()
	close(goSignal)
	clients.Wait()
	elapsed := time.Since(start)
	// Every client has closed: the server sees EOF on every connection.
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(received) == goClients+pyClients || len(failures) > 0
	}, time.Minute, 10*time.Millisecond)
	close(stopSampling)
	<-sampled
	stopServing()
	require.ErrorIs(t, <-served, context.Canceled)
	close(pyResults)

	mu.Lock()
	defer mu.Unlock()
	t.Logf("LOAD figures below are valid only if the test passed; failures: %d", len(failures))
	require.Empty(t, failures)
	for id := range goClients + pyClients {
		want := goMsgs
		if id >= goClients {
			want = pyMsgs
		}
		assert.Equal(t, want, received[id], "client %d: messages the server received", id)
	}
	total := serverMsgs.Load()
	require.EqualValues(t, goClients*goMsgs+pyClients*pyMsgs, total)
	var pyTimes []string
	for s := range pyResults {
		pyTimes = append(pyTimes, s)
	}
	t.Logf("LOAD %d Go clients × %d + %d Python clients × %d (%d interpreters), race=%v: %d clients connected in %v; %d round trips in %v = %.0f messages/s each way (%.0f/s both ways); peak goroutines %d; peak heap %.1f MiB",
		goClients, goMsgs, pyClients, pyMsgs, len(interps), raceEnabled, goClients+pyClients, connectTime.Round(time.Millisecond), total, elapsed.Round(time.Millisecond),
		float64(total)/elapsed.Seconds(), 2*float64(total)/elapsed.Seconds(), peakG.Load(), float64(peakHeap.Load())/(1<<20))
	t.Logf("LOAD python clients: %v", pyTimes)
}
