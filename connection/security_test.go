package connection

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/pickle"
)

// persidPickle is a pickle whose decoding calls the persistent-load hook:
// the hook counting calls proves whether a message reached the decoder.
var persidPickle = frame([]byte("\x80\x02K\x01Q."))

func decoderSpy() (*atomic.Int32, Option) {
	var calls atomic.Int32
	return &calls, WithPickleOptions(pickle.WithPersistentLoad(func(pid any) (any, error) {
		calls.Add(1)
		return pid, nil
	}))
}

// With a key set, no byte from a peer that has not authenticated reaches the
// unpickler: pickles sent in place of the handshake messages (or pipelined
// after a wrong reply) fail the handshake, no Conn is delivered, and the
// decoder is never called. The control case shows the same pickle does reach
// it once the peer has authenticated.
func TestUnauthenticatedBytesNeverReachDecoder(t *testing.T) {
	goroutineCheck(t)
	calls, spy := decoderSpy()
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), spy, WithHandshakeTimeout(2*time.Second))
	require.NoError(t, err)
	defer l.Close()
	addr := l.Addr().String()

	// The Listener collects every outcome.
	type outcome struct {
		c   *Conn
		err error
	}
	outcomes := make(chan outcome, 16)
	go func() {
		for {
			c, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			outcomes <- outcome{c, err}
		}
	}()
	hostile := map[string]func(nc net.Conn){
		"a pickle before even reading the challenge": func(nc net.Conn) {
			nc.Write(bytes.Repeat(persidPickle, 100))
		},
		"a pickle instead of the reply": func(nc net.Conn) {
			rawReadFrame(nc)
			nc.Write(persidPickle)
		},
		"a wrong reply, then pickles": func(nc net.Conn) {
			rawReadFrame(nc)
			nc.Write(cat(frame([]byte("{sha256}"+strings.Repeat("x", 32))), persidPickle, persidPickle))
		},
		"a wrong key, then pickles": func(nc net.Conn) {
			c, err := Client(context.Background(), nc, WithAuthKey([]byte("wrong")))
			if err == nil {
				c.Close()
			}
			nc.Write(persidPickle)
		},
		"a right reply, then a pickle instead of its challenge": func(nc net.Conn) {
			ch, _ := rawReadFrame(nc)
			var reply []byte
			// Answer the challenge properly, through the auth package.
			s := &oneShot{in: ch}
			_ = auth.Answer(s, secret)
			reply = s.out
			nc.Write(cat(frame(reply), persidPickle))
			rawReadFrame(nc) // #WELCOME#
		},
	}
	for name, script := range hostile {
		raw, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		script(raw)
		select {
		case o := <-outcomes:
			require.Error(t, o.err, name)
			require.Nil(t, o.c, name)
			require.ErrorIs(t, o.err, ErrHandshake, name)
			t.Logf("%s: %v", name, o.err)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no outcome", name)
		}
		raw.Close()
		assert.Zero(t, calls.Load(), "%s: the decoder ran on unauthenticated bytes", name)
	}

	// Control: authenticated, the same pickle is decoded.
	c, err := Dial(context.Background(), "tcp", addr, WithAuthKey(secret))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SendBytes(persidPickle[4:]))
	o := <-outcomes
	require.NoError(t, o.err)
	defer o.c.Close()
	_, err = o.c.Recv()
	require.NoError(t, err)
	assert.EqualValues(t, 1, calls.Load(), "an authenticated peer's pickle reaches the decoder")

	// Dial facing a hostile listener: its pickles never reach the decoder
	// either (Dial returns no Conn).
	for name, script := range map[string]func(nc net.Conn){
		"a pickle instead of the challenge": func(nc net.Conn) { nc.Write(cat(persidPickle, persidPickle)) },
		"a pickle instead of #WELCOME#": func(nc net.Conn) {
			nc.Write(goodChallenge)
			rawReadFrame(nc)
			nc.Write(cat(persidPickle, persidPickle))
		},
	} {
		addr := hostileServer(t, script)
		calls2, spy2 := decoderSpy()
		c, err := Dial(context.Background(), "tcp", addr, WithAuthKey(secret), spy2, WithHandshakeTimeout(2*time.Second))
		require.Error(t, err, name)
		assert.Nil(t, c)
		assert.Zero(t, calls2.Load(), name)
	}
}

// oneShot is an auth.Messenger with one message in and one out.
type oneShot struct{ in, out []byte }

func (o *oneShot) SendMessage(p []byte) error { o.out = append([]byte(nil), p...); return nil }
func (o *oneShot) RecvMessage(limit int) ([]byte, error) {
	if o.in == nil {
		return nil, errors.New("no more")
	}
	in := o.in
	o.in = nil
	return in, nil
}

// A Listener without a key has to be asked for by name.
func TestListenerWithoutKeyIsExplicit(t *testing.T) {
	t.Parallel()
	_, err := Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.ErrorIs(t, err, ErrNoAuthKey)
	assert.Contains(t, err.Error(), "InsecureSkipAuth")
	_, err = Server(context.Background(), newFakeConn(nil))
	require.ErrorIs(t, err, ErrNoAuthKey)
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", InsecureSkipAuth())
	require.NoError(t, err)
	l.Close()
}

