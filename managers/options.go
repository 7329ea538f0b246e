package managers

import (
	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// Option configures a Client (Dial) or a Server (NewServer). Options that do
// not concern one of them are ignored by it. The zero value of every
// setting is the default, so passing no option at all is always valid.
type Option func(*options)

type options struct {
	key         []byte
	hasKey      bool
	insecure    bool
	connOpts    []connection.Option
	pickleOpts  []pickle.Option
	protocol    int
	name        string
	maxIdle     int
	noShutdown  bool
	serverAddr  any
	hasSrvrAddr bool
	owned       []string
}

// Defaults.
const (
	// DefaultMaxIdleChannels is how many idle channels a Client keeps for
	// reuse unless WithMaxIdleChannels says otherwise.
	DefaultMaxIdleChannels = 8
	// DefaultProcessName is the name a Client gives its channels
	// (accept_connection's argument), as a Python main process does.
	DefaultProcessName = "MainProcess"
)

func buildOptions(opts []Option) options {
	o := options{protocol: pickle.DefaultProtocol, name: DefaultProcessName, maxIdle: DefaultMaxIdleChannels}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithAuthKey sets the manager's authkey (BaseManager's authkey=): every
// connection, both ways, runs CPython's HMAC handshake with it. Python's
// docs example uses b'abracadabra'. The key is copied.
func WithAuthKey(key []byte) Option {
	k := append([]byte{}, key...)
	return func(o *options) { o.key, o.hasKey = k, true }
}

// InsecureSkipAuth lets a Server accept connections without a handshake,
// and a Client connect without one. A Python manager always authenticates,
// so this only serves Go peers, or Python ones that call the connection
// layer themselves. Every request is a pickle: never use it where anyone
// else can connect. WithAuthKey takes precedence over it.
func InsecureSkipAuth() Option {
	return func(o *options) { o.insecure = true }
}

// WithConnectionOptions passes options to package connection for every
// connection made or accepted: handshake timeout, message size limit,
// WithAuthOptions (digest, RefuseMD5), OnHandshakeError. This package
// pickles its messages itself, so the connection package's
// MatchPeerProtocol, WithCodec and WithPickleOptions have no effect here
// (use this package's WithProtocol and WithPickleOptions), and this
// package's WithAuthKey and InsecureSkipAuth are applied after these
// options.
func WithConnectionOptions(opts ...connection.Option) Option {
	return func(o *options) { o.connOpts = append(o.connOpts, opts...) }
}

// WithPickleOptions passes options to the pickle encoder and decoder of every
// message: decode limits, pickle.WithRegistry for typed values,
// pickle.Strict. A server facing peers it does not fully trust bounds what
// one request can make it allocate here.
func WithPickleOptions(opts ...pickle.Option) Option {
	return func(o *options) { o.pickleOpts = append(o.pickleOpts, opts...) }
}

// WithProtocol sets the newest pickle protocol a Client writes requests in
// (default pickle.DefaultProtocol, 4). A Client lowers it by itself for a
// server that answers in an older protocol (Python 2.7 writes 2), and a
// Server answers every peer in the protocol of its requests, never newer
// than this.
func WithProtocol(p int) Option {
	return func(o *options) {
		if p == 0 {
			p = pickle.DefaultProtocol
		}
		o.protocol = p
	}
}

// WithProcessName sets the name a Client sends when it opens a channel
// (default DefaultProcessName); a Python server names the thread serving the
// channel after it.
func WithProcessName(name string) Option {
	return func(o *options) {
		if name == "" {
			name = DefaultProcessName
		}
		o.name = name
	}
}

// WithMaxIdleChannels bounds how many idle channels a Client keeps open for
// the next calls (default DefaultMaxIdleChannels; n < 0 means 0). Calls that
// run at the same time use as many channels as they need; the ones beyond
// the bound are closed when their call ends.
func WithMaxIdleChannels(n int) Option {
	return func(o *options) {
		if n == 0 {
			n = DefaultMaxIdleChannels
		}
		o.maxIdle = max(n, 0)
	}
}

// WithOwnedTypeids names typeids (besides SyncManager's RLock and
// Condition) whose objects belong to the channel that calls them, such as a
// typeid a Python manager registered for a threading.RLock: a Client's
// proxies of them make every call over one channel of their own.
func WithOwnedTypeids(typeids ...string) Option {
	return func(o *options) { o.owned = append(o.owned, typeids...) }
}

// RefuseShutdown makes a Server answer a client's shutdown request with an
// error instead of stopping. By default a client may stop the server, as
// with CPython's (Python's BaseManager.shutdown() does it).
func RefuseShutdown() Option {
	return func(o *options) { o.noShutdown = true }
}

// WithServerAddress sets the address a Server puts in the tokens it hands
// out and recognises as its own (default: its listener's address in Python's
// form, see PythonAddress). Set it when clients reach the server through
// another address, such as a published host name.
func WithServerAddress(address any) Option {
	return func(o *options) { o.serverAddr, o.hasSrvrAddr = address, true }
}

// connectionOptions are the options of every connection: the caller's, then
// the key (or, accepting, none: a dialing side without a key just skips the
// handshake).
func (o *options) connectionOptions(accepting bool) []connection.Option {
	c := append([]connection.Option(nil), o.connOpts...)
	if o.hasKey {
		c = append(c, connection.WithAuthKey(o.key))
	} else if o.insecure && accepting {
		c = append(c, connection.InsecureSkipAuth())
	}
	return c
}
