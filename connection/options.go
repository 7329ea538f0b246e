package connection

import (
	"time"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/pickle"
)

// DefaultMaxMessageSize is the largest payload a Conn accepts unless
// WithMaxMessageSize says otherwise.
const DefaultMaxMessageSize = 64 << 20

// DefaultHandshakeTimeout bounds a whole handshake unless
// WithHandshakeTimeout says otherwise.
const DefaultHandshakeTimeout = 10 * time.Second

// DefaultMaxPendingHandshakes is how many accepted connections a Listener
// authenticates (or holds for Accept) at once unless
// WithMaxPendingHandshakes says otherwise.
const DefaultMaxPendingHandshakes = 64

// Option configures Listen, NewListener, Dial, Client, Server, FileConn and
// Pipe. Options that do not concern an operation are ignored by it.
type Option func(*options)

type options struct {
	key              []byte
	hasKey           bool
	insecure         bool
	authOpts         []auth.Option
	handshakeTimeout time.Duration
	maxMessage       uint64
	maxPending       int
	pickleOpts       []pickle.Option
	protocol         int
	matchPeer        bool
}

func buildOptions(opts []Option) options {
	o := options{
		handshakeTimeout: DefaultHandshakeTimeout,
		maxMessage:       DefaultMaxMessageSize,
		maxPending:       DefaultMaxPendingHandshakes,
		protocol:         pickle.DefaultProtocol,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithAuthKey makes both sides run CPython's HMAC handshake with key.
// The key is copied. An empty (or nil) key is a valid key, as in CPython
// 3.13+: the handshake runs with HMAC over "". To skip the handshake, which
// is what Python does for authkey=None, do not pass WithAuthKey (and on the
// accepting side pass InsecureSkipAuth).
func WithAuthKey(key []byte) Option {
	k := append([]byte{}, key...)
	return func(o *options) { o.key, o.hasKey = k, true }
}

// InsecureSkipAuth lets the accepting side (Listen, NewListener, Server) run
// without a handshake, like a Python Listener with authkey=None. Anyone who
// can connect can then send pickles, and unpickling runs arbitrary code in
// whoever decodes them; only use it on a channel that is otherwise trusted.
// WithAuthKey takes precedence over it.
func InsecureSkipAuth() Option {
	return func(o *options) { o.insecure = true }
}

// WithDigest sets the digest this side offers when it challenges the peer
// (auth.WithDigest); CPython always offers sha256, the default.
func WithDigest(d auth.Digest) Option {
	return WithAuthOptions(auth.WithDigest(d))
}

// RefuseMD5 refuses HMAC-MD5 in both halves of the handshake
// (auth.RefuseMD5). Peers running CPython 3.11 or older then fail to connect.
func RefuseMD5() Option {
	return WithAuthOptions(auth.RefuseMD5())
}

// WithAuthOptions passes options to the auth handshake, e.g.
// auth.WithLegacyChallenge to emulate an old CPython, or auth.WithRandom to
// reproduce a known transcript.
func WithAuthOptions(opts ...auth.Option) Option {
	return func(o *options) { o.authOpts = append(o.authOpts, opts...) }
}

// WithHandshakeTimeout bounds the whole handshake, on the accepting and on
// the connecting side (default DefaultHandshakeTimeout; 0 means no bound
// other than the context). CPython has no handshake timeout; a Go listener
// needs one so that a silent peer cannot hold resources for ever.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(o *options) { o.handshakeTimeout = d }
}

// WithMaxMessageSize sets the largest payload a Conn accepts (default
// DefaultMaxMessageSize); a larger frame fails with a *MessageTooLargeError
// and poisons the receive side. 0 restores the default; math.MaxUint64
// lifts the limit. Memory grows only as payload bytes arrive, never from
// the header alone.
func WithMaxMessageSize(n uint64) Option {
	return func(o *options) {
		if n == 0 {
			n = DefaultMaxMessageSize
		}
		o.maxMessage = n
	}
}

// WithMaxPendingHandshakes bounds how many accepted connections a Listener
// holds at once while they authenticate or wait for Accept (default
// DefaultMaxPendingHandshakes). When the bound is reached the Listener stops
// accepting until Accept takes a connection or a handshake ends; the
// kernel's backlog queues the rest. n < 1 means 1.
func WithMaxPendingHandshakes(n int) Option {
	return func(o *options) {
		if n < 1 {
			n = 1
		}
		o.maxPending = n
	}
}

// WithProtocol sets the pickle protocol Send writes (default
// pickle.DefaultProtocol, 4, which CPython 3.4+ reads). A Python 2.7 peer
// needs 2; 3.8+ also read 5. Receiving accepts every protocol.
func WithProtocol(p int) Option {
	return func(o *options) {
		o.protocol = p
		o.pickleOpts = append(o.pickleOpts, pickle.WithProtocol(p))
	}
}

// MatchPeerProtocol makes Send answer in the protocol of the last pickle
// received from the peer when that is older than the WithProtocol one, so a
// single server can serve Python 2.7 clients (which send and read protocol
// 2) and Python 3 clients alike. Until the peer has sent a pickle, Send uses
// the WithProtocol protocol.
func MatchPeerProtocol() Option {
	return func(o *options) { o.matchPeer = true }
}

// WithRegistry maps Python classes to Go types for Send and Recv
// (pickle.WithRegistry).
func WithRegistry(r *pickle.Registry) Option {
	return WithPickleOptions(pickle.WithRegistry(r))
}

// WithPickleOptions passes options to the pickle encoder and decoder behind
// Send, Recv and RecvInto: decode limits (pickle.WithMaxDepth, ...),
// pickle.Strict, pickle.Deterministic and the rest. A server facing peers
// it does not fully trust bounds here what a message can make it allocate.
func WithPickleOptions(opts ...pickle.Option) Option {
	return func(o *options) { o.pickleOpts = append(o.pickleOpts, opts...) }
}
