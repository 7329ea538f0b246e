package managers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// ErrProxyClosed is returned by calls on a proxy after its Close.
var ErrProxyClosed = errors.New("managers: proxy closed")

// Proxy is a reference to an object held by a manager, as Python's
// BaseProxy is: its methods are called by name, with arguments pickled to
// the manager and the result (or the exception) pickled back.
//
// A Proxy owns one reference to its object, released by Close (Python's
// decref). It is safe for concurrent use: each call takes a channel of its
// Client, so a call blocked in the manager delays no other. Proxies to
// objects with an owner (RLock, Condition; see WithOwnedTypeids) instead make
// all their calls over one channel of their own, as one Python thread
// would: the proxy is the owner, and its calls run one at a time.
//
// A Proxy pickles as Python pickles a proxy (RebuildProxy of its token), so
// it can be sent to another process, and a proxy received in a result
// becomes a *Proxy owning a reference of its own.
type Proxy struct {
	client  *Client
	token   Token
	exposed []string
	class   pickle.Global // the func RebuildProxy is given: AutoProxy or a proxy class
	pin     *pinnedChannel

	mu     sync.Mutex
	closed bool
}

// pinnedChannel is the one channel of an owner-sensitive proxy; lock is held
// (a token in the channel) while a call uses it, so waiting for it can be
// abandoned when the caller's context ends.
type pinnedChannel struct {
	lock chan struct{}
	ch   *channel
}

// classOfTypeid, the zero Global, asks newProxy for the class the typeid
// implies.
var classOfTypeid pickle.Global

func (c *Client) newProxy(token Token, exposed []string, class pickle.Global) *Proxy {
	if class == classOfTypeid {
		class = proxyClassFor(token.Typeid)
	}
	p := &Proxy{client: c, token: token, exposed: exposed, class: class}
	if c.isPinned(token.Typeid) {
		p.pin = &pinnedChannel{lock: make(chan struct{}, 1)}
	}
	c.mu.Lock()
	c.proxies[p] = struct{}{}
	c.mu.Unlock()
	return p
}

// Token returns the token naming the proxy's object.
func (p *Proxy) Token() Token { return p.token }

// Exposed returns the method names the manager reported when it made the
// object (nil for a proxy built from a token alone).
func (p *Proxy) Exposed() []string { return append([]string(nil), p.exposed...) }

// Client returns the Client the proxy calls through.
func (p *Proxy) Client() *Client { return p.client }

// Call calls the referent's method with positional arguments and returns its
// result in package pickle's value model; a result that is itself a shared
// object (a #PROXY reply, or proxies inside the result) comes back as
// *Proxy. An exception raised by the method is an *Error (KindError) that
// matches the Err… ExceptionTypes with errors.Is.
//
// When ctx ends before the reply, the call's channel is closed and ctx's
// error returned; the proxy stays usable. The manager finishes the call
// anyway (the protocol cannot cancel it): a Python manager whose blocking
// get then receives an item cannot deliver it, and the item is lost, as when
// a Python client dies in q.get(). Methods with a timeout argument (see
// QueueProxy.GetTimeout) end in the manager instead and lose nothing.
func (p *Proxy) Call(ctx context.Context, method string, args ...any) (any, error) {
	return p.CallKw(ctx, method, args, nil)
}

// CallKw is Call with keyword arguments:
// CallKw(ctx, "get", nil, map[string]any{"timeout": 0.5}) is q.get(timeout=0.5).
func (p *Proxy) CallKw(ctx context.Context, method string, args []any, kwargs map[string]any) (any, error) {
	rep, raw, err := p.call(ctx, method, args, kwargs)
	if err != nil {
		return nil, err
	}
	return p.result(ctx, rep, raw)
}