// The key never appears in an error, in any spelling, whatever fails:
// wrong keys on either side, refused MD5, hostile and silent peers,
// timeouts, framing and decoding errors, closed Conns and Listeners.
func TestKeysNeverInErrors(t *testing.T) {
	goroutineCheck(t)
	key := []byte("K3y-d0-n0t-LEAK\x00\xff")
	spellings := []string{string(key), "K3y-d0-n0t-LEAK", hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key), fmt.Sprintf("%q", key)[1:20], fmt.Sprintf("%x", key[:8])}
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	// Wrong key, both ways, and every side's error.
	for _, pair := range [][2][]byte{{key, []byte("other")}, {[]byte("other"), key}} {
		l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(pair[0]), WithHandshakeTimeout(shortHandshake))
		require.NoError(t, err)
		_, err = Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(pair[1]))
		collect(err)
		_, err = l.Accept()
		collect(err)
		// RefuseMD5 against a legacy client, both roles.
		l2, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(pair[0]), WithAuthOptions(auth.RefuseMD5()))
		require.NoError(t, err)
		_, err = Dial(context.Background(), "tcp", l2.Addr().String(), WithAuthKey(pair[0]), WithAuthOptions(auth.WithLegacyChallenge()))
		collect(err)
		_, err = l2.Accept()
		collect(err)
		l3, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(pair[0]), WithAuthOptions(auth.WithLegacyChallenge()))
		require.NoError(t, err)
		_, err = Dial(context.Background(), "tcp", l3.Addr().String(), WithAuthKey(pair[0]), WithAuthOptions(auth.RefuseMD5()))
		collect(err)
		_, err = l3.Accept()
		collect(err)
		// A silent peer times out; a closed Listener.
		raw, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		_, err = l.Accept()
		collect(err)
		raw.Close()
		l.Close()
		l2.Close()
		l3.Close()
		_, err = l.Accept()
		collect(err)
	}
	// Hostile listeners.
	for _, script := range []func(nc net.Conn){
		func(nc net.Conn) { nc.Write(frame(bytes.Repeat([]byte("x"), 300))) },
		func(nc net.Conn) { nc.Write(goodChallenge); rawReadFrame(nc); nc.Write(frame([]byte("#FAILURE#"))) },
		func(nc net.Conn) {
			nc.Write(goodChallenge)
			rawReadFrame(nc)
			nc.Write(frame([]byte("#WELCOME#")))
			rawReadFrame(nc)
			nc.Write(frame([]byte("junk")))
		},
		waitForClose,
	} {
		addr := hostileServer(t, script)
		_, err := Dial(context.Background(), "tcp", addr, WithAuthKey(key), WithHandshakeTimeout(shortHandshake))
		collect(err)
	}
	// A Dial cancelled while the listener says nothing.
	ctx, cancel := context.WithCancel(context.Background())
	addr := hostileServer(t, func(nc net.Conn) { cancel(); waitForClose(nc) })
	_, err := Dial(ctx, "tcp", addr, WithAuthKey(key))
	collect(err)

	// Authenticated connections: framing, decoding and closed-Conn errors.
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(key), WithMaxMessageSize(10))
	require.NoError(t, err)
	defer l.Close()
	c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(key))
	require.NoError(t, err)
	s, err := l.Accept()
	require.NoError(t, err)
	c.SendBytes([]byte("not a pickle"))
	c.SendBytes([]byte("\x80\x02K"))
	c.SendBytes(make([]byte, 100))
	_, err = s.Recv()
	collect(err)
	c.Close()
	_, err = s.Recv()
	collect(err)
	s.Close()
	_, err = s.Recv()
	collect(err)
	collect(s.Send(1))
	collect(s.SendBytes(nil))
	_, err = s.Poll(0)
	collect(err)

	require.GreaterOrEqual(t, len(errs), 20)
	for _, err := range errs {
		for _, form := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, sp := range spellings {
				require.NotContains(t, form, sp, "the key leaked into an error")
			}
		}
	}
	t.Logf("%d errors checked, e.g. %v", len(errs), errs[0])
}

// Regression: a message limit below the handshake's own 256-byte cap used to
// apply to the handshake too, so WithMaxMessageSize(10) made every
// authenticated connection fail ("message of 59 bytes exceeds the limit of
// 10 bytes" while receiving the challenge). The limit is for the
// application's messages only.
func TestSmallMessageLimitKeepsHandshake(t *testing.T) {
	goroutineCheck(t)
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithMaxMessageSize(10), WithAuthOptions(auth.WithDigest(auth.SHA3_384)))
	require.NoError(t, err)
	defer l.Close()
	c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret), WithMaxMessageSize(10), WithAuthOptions(auth.WithDigest(auth.SHA3_384)))
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept()
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, c.SendBytes([]byte("0123456789")))
	require.NoError(t, c.SendBytes([]byte("0123456789a")))
	got, err := s.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(got))
	_, err = s.RecvBytes()
	require.ErrorIs(t, err, ErrMessageTooLarge, "the limit still applies after the handshake")
}
