package connection

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/pickle"
)

// Every setting resolves in one place, resolveOptions; these are the rules
// it states, case by case, including every combination of the options that
// used to set one thing twice (WithProtocol beside
// pickle.WithProtocol, WithRegistry beside pickle.WithRegistry, WithDigest
// and RefuseMD5 beside their auth options).
func TestResolveOptions(t *testing.T) {
	t.Parallel()
	regA, regB := pickle.NewRegistry(), pickle.NewRegistry()
	tests := []struct {
		name    string
		allowed setting
		opts    []Option
		invalid string // part of the error; "" for none
		check   func(t *testing.T, o options)
	}{
		{name: "defaults", allowed: listenSettings, opts: []Option{InsecureSkipAuth()}, check: func(t *testing.T, o options) {
			assert.Equal(t, pickle.DefaultProtocol, o.protocol)
			assert.Equal(t, DefaultHandshakeTimeout, o.handshakeTimeout)
			assert.Equal(t, uint64(DefaultMaxMessageSize), o.maxMessage)
			assert.Equal(t, DefaultMaxPendingHandshakes, o.maxPending)
			assert.Nil(t, o.codec)
		}},
		{name: "zero selects the default", allowed: listenSettings,
			opts: []Option{WithAuthKey(secret), WithHandshakeTimeout(0), WithMaxMessageSize(0), WithMaxPendingHandshakes(0), WithCodec(nil)},
			check: func(t *testing.T, o options) {
				assert.Equal(t, DefaultHandshakeTimeout, o.handshakeTimeout)
				assert.Equal(t, uint64(DefaultMaxMessageSize), o.maxMessage)
				assert.Equal(t, DefaultMaxPendingHandshakes, o.maxPending)
				assert.Nil(t, o.codec)
			}},
		{name: "negative handshake timeout: the context alone", allowed: dialSettings,
			opts:  []Option{WithAuthKey(secret), WithHandshakeTimeout(-1)},
			check: func(t *testing.T, o options) { assert.Negative(t, o.handshakeTimeout) }},
		{name: "the pickle protocol comes from the pickle options", allowed: dialSettings,
			opts:  []Option{WithPickleOptions(pickle.WithProtocol(2)), MatchPeerProtocol()},
			check: func(t *testing.T, o options) { assert.Equal(t, 2, o.protocol) }},
		{name: "the last pickle.WithProtocol wins, across WithPickleOptions calls", allowed: dialSettings,
			opts:  []Option{WithPickleOptions(pickle.WithProtocol(2)), WithPickleOptions(pickle.WithMaxDepth(5), pickle.WithProtocol(3))},
			check: func(t *testing.T, o options) { assert.Equal(t, 3, o.protocol) }},
		{name: "protocols 0 and 1 are older than any peer's", allowed: dialSettings,
			opts:  []Option{WithPickleOptions(pickle.WithProtocol(1)), MatchPeerProtocol()},
			check: func(t *testing.T, o options) { assert.Zero(t, o.protocol) }},
		{name: "the last pickle.WithRegistry wins", allowed: dialSettings,
			opts: []Option{WithPickleOptions(pickle.WithRegistry(regA)), WithPickleOptions(pickle.WithRegistry(regB))},
			check: func(t *testing.T, o options) {
				assert.Len(t, o.pickleOpts, 2, "handed to pickle in order; pickle keeps the last")
			}},
		{name: "auth options accumulate", allowed: dialSettings,
			opts:  []Option{WithAuthKey(secret), WithAuthOptions(auth.WithDigest(auth.SHA384)), WithAuthOptions(auth.RefuseMD5())},
			check: func(t *testing.T, o options) { assert.Len(t, o.authOpts, 2) }},

		{name: "auth options that contradict each other", allowed: dialSettings,
			opts:    []Option{WithAuthKey(secret), WithAuthOptions(auth.RefuseMD5()), WithAuthOptions(auth.WithDigest(auth.MD5))},
			invalid: "contradicts RefuseMD5"},
		{name: "an unsupported digest", allowed: dialSettings,
			opts: []Option{WithAuthKey(secret), WithAuthOptions(auth.WithDigest("sha512"))}, invalid: "unsupported digest"},
		{name: "an unsupported pickle protocol", allowed: dialSettings,
			opts: []Option{WithPickleOptions(pickle.WithProtocol(9))}, invalid: "WithPickleOptions"},
		{name: "a key and no authentication", allowed: listenSettings,
			opts: []Option{WithAuthKey(secret), InsecureSkipAuth()}, invalid: "InsecureSkipAuth contradicts WithAuthKey"},
		{name: "auth options without a key", allowed: listenSettings,
			opts: []Option{InsecureSkipAuth(), WithAuthOptions(auth.RefuseMD5())}, invalid: "WithAuthOptions without WithAuthKey"},
		{name: "a handshake timeout without a key", allowed: dialSettings,
			opts: []Option{WithHandshakeTimeout(time.Second)}, invalid: "WithHandshakeTimeout without WithAuthKey"},
		{name: "pickle options with another codec", allowed: dialSettings,
			opts: []Option{WithCodec(XMLRPC{}), WithPickleOptions(pickle.Strict())}, invalid: "WithPickleOptions concerns the pickle codec"},
		{name: "MatchPeerProtocol with another codec", allowed: dialSettings,
			opts: []Option{WithCodec(XMLRPC{}), MatchPeerProtocol()}, invalid: "MatchPeerProtocol concerns the pickle codec"},
		{name: "a negative pending bound", allowed: listenSettings,
			opts: []Option{InsecureSkipAuth(), WithMaxPendingHandshakes(-1)}, invalid: "WithMaxPendingHandshakes(-1)"},
		{name: "a key where no handshake runs", allowed: messageSettings,
			opts: []Option{WithAuthKey(secret)}, invalid: "WithAuthKey does not apply"},
		{name: "InsecureSkipAuth on the dialing side", allowed: dialSettings,
			opts: []Option{InsecureSkipAuth()}, invalid: "InsecureSkipAuth does not apply"},
		{name: "listener settings on the dialing side", allowed: dialSettings,
			opts:    []Option{WithMaxPendingHandshakes(3), OnHandshakeError(func(*HandshakeError) {})},
			invalid: "WithMaxPendingHandshakes and OnHandshakeError do not apply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := resolveOptions("Op", tt.allowed, tt.opts)
			if tt.invalid != "" {
				require.ErrorIs(t, err, ErrInvalidOption)
				assert.ErrorContains(t, err, "Op: ")
				assert.ErrorContains(t, err, tt.invalid)
				return
			}
			require.NoError(t, err)
			tt.check(t, o)
		})
	}
}

