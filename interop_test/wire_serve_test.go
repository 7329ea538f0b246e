package interop_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// TestWireServe: a Go echo server on Listener.Serve and 20 Python clients
// spread over every interpreter, all connected at once, three of them with
// a wrong key. The three go to the OnHandshakeError hook and nowhere else;
// Serve carries on; every good client is served, with one handler each,
// all running at the same time; cancelling Serve's context ends it once
// every handler has returned.
func TestWireServe(t *testing.T) {
	interps := pythons.ForTest(t)
	const clients = 20
	wrong := map[int]bool{4: true, 11: true, 18: true}

	rejected := make(chan *connection.HandshakeError, clients)
	l, addr := goListen(t, "tcp", connection.WithAuthKey(testKey),
		connection.OnHandshakeError(func(he *connection.HandshakeError) { rejected <- he }))
	var active, peak atomic.Int32
	started := make(chan struct{}, clients)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- l.Serve(ctx, func(_ context.Context, c *connection.Conn) {
			n := active.Add(1)
			defer active.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			started <- struct{}{}
			for {
				msg, err := c.RecvBytes()
				if err != nil {
					return
				}
				if err := c.SendBytes(msg); err != nil {
					return
				}
			}
		})
	}()

	peers := make([]*peer, len(interps))
	for i, py := range interps {
		peers[i] = startPeer(t, py)
	}
	type client struct {
		p  *peer
		id string
	}
	var good []client
	for i := range clients {
		p := peers[i%len(peers)]
		id := fmt.Sprint("s", i)
		key := testKey
		if wrong[i] {
			key = wrongKey
		}
		r := p.do(pyConnect(id, "tcp", addr, key))
		if wrong[i] {
			requirePythonAuthError(t, r, p.py.Name()+" with the wrong key")
			continue
		}
		requireOK(t, r)
		good = append(good, client{p, id})
	}
	for range good {
		select {
		case <-started:
		case <-time.After(dialTimeout):
			t.Fatal("a connected client got no handler")
		}
	}
	assert.EqualValues(t, len(good), peak.Load(), "one handler per client, all at once")
	for n := range len(wrong) {
		select {
		case he := <-rejected:
			assert.ErrorIs(t, he, auth.ErrAuthentication)
		case <-time.After(dialTimeout):
			t.Fatalf("only %d of %d wrong keys reached the hook", n, len(wrong))
		}
	}

	// Every good client is answered: Python sends, the handler echoes.
	msg := func(i int) []byte { return []byte(fmt.Sprintf("client %d of %d", i, len(good))) }
	for i, c := range good {
		c.p.send(cmd{"op": "send_hex", "id": c.id, "hex": hex.EncodeToString(msg(i))})
		c.p.send(cmd{"op": "recv", "id": c.id})
	}
	for i, c := range good {
		requireOK(t, c.p.reply())
		r := c.p.reply()
		requireOK(t, r)
		assert.Equal(t, sha256Hex(msg(i)), r.str("sha256"), "%s %s: the echo differs", c.p.py.Name(), c.id)
	}
	cancel()
	require.ErrorIs(t, <-served, context.Canceled)
	assert.Zero(t, active.Load(), "Serve returned before a handler")
	for _, c := range good {
		r := c.p.do(cmd{"op": "recv", "id": c.id})
		assert.False(t, r.ok(), "%s %s: Serve closed the connection", c.p.py.Name(), c.id)
	}
}