// CallInto is CallKw decoding the result into out, a non-nil pointer, with
// pickle.Unmarshal's rules for typed values (structs from dicts, typed
// numbers with overflow checks, …), straight from the reply's pickle. A
// #PROXY result needs out to be a *any or a **Proxy.
func (p *Proxy) CallInto(ctx context.Context, out any, method string, args []any, kwargs map[string]any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("managers: CallInto needs a non-nil pointer, got %T", out)
	}
	rep, raw, err := p.call(ctx, method, args, kwargs)
	if err != nil {
		return err
	}
	if rep.kind == KindReturn && rv.Elem().Kind() != reflect.Interface {
		// Decode again, this time into ('#RETURN', T) positionally.
		st := reflect.StructOf([]reflect.StructField{
			{Name: "Kind", Type: reflect.TypeFor[string]()},
			{Name: "Value", Type: rv.Elem().Type()},
		})
		sv := reflect.New(st)
		err := pickle.Unmarshal(raw, sv.Interface(), p.client.opts.pickleOpts...)
		if err == nil {
			rv.Elem().Set(sv.Elem().Field(1))
			return nil
		}
		if l, ok := pythonList(rep.value); ok {
			// A dict view, pickled as list(items): decode the items.
			if data, merr := pickle.Marshal(l); merr == nil && pickle.Unmarshal(data, out, p.client.opts.pickleOpts...) == nil {
				return nil
			}
		}
		return &connection.DecodeError{Message: raw, Err: err}
	}
	v, err := p.result(ctx, rep, raw)
	if err != nil {
		return err
	}
	if v == nil {
		rv.Elem().SetZero()
		return nil
	}
	val := reflect.ValueOf(v)
	if !val.Type().AssignableTo(rv.Elem().Type()) {
		return fmt.Errorf("managers: cannot store a %T result in %T", v, out)
	}
	rv.Elem().Set(val)
	return nil
}

// Value returns a copy of the referent itself (Python's proxy._getvalue(),
// the '#GETVALUE' request).
func (p *Proxy) Value(ctx context.Context) (any, error) {
	return p.Call(ctx, "#GETVALUE")
}

// Repr returns the referent's repr (what str(proxy) shows in Python).
func (p *Proxy) Repr(ctx context.Context) (string, error) {
	var s string
	err := p.CallInto(ctx, &s, "__repr__", nil, nil)
	return s, err
}

// Clone returns a second proxy to the same object owning a reference of its
// own (an incref). A pinned proxy's clone has a channel of its own, so it is
// a second owner: give each goroutine that contends for an RLock its own.
func (p *Proxy) Clone(ctx context.Context) (*Proxy, error) {
	if p.isClosed() {
		return nil, ErrProxyClosed
	}
	if _, err := p.client.dispatch(ctx, "incref", p.token.ID); err != nil {
		return nil, err
	}
	return p.client.newProxy(p.token, p.exposed, p.class), nil
}

// Close releases the proxy's reference (a decref) and its own channel, if
// pinned. Closing twice does nothing. The decref is sent even when ctx
// has ended: then it fails, and the manager keeps the object, as it does
// when a Python client dies.
func (p *Proxy) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.client.mu.Lock()
	delete(p.client.proxies, p)
	p.client.mu.Unlock()
	if p.pin != nil {
		select {
		case p.pin.lock <- struct{}{}:
			if p.pin.ch != nil {
				p.pin.ch.conn.Close()
				p.pin.ch = nil
			}
			<-p.pin.lock
		default: // a call is in progress; it closes the channel when it sees closed
		}
	}
	_, err := p.client.dispatch(ctx, "decref", p.token.ID)
	return err
}

func (p *Proxy) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// MarshalPickle writes the proxy as CPython pickles one:
// RebuildProxy(func, token, 'pickle', kwds), with AutoProxy and the exposed
// names for automatic proxies, else the proxy class.
func (p *Proxy) MarshalPickle() (any, error) {
	kwds := pickle.NewDict(1)
	if p.class == autoProxyClass {
		names := make(pickle.Tuple, len(p.exposed))
		for i, n := range p.exposed {
			names[i] = n
		}
		if err := kwds.Set("exposed", names); err != nil {
			return nil, err
		}
	}
	return &pickle.Object{Class: rebuildProxyClass,
		Args: pickle.Tuple{p.class, p.token, "pickle", kwds}}, nil
}

func (p *Proxy) String() string {
	return fmt.Sprintf("<%s object, typeid %s, id %s>", p.class.Name, strRepr(p.token.Typeid), strRepr(p.token.ID))
}

// call sends (ident, method, args, kwargs) on a channel and reads the reply.
func (p *Proxy) call(ctx context.Context, method string, args []any, kwargs map[string]any) (reply, []byte, error) {
	if p.isClosed() {
		return reply{}, nil, ErrProxyClosed
	}
	req := newRequest(p.token.ID, method, args, kwargs)
	c := p.client
	if p.pin != nil {
		return p.pin.call(ctx, p, req)
	}
	ch, err := c.getChannel(ctx)
	if err != nil {
		return reply{}, nil, err
	}
	rep, raw, err := c.roundTrip(ctx, ch, req)
	c.putChannel(ch, inStep(err))
	return rep, raw, err
}