// The operations that run no handshake refuse a key rather than ignore it.
func TestOptionsAnOperationCannotHonour(t *testing.T) {
	t.Parallel()
	_, _, err := Pipe(WithAuthKey(secret))
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.ErrorContains(t, err, "Pipe: WithAuthKey does not apply")
	_, _, err = ChildPipe(WithAuthKey(secret))
	assert.ErrorIs(t, err, ErrInvalidOption)

	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	_, err = FileConn(r, WithAuthKey(secret))
	assert.ErrorIs(t, err, ErrInvalidOption)
	assert.ErrorContains(t, err, "FileConn: WithAuthKey does not apply")

	_, err = Dial(context.Background(), "tcp", "127.0.0.1:1", WithMaxPendingHandshakes(1))
	assert.ErrorIs(t, err, ErrInvalidOption, "refused before dialing")
	_, err = Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithAuthOptions(auth.RefuseMD5(), auth.WithDigest(auth.MD5)))
	assert.ErrorIs(t, err, ErrInvalidOption, "refused before listening, not at each handshake")
}

// The report that opened this: WithProtocol(2) and
// WithPickleOptions(pickle.WithProtocol(2)) gave different protocols with
// MatchPeerProtocol against a protocol-3 peer. There is one way to say it
// now, and it means what the documentation says: never above 2.
func TestMatchPeerProtocolNeverAboveThePickleOptions(t *testing.T) {
	t.Parallel()
	server, peer := pipePair(t, WithPickleOptions(pickle.WithProtocol(2)), MatchPeerProtocol())
	msg, err := pickle.Marshal("hello", pickle.WithProtocol(3))
	require.NoError(t, err)
	require.NoError(t, peer.SendBytes(msg))
	_, err = server.Recv()
	require.NoError(t, err)
	require.NoError(t, server.Send("reply"))
	raw, err := peer.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, []byte{0x80, 2}, raw[:2])
}
