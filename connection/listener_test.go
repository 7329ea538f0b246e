package connection

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mpconn/mpconn/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var secret = []byte("secret")

func TestNoAuthKey(t *testing.T) {
	t.Parallel()
	_, err := Listen(context.Background(), "tcp", "127.0.0.1:0")
	assert.ErrorIs(t, err, ErrNoAuthKey)
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	_, err = NewListener(nl)
	assert.ErrorIs(t, err, ErrNoAuthKey)
	_, err = Server(context.Background(), newFakeConn(nil))
	assert.ErrorIs(t, err, ErrNoAuthKey)
}

func TestUnsupportedNetwork(t *testing.T) {
	t.Parallel()
	_, err := Listen(context.Background(), "udp", "127.0.0.1:0", InsecureSkipAuth())
	assert.ErrorContains(t, err, "unsupported network")
	_, err = Dial(context.Background(), "unixgram", "x")
	assert.ErrorContains(t, err, "unsupported network")
}

func listenAddrs(t *testing.T) map[string][2]string {
	m := map[string][2]string{
		"tcp":  {"tcp", "127.0.0.1:0"},
		"unix": {"unix", filepath.Join(t.TempDir(), "l.sock")},
	}
	if isLinux {
		m["abstract"] = [2]string{"unix", "\x00mpconn-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	}
	return m
}

// Go listener, Go client: right, wrong, empty and missing keys.
func TestHandshakeGoGo(t *testing.T) {
	type outcome int
	const (
		ok outcome = iota
		authFails
		clientToldKeyRequired
	)
	for _, tc := range []struct {
		name               string
		serverKey, clntKey []byte
		clientHasKey       bool
		want               outcome
	}{
		{"right key", secret, secret, true, ok},
		{"empty key", []byte{}, nil, true, ok},
		{"wrong key", secret, []byte("wrong"), true, authFails},
		{"client without key", secret, nil, false, clientToldKeyRequired},
	} {
		for name, na := range listenAddrs(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				goroutineCheck(t)
				l, err := Listen(context.Background(), na[0], na[1], WithAuthKey(tc.serverKey))
				require.NoError(t, err)
				defer l.Close()
				var copts []Option
				if tc.clientHasKey {
					copts = append(copts, WithAuthKey(tc.clntKey))
				}
				type res struct {
					c   *Conn
					err error
				}
				dialed := make(chan res, 1)
				go func() {
					c, err := Dial(context.Background(), na[0], l.Addr().String(), copts...)
					dialed <- res{c, err}
				}()
				switch tc.want {
				case ok:
					s, err := l.Accept()
					require.NoError(t, err)
					defer s.Close()
					d := <-dialed
					require.NoError(t, d.err)
					defer d.c.Close()
					require.NoError(t, d.c.SendBytes([]byte("ping")))
					got, err := s.RecvBytes()
					require.NoError(t, err)
					assert.Equal(t, []byte("ping"), got)
					require.NoError(t, s.SendBytes([]byte("pong")))
					got, err = d.c.RecvBytes()
					require.NoError(t, err)
					assert.Equal(t, []byte("pong"), got)
				case authFails:
					_, err := l.Accept()
					require.ErrorIs(t, err, ErrHandshake)
					require.ErrorIs(t, err, auth.ErrAuthentication)
					var he *HandshakeError
					require.ErrorAs(t, err, &he)
					assert.NotNil(t, he.Addr)
					assert.NotContains(t, err.Error(), "secret")
					d := <-dialed
					require.ErrorIs(t, d.err, ErrHandshake)
					require.ErrorIs(t, d.err, auth.ErrAuthentication)
					assert.Contains(t, d.err.Error(), "digest sent was rejected")
				case clientToldKeyRequired:
					// CPython's client would return the challenge as
					// data, and recv() would fail to unpickle it.
					d := <-dialed
					require.NoError(t, d.err)
					_, err := d.c.Recv()
					require.ErrorIs(t, err, ErrPeerRequiresAuth)
					_, err = d.c.RecvBytes()
					require.ErrorIs(t, err, ErrPeerRequiresAuth, "the receive side stays poisoned")
					d.c.Close()
					_, err = l.Accept()
					require.ErrorIs(t, err, ErrHandshake)
					assert.NotErrorIs(t, err, auth.ErrAuthentication)
				}
			})
		}
	}
}

