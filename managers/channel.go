package managers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mpconn/mpconn/pickle"
)

// serveChannel serves method calls on a connection after
// accept_connection, as Python's Server.serve_client does, until the peer
// closes it or the server stops.
//
// A call that waits (its context's Done is asked for: a get on an empty
// queue, an acquire, a wait) gets a watcher: a goroutine that reads the
// next message meanwhile, so that when the peer goes away the call's
// context ends, and a get gives up instead of taking an item nobody will
// receive. Calls that do not wait, nearly all, run with no other goroutine
// and no timer involved.
func (sc *serverConn) serveChannel() {
	ctx, cancel := context.WithCancel(sc.s.ctx)
	defer cancel()
	var (
		next   []byte // a message the watcher read
		exited = make(chan struct{}, 1)
	)
	watch := func() {
		go func() {
			var err error
			if next, err = sc.conn.RecvBytes(); err != nil {
				cancel() // the peer is gone, or the server closed the connection
			}
			exited <- struct{}{}
		}()
	}
	for {
		raw := next
		if raw == nil {
			var err error
			if raw, err = sc.conn.RecvBytes(); err != nil {
				return
			}
		}
		next = nil
		sc.setProtocol(raw)
		call := &callContext{Context: ctx, watch: watch}
		kind, value := sc.serveRequest(call, raw)
		if ctx.Err() == nil && sc.send(kind, value) != nil {
			cancel()
		}
		if call.end() {
			if ctx.Err() != nil {
				sc.conn.Close() // do not wait for a message that will not come
			}
			<-exited // it read the next message (or failed to)
		}
		if ctx.Err() != nil {
			return // the peer is gone or the server is stopping: nobody to answer
		}
	}
}

// callContext is the context of one call on a channel. The first time the
// call asks for Done, about to wait, it starts the channel's watcher; once
// the call has ended, asking starts nothing.
type callContext struct {
	context.Context
	watch func()

	mu       sync.Mutex
	ended    bool
	watching bool
}

func (c *callContext) Done() <-chan struct{} {
	c.mu.Lock()
	if !c.ended && !c.watching {
		c.watching = true
		c.watch()
	}
	c.mu.Unlock()
	return c.Context.Done()
}

// end marks the call ended and reports whether it started the watcher.
func (c *callContext) end() (watching bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended = true
	return c.watching
}

// serveRequest runs one channel request and returns the reply, following
// serve_client step by step: unpack, find the object, check the method is
// exposed (else the fallbacks), call it, and turn a result of a method in
// method_to_typeid into a new shared object.
func (sc *serverConn) serveRequest(ctx context.Context, raw []byte) (string, any) {
	s := sc.s
	req, e := s.parse(raw)
	if e != nil {
		return KindTraceback, sc.text(formatTraceback("serve_client", e))
	}
	if req.id == "0" {
		// CPython keeps '0' -> (None, ()) in id_to_obj, which does not
		// unpack into (obj, exposed, gettypeid).
		return KindTraceback, sc.text(formatTraceback("serve_client",
			raisef(ErrValueError, "not enough values to unpack (expected 3, got 2)")))
	}
	ent, ok := s.lookup(req.id)
	if !ok {
		return KindTraceback, sc.text(formatTraceback("serve_client", Raise(ErrKeyError, req.ident)))
	}
	if !req.named || !ent.exposedSet[req.method] {
		return sc.fallback(req, ent, raisef(ErrAttributeError, "method %s of %s object is not in exposed=%s",
			repr(req.ident2method()), classRepr(ent), setRepr(ent.exposed)))
	}
	if req.argsErr != nil {
		return KindError, req.argsErr.exceptionValue(sc.py2)
	}
	res, err := ent.obj.CallMethod(ctx, &Call{Method: req.method, Args: req.args, Kwargs: req.kwargs, Caller: sc.caller})
	if errors.Is(err, ErrNoMethod) {
		return sc.fallback(req, ent, raisef(ErrAttributeError, "'%s' object has no attribute '%s'", typeNameOf(ent), req.method))
	}
	if err != nil {
		we := asWireError(err)
		if we.Kind == KindTraceback {
			return KindTraceback, sc.text(formatTraceback("serve_client", we))
		}
		return KindError, we.exceptionValue(sc.py2)
	}
	if typeid := ent.methodToTypeid[req.method]; typeid != "" {
		s.mu.Lock()
		t, ok := s.registry[typeid]
		s.mu.Unlock()
		if !ok {
			return KindTraceback, sc.text(formatTraceback("serve_client", Raise(ErrKeyError, typeid)))
		}
		child, err := s.register(typeid, t, res)
		if err != nil {
			return KindTraceback, sc.text(formatTraceback("serve_client", asWireError(err)))
		}
		token := Token{Typeid: typeid, Address: s.Address(), ID: child.id}
		if sc.py2 {
			return KindProxy, pickle.Tuple{sc.textTuple(child.exposed), py2Token{token}}
		}
		return KindProxy, pickle.Tuple{sc.textTuple(child.exposed), token}
	}
	return KindReturn, sc.py2Value(res)
}

