package managers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mpconn/mpconn/connection"
)

// ErrClientClosed is returned by calls on a Client (and its proxies) after
// Client.Close.
var ErrClientClosed = errors.New("managers: client closed")

// closeTimeout bounds the decrefs Client.Close sends for the proxies still
// open, as Python's finalizers send them at exit.
const closeTimeout = 10 * time.Second

// Client is a connection to a running manager, what Python's
// BaseManager(address, authkey).connect() gives: it creates shared objects
// and hands out proxies to them. It is safe for concurrent use.
//
// As in Python, every control request (create, incref, decref, …) runs on a
// new connection of its own, and method calls run on channels: connections
// turned long-lived by accept_connection. A Python process keeps one channel
// per thread; a Client keeps a pool, so calls from many goroutines proceed at
// once and a blocked call (a Get on an empty queue) blocks only its own.
type Client struct {
	network, address string
	pyAddr           any
	opts             options
	connOpts         []connection.Option
	proto            atomic.Int32 // the pickle protocol requests are written in

	mu      sync.Mutex
	closed  bool
	idle    []*channel
	proxies map[*Proxy]struct{} // open proxies, closed (decref) by Close
	peers   map[string]*Client  // other managers, reached through proxies received
}

// channel is one connection after accept_connection.
type channel struct {
	conn  *connection.Conn
	codec codec
}