// The golden transcripts of spec 2.8, reproduced with the spec's fixed
// "random" bytes.
func TestGoldenHandshakes(t *testing.T) {
	t.Parallel()
	legacy := WithAuthOptions(auth.WithLegacyChallenge())
	for _, tc := range []struct {
		name             string
		serverOpts       []Option
		clientOpts       []Option
		clientKey        []byte
		lToC, cToL       string
		serverErr, dlErr bool
	}{
		{name: "G1 modern", lToC: `
			0000003b 234348414c4c454e474523 7b7368613235367d 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627
			00000009 2357454c434f4d4523
			00000028 7b7368613235367d 86ee889301f50c0623fcbcfa57962db6c25c73e7a8e6490939a4a0bf7c018fd7`,
			cToL: `
			00000028 7b7368613235367d fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989
			0000003b 234348414c4c454e474523 7b7368613235367d 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667
			00000009 2357454c434f4d4523`},
		{name: "G2 legacy", serverOpts: []Option{legacy}, clientOpts: []Option{legacy}, lToC: `
			0000001f 234348414c4c454e474523 000102030405060708090a0b0c0d0e0f10111213
			00000009 2357454c434f4d4523
			00000010 14ec56402aa6b6d8629d67848ffdfa71`,
			cToL: `
			00000010 7defa9cc46abc3583325d17ccda75190
			0000001f 234348414c4c454e474523 404142434445464748494a4b4c4d4e4f50515253
			00000009 2357454c434f4d4523`},
		{name: "G3 modern listener, legacy client", clientOpts: []Option{legacy}, lToC: `
			0000003b 234348414c4c454e474523 7b7368613235367d 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627
			00000009 2357454c434f4d4523
			00000010 14ec56402aa6b6d8629d67848ffdfa71`,
			cToL: `
			00000010 8e48d2bb349b4b72b9382999ed5b62eb
			0000001f 234348414c4c454e474523 404142434445464748494a4b4c4d4e4f50515253
			00000009 2357454c434f4d4523`},
		{name: "G4 legacy listener, modern client", serverOpts: []Option{legacy}, lToC: `
			0000001f 234348414c4c454e474523 000102030405060708090a0b0c0d0e0f10111213
			00000009 2357454c434f4d4523
			00000010 7b60af171ef570fb6b90468ef0bd5677`,
			cToL: `
			00000010 7defa9cc46abc3583325d17ccda75190
			0000003b 234348414c4c454e474523 7b7368613235367d 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667
			00000009 2357454c434f4d4523`},
		{name: "G5 wrong key", clientKey: []byte("wrong"), serverErr: true, dlErr: true, lToC: `
			0000003b 234348414c4c454e474523 7b7368613235367d 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627
			00000009 234641494c55524523`,
			cToL: `00000028 7b7368613235367d c26d7460dd15c6dd4aa92917821afa7f1a9e7c80ee0553b0318ccc37a2fb373a`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.clientKey
			if key == nil {
				key = secret
			}
			sp, cp := net.Pipe()
			srec, crec := &recordConn{Conn: sp}, &recordConn{Conn: cp}
			errc := make(chan error, 1)
			go func() {
				c, err := Server(context.Background(), srec, append(tc.serverOpts, WithAuthKey(secret),
					WithAuthOptions(auth.WithRandom(&counter{0x00})))...)
				if err == nil {
					c.Close()
				}
				errc <- err
			}()
			c, err := Client(context.Background(), crec, append(tc.clientOpts, WithAuthKey(key),
				WithAuthOptions(auth.WithRandom(&counter{0x40})))...)
			if tc.dlErr {
				require.ErrorIs(t, err, auth.ErrAuthentication)
			} else {
				require.NoError(t, err)
				c.Close()
			}
			serr := <-errc
			if tc.serverErr {
				require.ErrorIs(t, serr, auth.ErrAuthentication)
			} else {
				require.NoError(t, serr)
			}
			assert.Equal(t, unhex(t, tc.lToC), srec.written(), "listener to client")
			assert.Equal(t, unhex(t, tc.cToL), crec.written(), "client to listener")
		})
	}
}