// ident2method is the method name as Python's message shows it.
func (r request) ident2method() any {
	if r.named {
		return r.method
	}
	return nil
}

// fallback answers a method that is not exposed or does not exist, as
// Python's fallback_mapping does: #GETVALUE, __str__ and __repr__ work on
// every object; anything else is a traceback showing the AttributeError
// and then the KeyError of the fallback lookup.
func (sc *serverConn) fallback(req request, ent *entry, attrErr *Error) (string, any) {
	var result any
	var err error
	switch req.method {
	case "#GETVALUE", "__str__", "__repr__":
		if req.argsErr != nil || len(req.args) > 0 || req.kwargs != nil {
			err = raisef(ErrTypeError, "fallback_%s() takes 4 positional arguments but %d were given",
				strings.Trim(strings.ToLower(req.method), "_#"), 4+len(req.args))
			break
		}
		switch req.method {
		case "#GETVALUE":
			result, err = valueOf(ent)
			if err != nil {
				// Python sends the object itself and fails to pickle it.
				text := formatTraceback("serve_client", asWireError(err))
				return KindUnserializable, sc.text(text)
			}
		default:
			result = sc.text(pyStr(ent.obj, sc.py2))
		}
	default:
		first := formatTraceback("serve_client", attrErr)
		key := req.ident2method()
		second := formatTraceback("serve_client", Raise(ErrKeyError, key))
		return KindTraceback, sc.text(first + "\nDuring handling of the above exception, another exception occurred:\n\n" + second)
	}
	if err != nil {
		return KindTraceback, sc.text(formatTraceback("serve_client", asWireError(err)))
	}
	return KindReturn, sc.py2Value(result)
}

// valueOf is what #GETVALUE returns: a copy of the referent.
func valueOf(ent *entry) (any, error) {
	if v, ok := ent.obj.(Valuer); ok {
		return v.PyValue()
	}
	return ent.referent, nil
}

// typeNameOf names the referent's Python type.
func typeNameOf(ent *entry) string {
	if t, ok := ent.obj.(interface{ pyTypeName() string }); ok {
		return t.pyTypeName()
	}
	if ro, ok := ent.obj.(*reflectObject); ok {
		return ro.v.Type().String()
	}
	return fmt.Sprintf("%T", ent.obj)
}

func classRepr(ent *entry) string { return "<class '" + typeNameOf(ent) + "'>" }

// setRepr shows an exposed set as Python shows one.
func setRepr(names []string) string {
	if len(names) == 0 {
		return "set()"
	}
	sorted := slices.Compact(slices.Sorted(slices.Values(names)))
	parts := make([]string, len(sorted))
	for i, n := range sorted {
		parts[i] = strRepr(n)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// py2Value adapts a result for a Python 2 peer where Python 2 needs it:
// values that know their Python 2 form (an array's typecode must be a
// byte string there) give it.
func (sc *serverConn) py2Value(v any) any {
	if p, ok := v.(py2Former); ok && sc.py2 {
		return p.py2Form()
	}
	return v
}

// py2Former is a result with a Python 2 specific pickle.
type py2Former interface {
	py2Form() any
}

// py2Token is a Token whose strings are byte strings, for Python 2 (whose
// proxies use token.typeid as a type name).
type py2Token struct{ Token }

func (t py2Token) MarshalPickle() (any, error) {
	return &pickle.Object{Class: tokenClass, New: true, Args: pickle.Tuple{},
		State: pickle.Tuple{[]byte(t.Typeid), t.Address, []byte(t.ID)}}, nil
}