// Dial connects to the manager at address, as Python's
// BaseManager(address, authkey).connect() does: it checks the address and
// key with a "dummy" request, and from the reply's pickle protocol learns
// the newest protocol the server reads (2 for Python 2.7, which refuses the
// first request: Dial then sends it again in protocol 2). network is "tcp"
// or "unix" (a socket path, or on Linux "@name" for an abstract socket).
//
// Dial needs WithAuthKey (every Python manager authenticates), or
// InsecureSkipAuth for a server that runs no handshake.
func Dial(ctx context.Context, network, address string, opts ...Option) (*Client, error) {
	c, err := newClient(network, address, buildOptions(opts))
	if err != nil {
		return nil, err
	}
	before := c.proto.Load()
	_, err = c.dispatch(ctx, "dummy")
	var e *Error
	if errors.As(err, &e) && c.proto.Load() < before {
		// The server answered in an older protocol than our request, which
		// it could not read (Python 2.7 and protocol 4): again in its own.
		_, err = c.dispatch(ctx, "dummy")
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newClient(network, address string, o options) (*Client, error) {
	if !o.hasKey && !o.insecure {
		return nil, connection.ErrNoAuthKey
	}
	pyAddr, err := PythonAddress(network, address)
	if err != nil {
		return nil, err
	}
	c := &Client{network: network, address: address, pyAddr: pyAddr, opts: o,
		connOpts: o.connectionOptions(false), proxies: map[*Proxy]struct{}{}}
	c.proto.Store(int32(o.protocol))
	return c, nil
}

// Protocol returns the pickle protocol the Client writes requests in: the
// WithProtocol one, or older if the server's replies are (2 means a Python
// 2 server, whose str is bytes).
func (c *Client) Protocol() int { return int(c.proto.Load()) }

// Address returns the manager's address as Python writes it (see
// PythonAddress): the address in the tokens of this Client's proxies.
func (c *Client) Address() any { return c.pyAddr }

// Close decrefs every proxy of the Client still open, as a Python process
// does at exit, and closes its idle channels; calls in progress finish, and
// their channels close then.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	proxies := make([]*Proxy, 0, len(c.proxies))
	for p := range c.proxies {
		proxies = append(proxies, p)
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var errs []error
	for _, p := range proxies {
		errs = append(errs, p.Close(ctx))
	}

	c.mu.Lock()
	c.closed = true
	idle, peers := c.idle, c.peers
	c.idle, c.peers = nil, nil
	c.mu.Unlock()
	for _, ch := range idle {
		ch.conn.Close()
	}
	for _, peer := range peers {
		errs = append(errs, peer.Close())
	}
	return errors.Join(errs...)
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// connect opens a new authenticated connection to the manager.
func (c *Client) connect(ctx context.Context) (*connection.Conn, error) {
	network, address, err := socketAddress(c.network, c.address)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return connection.Client(ctx, newSockConn(nc), c.connOpts...)
}

// dispatch sends one control request on a connection of its own and returns
// the #RETURN value, as Python's dispatch() does.
func (c *Client) dispatch(ctx context.Context, method string, args ...any) (any, error) {
	return c.dispatchKw(ctx, method, args, nil)
}

func (c *Client) dispatchKw(ctx context.Context, method string, args []any, kwargs map[string]any) (any, error) {
	if c.isClosed() {
		return nil, ErrClientClosed
	}
	conn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ch := &channel{conn: conn, codec: codec{opts: c.opts.pickleOpts}}
	rep, _, err := c.roundTrip(ctx, ch, newRequest(nil, method, args, kwargs))
	if err != nil {
		return nil, err
	}
	if rep.kind != KindReturn {
		return nil, errorFromReply(rep.kind, rep.value)
	}
	return rep.value, nil
}

// roundTrip sends a request on ch and reads the reply. When ctx ends first
// the connection is closed (Python's protocol has no way to cancel a call)
// and ctx's error returned. A reply that does not decode leaves ch usable;
// any other error leaves it broken (the caller must not reuse it).
func (c *Client) roundTrip(ctx context.Context, ch *channel, req any) (reply, []byte, error) {
	stop := context.AfterFunc(ctx, func() { ch.conn.Close() })
	err := ch.codec.send(ch.conn, req, int(c.proto.Load()))
	var raw []byte
	if err == nil {
		raw, err = ch.conn.RecvBytes()
	}
	if !stop() {
		return reply{}, nil, ctx.Err()
	}
	if err != nil {
		return reply{}, nil, err
	}
	c.learnProtocol(raw)
	v, err := decode(raw, c.opts.pickleOpts)
	if err != nil {
		return reply{}, raw, err
	}
	rep, err := parseReply(v)
	return rep, raw, err
}

// learnProtocol lowers the protocol of requests to that of the server's
// replies: a Python server answers in its own default protocol, which is the
// newest it can read that our requests may use (2.7 writes 2, 3.6 writes 3).
func (c *Client) learnProtocol(raw []byte) {
	p := int32(protocolOf(raw))
	for {
		cur := c.proto.Load()
		if p < 2 || p >= cur || c.proto.CompareAndSwap(cur, p) {
			return
		}
	}
}

// getChannel takes an idle channel or opens a new one.
func (c *Client) getChannel(ctx context.Context) (*channel, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClientClosed
	}
	if n := len(c.idle); n > 0 {
		ch := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return ch, nil
	}
	c.mu.Unlock()
	return c.openChannel(ctx)
}

// openChannel makes a connection a channel: accept_connection(name), as a
// Python proxy's first call in a thread does.
func (c *Client) openChannel(ctx context.Context) (*channel, error) {
	conn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	ch := &channel{conn: conn, codec: codec{opts: c.opts.pickleOpts}}
	rep, _, err := c.roundTrip(ctx, ch, newRequest(nil, "accept_connection", []any{c.opts.name}, nil))
	if err == nil && rep.kind != KindReturn {
		err = errorFromReply(rep.kind, rep.value)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	blockChannel(conn)
	return ch, nil
}

// putChannel returns a channel after a call: to the idle pool if it is in
// step and there is room, else it is closed.
func (c *Client) putChannel(ch *channel, ok bool) {
	if ok {
		c.mu.Lock()
		if !c.closed && len(c.idle) < c.opts.maxIdle {
			c.idle = append(c.idle, ch)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
	ch.conn.Close()
}

// Create creates a shared object of a registered typeid with positional
// constructor arguments and returns a proxy owning one reference to it, as
// Python's manager.typeid(*args) does: Create(ctx, "get_queue") is
// m.get_queue(), Create(ctx, "list", []any{1, 2}) is m.list([1, 2]).
func (c *Client) Create(ctx context.Context, typeid string, args ...any) (*Proxy, error) {
	return c.CreateKw(ctx, typeid, args, nil)
}

// CreateKw is Create with keyword arguments: CreateKw(ctx, "Namespace", nil,
// map[string]any{"x": 1}) is m.Namespace(x=1).
func (c *Client) CreateKw(ctx context.Context, typeid string, args []any, kwargs map[string]any) (*Proxy, error) {
	v, err := c.dispatchKw(ctx, "create", append([]any{typeid}, args...), kwargs)
	if err != nil {
		return nil, err
	}
	id, exposed, err := parseCreated(v)
	if err != nil {
		return nil, err
	}
	// create's reference is ours: Python's proxy increfs and then drops
	// create's reference, which comes to the same with two connections more.
	return c.newProxy(Token{Typeid: typeid, Address: c.pyAddr, ID: id}, exposed, classOfTypeid), nil
}

// parseCreated reads create's (ident, exposed) result.
func parseCreated(v any) (string, []string, error) {
	items, ok := iterate(v)
	if ok && len(items) == 2 {
		id, okID := asText(items[0])
		exposed, okExp := textList(items[1])
		if okID && okExp {
			return id, exposed, nil
		}
	}
	return "", nil, fmt.Errorf("managers: create returned %s, want (ident, exposed)", repr(v))
}

// textList reads a tuple or list of str.
func textList(v any) ([]string, bool) {
	items, ok := iterate(v)
	if !ok {
		return nil, false
	}
	out := make([]string, len(items))
	for i, it := range items {
		if out[i], ok = asText(it); !ok {
			return nil, false
		}
	}
	return out, true
}

// Proxy returns a new proxy to the object token names, owning a reference of
// its own (an incref), as Python's RebuildProxy does when a proxy is
// unpickled. exposed may be nil for proxy types whose methods are known.
// The token must name an object of this Client's manager.
func (c *Client) Proxy(ctx context.Context, token Token, exposed []string) (*Proxy, error) {
	if _, err := c.dispatch(ctx, "incref", token.ID); err != nil {
		return nil, err
	}
	return c.newProxy(token, exposed, classOfTypeid), nil
}

// GetMethods asks the manager for the methods the object behind token
// exposes (Python's get_methods; the order is arbitrary).
func (c *Client) GetMethods(ctx context.Context, token Token) ([]string, error) {
	v, err := c.dispatch(ctx, "get_methods", token)
	if err != nil {
		return nil, err
	}
	names, ok := textList(v)
	if !ok {
		return nil, fmt.Errorf("managers: get_methods returned %s", repr(v))
	}
	return names, nil
}

// NumberOfObjects returns how many shared objects the manager holds
// (Python's _number_of_objects; a 2.7 server counts differently).
func (c *Client) NumberOfObjects(ctx context.Context) (int, error) {
	v, err := c.dispatch(ctx, "number_of_objects")
	if err != nil {
		return 0, err
	}
	n, ok := asInt(v)
	if !ok {
		return 0, fmt.Errorf("managers: number_of_objects returned %s", repr(v))
	}
	return int(n), nil
}

// DebugInfo returns the manager's description of its objects and their
// reference counts (Python's _debug_info).
func (c *Client) DebugInfo(ctx context.Context) (string, error) {
	v, err := c.dispatch(ctx, "debug_info")
	if err != nil {
		return "", err
	}
	s, ok := asText(v)
	if !ok {
		return "", fmt.Errorf("managers: debug_info returned %s", repr(v))
	}
	return s, nil
}

// Shutdown asks the manager to stop, as Python's BaseManager.shutdown() does
// for a manager it started. The Client is closed afterwards.
func (c *Client) Shutdown(ctx context.Context) error {
	_, err := c.dispatch(ctx, "shutdown")
	c.mu.Lock()
	c.proxies = map[*Proxy]struct{}{} // their objects are gone with the server
	c.mu.Unlock()
	return errors.Join(err, c.Close())
}

// peer returns the Client for another manager whose proxies this Client
// received, with the same options (Python reconnects with the process's own
// key likewise).
func (c *Client) peer(addr any) (*Client, error) {
	if sameAddress(addr, c.pyAddr) {
		return c, nil
	}
	network, address, err := goAddress(addr)
	if err != nil {
		return nil, err
	}
	key := network + " " + address
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClientClosed
	}
	if p, ok := c.peers[key]; ok {
		return p, nil
	}
	p, err := newClient(network, address, c.opts)
	if err != nil {
		return nil, err
	}
	p.pyAddr = addr
	p.proto.Store(c.proto.Load()) // most likely the same Python
	if c.peers == nil {
		c.peers = map[string]*Client{}
	}
	c.peers[key] = p
	return p, nil
}
