package connection

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
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

// ErrInvalidOption is matched by the error of an operation given an option it
// cannot honour (WithAuthKey on Pipe, say), or options that contradict each
// other. Nothing is opened or sent when it is returned.
var ErrInvalidOption = errors.New("connection: invalid option")

// Option configures Listen, NewListener, Dial, Client, Server, Pipe,
// ChildPipe and FileConn.
//
// Rules: every setting has exactly one option; settings that belong to
// package pickle or package auth are passed through WithPickleOptions and
// WithAuthOptions, where the last option given for a setting wins, as in
// those packages. A zero number or duration selects the default. An option
// that the operation cannot honour, or that contradicts another, makes it fail
// with ErrInvalidOption: each option's documentation says where it applies.
type Option func(*options)

// setting names one option, for validation and error messages.
type setting uint16

const (
	setAuthKey setting = 1 << iota
	setInsecure
	setAuthOptions
	setHandshakeTimeout
	setMaxMessage
	setMaxPending
	setCodec
	setPickle
	setMatchPeer
	setHandshakeHook
	setInvalid // an argument out of range; options.invalid says which
)

// settingNames gives each setting the name of its option, in bit order.
var settingNames = [...]string{
	"WithAuthKey", "InsecureSkipAuth", "WithAuthOptions", "WithHandshakeTimeout",
	"WithMaxMessageSize", "WithMaxPendingHandshakes", "WithCodec",
	"WithPickleOptions", "MatchPeerProtocol", "OnHandshakeError",
}

// The operations, by the settings each can honour.
const (
	messageSettings = setMaxMessage | setCodec | setPickle | setMatchPeer
	dialSettings    = messageSettings | setAuthKey | setAuthOptions | setHandshakeTimeout
	serverSettings  = dialSettings | setInsecure
	listenSettings  = serverSettings | setMaxPending | setHandshakeHook
)

type options struct {
	set     setting // the options given
	invalid string  // why an argument was out of range

	key              []byte
	insecure         bool
	authOpts         []auth.Option
	handshakeTimeout time.Duration // < 0: no bound but the context
	maxMessage       uint64
	maxPending       int
	codec            Codec // nil: pickle with pickleOpts
	pickleOpts       []pickle.Option
	protocol         int // what pickleOpts make the encoder write
	matchPeer        bool
	onHandshakeError func(*HandshakeError)
}

// resolveOptions applies opts over the defaults for the operation op, which
// honours the settings allowed, and checks them: this is the one place where
// every setting is resolved.
func resolveOptions(op string, allowed setting, opts []Option) (options, error) {
	o := options{
		handshakeTimeout: DefaultHandshakeTimeout,
		maxMessage:       DefaultMaxMessageSize,
		maxPending:       DefaultMaxPendingHandshakes,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	invalid := func(format string, args ...any) (options, error) {
		return options{}, fmt.Errorf("%w: %s: %s", ErrInvalidOption, op, fmt.Sprintf(format, args...))
	}
	if o.set&setInvalid != 0 {
		return invalid("%s", o.invalid)
	}
	if extra := o.set &^ allowed; extra != 0 {
		verb := "does"
		if bits.OnesCount16(uint16(extra)) > 1 {
			verb = "do"
		}
		return invalid("%s %s not apply here", extra, verb)
	}
	switch {
	case o.set&setAuthKey != 0 && o.insecure:
		return invalid("InsecureSkipAuth contradicts WithAuthKey")
	case o.set&setAuthKey == 0 && o.set&(setAuthOptions|setHandshakeTimeout) != 0:
		return invalid("%s without WithAuthKey: there is no handshake to configure", o.set&(setAuthOptions|setHandshakeTimeout))
	case o.codec != nil && o.set&(setPickle|setMatchPeer) != 0:
		return invalid("%s concerns the pickle codec, and WithCodec replaced it", o.set&(setPickle|setMatchPeer))
	}
	if o.set&setAuthOptions != 0 {
		// The auth package checks its options before it touches the
		// messenger, so a nil one finds contradictions (RefuseMD5 with
		// WithDigest(auth.MD5), say) now rather than at every handshake.
		if err := auth.ClientHandshake(nil, nil, o.authOpts...); errors.Is(err, auth.ErrInvalidOption) {
			return invalid("%v", err)
		}
	}
	if o.codec == nil {
		// Ask the encoder which protocol the pickle options add up to: what
		// it writes for None starts with PROTO n (protocols 2 and up; 0 and
		// 1 have no PROTO opcode and are older than any peer's).
		none, err := pickle.Marshal(nil, o.pickleOpts...)
		if err != nil {
			return invalid("WithPickleOptions: %v", err)
		}
		if len(none) >= 2 && none[0] == protoOpcode {
			o.protocol = int(none[1])
		}
	}
	return o, nil
}

// hasKey reports whether WithAuthKey was given: the handshake runs.
func (o *options) hasKey() bool { return o.set&setAuthKey != 0 }

func (s setting) String() string {
	var names []string
	for i, name := range settingNames {
		if s&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return strings.Join(names, " and ")
}

// outOfRange marks an option whose argument cannot be used.
func (o *options) outOfRange(format string, args ...any) {
	o.set |= setInvalid
	if o.invalid == "" {
		o.invalid = fmt.Sprintf(format, args...)
	}
}

// WithAuthKey makes both sides run CPython's HMAC handshake with key
// (Listen, NewListener, Dial, Client, Server). The key is copied. An empty
// (or nil) key is a valid key, as in CPython 3.13+: the handshake runs with
// HMAC over "". To skip the handshake, which is what Python does for
// authkey=None, do not pass WithAuthKey (and on the accepting side pass
// InsecureSkipAuth).
func WithAuthKey(key []byte) Option {
	k := append([]byte{}, key...)
	return func(o *options) { o.key, o.set = k, o.set|setAuthKey }
}

// InsecureSkipAuth lets the accepting side (Listen, NewListener, Server) run
// without a handshake, like a Python Listener with authkey=None. Anyone who
// can connect can then send pickles, and unpickling runs arbitrary code in
// whoever decodes them; only use it on a channel that is otherwise trusted.
// It contradicts WithAuthKey.
func InsecureSkipAuth() Option {
	return func(o *options) { o.insecure, o.set = true, o.set|setInsecure }
}

// WithAuthOptions passes options to the handshake of package auth, with
// WithAuthKey (Listen, NewListener, Dial, Client, Server):
// auth.WithDigest(d) to offer another digest than sha256, auth.RefuseMD5()
// to refuse HMAC-MD5 in both halves (peers running CPython 3.11 or older
// then fail to connect), auth.WithLegacyChallenge to emulate an old CPython,
// auth.WithRandom to reproduce a known transcript. Contradicting auth options
// fail when the operation starts, not at the first handshake.
func WithAuthOptions(opts ...auth.Option) Option {
	return func(o *options) { o.authOpts, o.set = append(o.authOpts, opts...), o.set|setAuthOptions }
}

// WithHandshakeTimeout bounds the whole handshake, with WithAuthKey, on the
// accepting and on the connecting side (default DefaultHandshakeTimeout;
// zero selects it, a negative duration leaves only the context to bound it).
// CPython has no handshake timeout; a Go listener needs one so that a silent
// peer cannot hold resources for ever.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(o *options) {
		if d == 0 {
			d = DefaultHandshakeTimeout
		}
		o.handshakeTimeout, o.set = d, o.set|setHandshakeTimeout
	}
}