// A silent peer and a failed handshake never keep the Listener from serving
// others; both come back from Accept as *HandshakeError.
func TestAcceptSurvivesBadPeers(t *testing.T) {
	goroutineCheck(t)
	const timeout = 500 * time.Millisecond
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithHandshakeTimeout(timeout))
	require.NoError(t, err)
	defer l.Close()
	addr := l.Addr().String()

	silent, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer silent.Close()
	start := time.Now()

	_, err = Dial(context.Background(), "tcp", addr, WithAuthKey([]byte("wrong")))
	require.ErrorIs(t, err, auth.ErrAuthentication)
	_, err = l.Accept()
	require.ErrorIs(t, err, auth.ErrAuthentication)

	go func() {
		c, err := Dial(context.Background(), "tcp", addr, WithAuthKey(secret))
		if err == nil {
			c.SendBytes([]byte("hi"))
			c.RecvBytes() // until the listener side closes
			c.Close()
		}
	}()
	s, err := l.Accept()
	require.NoError(t, err)
	assert.Less(t, time.Since(start), timeout, "the good client waited for the silent one")
	got, err := s.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("hi"), got)
	s.Close()

	_, err = l.Accept()
	require.ErrorIs(t, err, ErrHandshake)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.GreaterOrEqual(t, time.Since(start), timeout-50*time.Millisecond)
	assert.Contains(t, err.Error(), "timed out")
}

// CPython sends no #FAILURE# for an oversize reply; the handshake fails
// with the framing's error.
func TestHandshakeOversizeReply(t *testing.T) {
	t.Parallel()
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret))
	require.NoError(t, err)
	defer l.Close()
	raw, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer raw.Close()
	rc, err := wrapForTest(raw) // raw framing, to play a client by hand
	require.NoError(t, err)
	challenge, err := rc.RecvBytes()
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(challenge, []byte("#CHALLENGE#")))
	require.NoError(t, rc.SendBytes(make([]byte, 311)))
	_, err = l.Accept()
	require.ErrorIs(t, err, ErrHandshake)
	require.ErrorIs(t, err, ErrMessageTooLarge)
	_, err = rc.RecvBytes()
	assert.Error(t, err, "connection dropped without #FAILURE#")
	assert.NotErrorIs(t, err, ErrMessageTooLarge)
}

func TestListenerClose(t *testing.T) {
	for name, na := range listenAddrs(t) {
		t.Run(name, func(t *testing.T) {
			goroutineCheck(t)
			l, err := Listen(context.Background(), na[0], na[1], WithAuthKey(secret))
			require.NoError(t, err)
			addr := l.Addr()
			if name == "abstract" {
				assert.Equal(t, "@"+na[1][1:], addr.String())
			}

			// A peer stuck in its handshake, and one waiting to be accepted.
			silent, err := net.Dial(addr.Network(), addr.String())
			require.NoError(t, err)
			defer silent.Close()
			dialed := make(chan error, 1)
			go func() {
				c, err := Dial(context.Background(), addr.Network(), addr.String(), WithAuthKey(secret))
				if err == nil {
					_, err = c.RecvBytes()
					c.Close()
				}
				dialed <- err
			}()
			time.Sleep(100 * time.Millisecond)

			acceptErr := make(chan error, 1)
			go func() {
				// Drain until Close.
				for {
					c, err := l.Accept()
					if err != nil {
						acceptErr <- err
						return
					}
					c.Close()
				}
			}()
			time.Sleep(50 * time.Millisecond)
			start := time.Now()
			require.NoError(t, l.Close())
			assert.Less(t, time.Since(start), time.Second, "Close waited for the silent peer")
			select {
			case err := <-acceptErr:
				assert.ErrorIs(t, err, net.ErrClosed)
			case <-time.After(5 * time.Second):
				t.Fatal("Accept not unblocked")
			}
			_, err = l.Accept()
			assert.ErrorIs(t, err, net.ErrClosed)
			require.NoError(t, l.Close(), "closing twice is fine")

			silent.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.ReadAll(silent)
			require.NoError(t, err, "the pending connection was closed")
			assert.Error(t, <-dialed)

			if name == "unix" {
				_, err := os.Stat(na[1])
				assert.ErrorIs(t, err, os.ErrNotExist, "socket file removed")
			}
		})
	}
}