func (pc *pinnedChannel) call(ctx context.Context, p *Proxy, req any) (reply, []byte, error) {
	select {
	case pc.lock <- struct{}{}:
	case <-ctx.Done():
		return reply{}, nil, ctx.Err()
	}
	defer func() { <-pc.lock }()
	if pc.ch == nil {
		ch, err := p.client.openChannel(ctx)
		if err != nil {
			return reply{}, nil, err
		}
		pc.ch = ch
	}
	rep, raw, err := p.client.roundTrip(ctx, pc.ch, req)
	if !inStep(err) || p.isClosed() {
		pc.ch.conn.Close()
		pc.ch = nil
	}
	return rep, raw, err
}

// inStep reports whether a channel can carry the next call after a call
// that ended with err: a message that did not pickle or unpickle leaves it
// in step, anything else broken.
func inStep(err error) bool {
	return err == nil || errors.Is(err, errEncode) || errors.Is(err, connection.ErrDecode)
}

// result converts a channel reply, as Python's _callmethod does.
func (p *Proxy) result(ctx context.Context, rep reply, raw []byte) (any, error) {
	switch rep.kind {
	case KindReturn:
		v := rep.value
		if l, ok := pythonList(v); ok {
			v = l
		}
		if bytes.Contains(raw, []byte("RebuildProxy")) {
			return p.client.adoptProxies(ctx, v, 0)
		}
		return v, nil
	case KindProxy:
		items, ok := iterate(rep.value)
		if !ok || len(items) != 2 {
			return nil, fmt.Errorf("managers: #PROXY carried %s, want (exposed, token)", repr(rep.value))
		}
		exposed, _ := textList(items[0])
		token, err := tokenOf(items[1])
		if err != nil {
			return nil, err
		}
		// The new object's reference is ours (the server's create); its
		// address is the one we reach the manager by, as in Python.
		token.Address = p.token.Address
		return p.client.newProxy(token, exposed, classOfTypeid), nil
	}
	return nil, errorFromReply(rep.kind, rep.value)
}

var listClass = pickle.Global{Module: "builtins", Name: "list"}

// pythonList reads list(items), which is how Python 3's managers pickle a
// dict's keys(), values() and items() views.
func pythonList(v any) ([]any, bool) {
	o, ok := v.(*pickle.Object)
	if !ok || o.Class != listClass || o.New || len(o.Args) != 1 || o.State != nil {
		return nil, false
	}
	items, ok := o.Args[0].([]any)
	return items, ok
}

// adoptProxies replaces the pickled proxies (RebuildProxy objects) in a
// result by *Proxy values, each owning a reference (an incref), as
// unpickling does in Python. It descends into lists, tuples and dict values.
func (c *Client) adoptProxies(ctx context.Context, v any, depth int) (any, error) {
	if depth > pickle.DefaultMaxDepth {
		return v, nil
	}
	switch x := v.(type) {
	case *pickle.Object:
		if x.Class == rebuildProxyClass {
			return c.rebuildProxy(ctx, x)
		}
	case []any:
		for i := range x {
			var err error
			if x[i], err = c.adoptProxies(ctx, x[i], depth+1); err != nil {
				return nil, err
			}
		}
	case pickle.Tuple:
		for i := range x {
			var err error
			if x[i], err = c.adoptProxies(ctx, x[i], depth+1); err != nil {
				return nil, err
			}
		}
	case *pickle.Dict:
		for _, it := range x.Items() {
			nv, err := c.adoptProxies(ctx, it.Value, depth+1)
			if err != nil {
				return nil, err
			}
			if nv != it.Value {
				if err := x.Set(it.Key, nv); err != nil {
					return nil, err
				}
			}
		}
	}
	return v, nil
}

// rebuildProxy is Python's RebuildProxy(func, token, serializer, kwds) in a
// client: a proxy with a reference of its own.
func (c *Client) rebuildProxy(ctx context.Context, o *pickle.Object) (*Proxy, error) {
	if len(o.Args) != 4 {
		return nil, fmt.Errorf("managers: RebuildProxy with %d arguments", len(o.Args))
	}
	class, _ := o.Args[0].(pickle.Global)
	token, err := tokenOf(o.Args[1])
	if err != nil {
		return nil, err
	}
	var exposed []string
	if kw, ok := o.Args[3].(*pickle.Dict); ok {
		if e, ok := kw.Get("exposed"); ok {
			exposed, _ = textList(e)
		}
	}
	owner, err := c.peer(token.Address)
	if err != nil {
		return nil, err
	}
	if _, err := owner.dispatch(ctx, "incref", token.ID); err != nil {
		return nil, err
	}
	return owner.newProxy(token, exposed, class), nil
}