// WithMaxMessageSize sets the largest payload a Conn accepts (default
// DefaultMaxMessageSize; zero selects it, math.MaxUint64 lifts the limit).
// A larger frame fails with a *MessageTooLargeError and poisons the receive
// side. Memory grows only as payload bytes arrive, never from the header
// alone. Every operation takes it.
func WithMaxMessageSize(n uint64) Option {
	return func(o *options) {
		if n == 0 {
			n = DefaultMaxMessageSize
		}
		o.maxMessage, o.set = n, o.set|setMaxMessage
	}
}

// WithMaxPendingHandshakes bounds how many accepted connections a Listener
// holds at once while they authenticate or wait for Accept (Listen and
// NewListener; default DefaultMaxPendingHandshakes, which zero selects; a
// negative n is invalid). When the bound is reached the Listener stops
// accepting until Accept takes a connection or a handshake ends; the
// kernel's backlog queues the rest.
func WithMaxPendingHandshakes(n int) Option {
	return func(o *options) {
		switch {
		case n < 0:
			o.outOfRange("WithMaxPendingHandshakes(%d): negative", n)
		case n == 0:
			n = DefaultMaxPendingHandshakes
		}
		o.maxPending, o.set = n, o.set|setMaxPending
	}
}

// WithPickleOptions passes options to the pickle encoder and decoder behind
// Send, Recv and RecvInto (every operation takes it): pickle.WithProtocol
// for the protocol Send writes (default pickle.DefaultProtocol, 4, which
// CPython 3.4+ reads; a Python 2.7 peer needs 2), pickle.WithRegistry to map
// Python classes to Go types, decode limits (pickle.WithMaxDepth, ...),
// pickle.Strict and the rest. A server facing peers it does not fully trust
// bounds here what a message can make it allocate. It concerns the pickle
// codec: with WithCodec it is invalid.
func WithPickleOptions(opts ...pickle.Option) Option {
	return func(o *options) { o.pickleOpts, o.set = append(o.pickleOpts, opts...), o.set|setPickle }
}

// MatchPeerProtocol makes Send answer in the protocol of the last pickle
// received from the peer when that is older than the protocol the pickle
// options select, so a single server can serve Python 2.7 clients (which
// send and read protocol 2) and Python 3 clients alike. A peer that sends
// protocol 2 is taken for Python 2, whose send() is the only one that
// writes it: Send then also refuses what Python 2 cannot load, as
// pickle.ForPython(2, 7) does (an aware time.Time). Until the peer has sent
// a pickle, Send uses the protocol the pickle options select; when Go
// speaks first to a Python 2 peer, give WithPickleOptions(pickle.ForPython(2,
// 7)) instead. Every
// operation takes it; it concerns the pickle codec, so with WithCodec it is
// invalid.
func MatchPeerProtocol() Option {
	return func(o *options) { o.matchPeer, o.set = true, o.set|setMatchPeer }
}

// WithCodec makes Send, Recv, RecvInto and RecvAs use c instead of pickle
// (every operation takes it): XMLRPC{} to speak with Python's XmlListener
// and XmlClient, or a Codec of your own. WithCodec(nil) selects pickle, the
// default.
func WithCodec(c Codec) Option {
	return func(o *options) { o.codec, o.set = c, o.set|setCodec }
}

// OnHandshakeError makes Serve report every failed handshake to f (Listen
// and NewListener). Serve returns no handshake errors, since one client with
// a wrong key is no reason to stop serving the others; Accept returns them
// instead and does not call f. f runs on Serve's goroutine, one call at a
// time, so a slow f delays accepting.
func OnHandshakeError(f func(*HandshakeError)) Option {
	return func(o *options) { o.onHandshakeError, o.set = f, o.set|setHandshakeHook }
}