// Close while nobody calls Accept: handshaken connections waiting for Accept
// are closed and no goroutine is left behind.
func TestListenerCloseWithUndelivered(t *testing.T) {
	goroutineCheck(t)
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret))
	require.NoError(t, err)
	var clients []*Conn
	for range 3 {
		c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret))
		require.NoError(t, err)
		clients = append(clients, c)
	}
	require.NoError(t, l.Close())
	for _, c := range clients {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := c.RecvBytes()
		assert.Error(t, err, "closed by the listener")
		assert.NotErrorIs(t, err, os.ErrDeadlineExceeded)
		c.Close()
	}
}

func TestAcceptContext(t *testing.T) {
	goroutineCheck(t)
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", InsecureSkipAuth())
	require.NoError(t, err)
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = l.AcceptContext(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The Listener still works.
	c, err := Dial(context.Background(), "tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept()
	require.NoError(t, err)
	s.Close()
}

// With one handshake slot, a silent peer holds up the next client until
// its handshake times out.
func TestMaxPendingHandshakes(t *testing.T) {
	goroutineCheck(t)
	const timeout = 300 * time.Millisecond
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithHandshakeTimeout(timeout), WithMaxPendingHandshakes(1))
	require.NoError(t, err)
	defer l.Close()
	silent, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer silent.Close()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	go func() {
		c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret))
		if err == nil {
			c.RecvBytes()
			c.Close()
		}
	}()
	_, err = l.Accept()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "the silent peer comes first")
	c, err := l.Accept()
	require.NoError(t, err)
	c.Close()
	assert.GreaterOrEqual(t, time.Since(start), timeout-100*time.Millisecond)
}

func TestNewListener(t *testing.T) {
	goroutineCheck(t)
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l, err := NewListener(nl, WithAuthKey(secret))
	require.NoError(t, err)
	defer l.Close()
	assert.Equal(t, nl.Addr(), l.Addr())
	go func() {
		c, err := Dial(context.Background(), "tcp", nl.Addr().String(), WithAuthKey(secret))
		if err == nil {
			c.SendBytes([]byte("x"))
			c.Close()
		}
	}()
	c, err := l.Accept()
	require.NoError(t, err)
	defer c.Close()
	got, err := c.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("x"), got)
}

// Dial's handshake ends with the context and with the handshake timeout.
func TestDialHandshakeBounds(t *testing.T) {
	goroutineCheck(t)
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	held := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := nl.Accept()
			if err != nil {
				close(held)
				return
			}
			held <- c // silent
		}
	}()
	defer func() {
		nl.Close()
		for c := range held {
			c.Close()
		}
	}()
	addr := nl.Addr().String()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = Dial(ctx, "tcp", addr, WithAuthKey(secret))
	require.ErrorIs(t, err, ErrHandshake)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second)

	_, err = Dial(context.Background(), "tcp", addr, WithAuthKey(secret), WithHandshakeTimeout(50*time.Millisecond))
	require.ErrorIs(t, err, ErrHandshake)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)

	ctx, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err = Dial(ctx, "tcp", addr, WithAuthKey(secret))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, errors.Is(err, ErrHandshake))
}

// After a successful handshake no deadline is left on the connection.
func TestHandshakeClearsDeadline(t *testing.T) {
	t.Parallel()
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithHandshakeTimeout(50*time.Millisecond))
	require.NoError(t, err)
	defer l.Close()
	c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret), WithHandshakeTimeout(50*time.Millisecond))
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept()
	require.NoError(t, err)
	defer s.Close()
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, c.SendBytes([]byte("late")))
	got, err := s.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte("late"), got)
}
