package managers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// ErrServerClosed is returned by Serve and ListenAndServe once the Server
// has been closed, by Close or by a client's shutdown request.
var ErrServerClosed = errors.New("managers: server closed")

// Type says how a Server makes and serves the objects of one typeid, as
// Python's BaseManager.register(typeid, callable, exposed=,
// method_to_typeid=) does.
type Type struct {
	// New makes the referent of a create(typeid, *args, **kwds) request
	// (Python's callable). The referent is an Object, or any other Go value
	// whose exported methods Python calls by their snake_case names (see
	// Reflect). Returning the same pointer again gives the same ident, as
	// Python's id() does. With New nil, a create must carry the referent
	// itself as its one argument, which is how a method listed in
	// MethodToTypeid hands its result over (SyncManager's Iterator).
	New func(ctx context.Context, call *Call) (any, error)
	// Exposed lists the methods proxies may call; nil takes the referent's
	// own list (Exposer, or Reflect's method names).
	Exposed []string
	// MethodToTypeid names the methods whose results stay in the server as
	// new shared objects of the given typeid, returned as proxies.
	MethodToTypeid map[string]string
}

// Singleton makes a Type.New that returns obj for every create, as the
// docs' callable=lambda: queue does.
func Singleton(obj any) func(context.Context, *Call) (any, error) {
	return func(_ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return obj, nil
	}
}

// Server is a manager: it holds shared objects and serves their methods to
// proxies, as the server of Python's BaseManager.get_server() does, for
// unmodified Python clients (BaseManager.connect(), SyncManager) and Go
// Clients alike.
//
// Every connection is served by a goroutine of its own, so a call blocked
// in one (a get on an empty queue, an acquire) delays no other. Objects
// live while their reference count is positive, counted as CPython's server
// counts (create, incref, decref). Requests are answered exactly as
// CPython's server answers them, malformed ones included: with the same
// reply kind and the same Python exception.
type Server struct {
	opts    options
	py2Opts []pickle.Option // decoding Python 2's requests

	ctx    context.Context // ends when the server stops
	cancel context.CancelFunc
	wg     sync.WaitGroup

	callers atomic.Uint64

	mu         sync.Mutex
	registry   map[string]Type
	objects    map[string]*entry // Python's id_to_obj and id_to_refcount
	local      map[string]*entry // id_to_local_proxy_obj: objects proxies stored in the server refer to
	byReferent map[any]*entry
	nextID     uint64
	address    any
	listeners  map[*connection.Listener]struct{}
	conns      map[*connection.Conn]struct{}
	closed     bool

	sharedMemory bool     // RegisterSharedMemoryManager: a SharedMemoryServer
	segments     []string // the segments it tracks
}

// entry is one shared object. Only refs changes after it is stored, under
// the Server's mutex.
type entry struct {
	id             string
	typeid         string
	obj            Object
	referent       any // what Type.New returned
	key            any // referent's identity, nil when it has none
	exposed        []string
	exposedSet     map[string]bool
	methodToTypeid map[string]string
	refs           int
}

// NewServer returns a Server with an empty registry, as BaseManager has.
// Register typeids (or RegisterSyncManager), then Serve. It needs
// WithAuthKey, or InsecureSkipAuth to accept anyone.
func NewServer(opts ...Option) *Server {
	o := buildOptions(opts)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts: o,
		// A Python 2 str is bytes: it stays bytes, and goes back to Python 2
		// as the str it was.
		py2Opts:    append(append([]pickle.Option(nil), o.pickleOpts...), pickle.Py2StringsAsBytes()),
		ctx:        ctx,
		cancel:     cancel,
		registry:   map[string]Type{},
		objects:    map[string]*entry{},
		local:      map[string]*entry{},
		byReferent: map[any]*entry{},
		listeners:  map[*connection.Listener]struct{}{},
		conns:      map[*connection.Conn]struct{}{},
	}
	if o.hasSrvrAddr {
		s.address = o.serverAddr
	}
	return s
}

// Register registers typeid (a later registration replaces an earlier one).
func (s *Server) Register(typeid string, t Type) error {
	if typeid == "" {
		return errors.New("managers: empty typeid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registry[typeid] = t
	return nil
}

// Done is closed when the server stops: Close, or a client's shutdown.
func (s *Server) Done() <-chan struct{} { return s.ctx.Done() }

// Address returns the address the server puts in its tokens (see
// WithServerAddress), nil before it serves.
func (s *Server) Address() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.address
}

// ListenAndServe listens on network and address (see Listen) and serves
// until the server is closed; then it returns ErrServerClosed.
func (s *Server) ListenAndServe(network, address string) error {
	nl, err := listen(s.ctx, network, address, &s.opts)
	if err != nil {
		return err
	}
	return s.Serve(nl)
}

// Close stops the server: it stops accepting, closes every connection
// (calls blocked in objects end), waits for its goroutines, drops its
// objects and unlinks the shared memory segments it tracks (see
// RegisterSharedMemoryManager). It returns nil, also when called again.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	s.cancel()
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	s.objects, s.local, s.byReferent = map[string]*entry{}, map[string]*entry{}, map[any]*entry{}
	s.mu.Unlock()
	s.unlinkSegments()
	return nil
}

// NumberOfObjects returns how many shared objects have a positive reference
// count (what Python's number_of_objects answers).
func (s *Server) NumberOfObjects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

// trackConn registers a connection so Close can close it; false once the
// server is closed.
func (s *Server) trackConn(c *connection.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrackConn(c *connection.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// serverConn is the server's side of one connection.
type serverConn struct {
	s      *Server
	conn   *connection.Conn
	codec  codec
	proto  int  // protocol of replies: the peer's, at most ours
	py2    bool // the peer writes protocol 2: Python 2.7
	caller uint64
}

// handle serves one authenticated connection: its first request is a
// control call, answered on it; accept_connection turns it into a channel.
func (s *Server) handle(conn *connection.Conn) {
	if !s.trackConn(conn) {
		conn.Close()
		return
	}
	defer s.untrackConn(conn)
	sc := &serverConn{s: s, conn: conn, codec: codec{opts: s.opts.pickleOpts}, caller: s.callers.Add(1)}
	raw, err := conn.RecvBytes()
	if err != nil {
		return
	}
	kind, value, method := sc.control(raw)
	if sc.send(kind, value) != nil || kind != KindReturn {
		return
	}
	switch method {
	case "accept_connection":
		blockChannel(conn)
		sc.serveChannel()
	case "shutdown":
		go s.Close() // Close waits for this goroutine
	}
}

// control runs the first request of a connection, as Python's
// _handle_request does, and returns the reply and the method it ran.
func (sc *serverConn) control(raw []byte) (kind string, value any, method string) {
	sc.setProtocol(raw)
	req, e := sc.s.parse(raw)
	if e == nil {
		if !req.named || sc.s.controlFor(req.method) == nil {
			e = raisef(ErrAssertionError, "%s unrecognized", repr(req.method))
		} else if req.argsErr != nil {
			e = req.argsErr
		}
	}
	if e != nil {
		return KindTraceback, sc.text(formatTraceback("_handle_request", e)), ""
	}
	result, err := sc.s.controlFor(req.method)(sc.s, sc, req)
	if err != nil {
		return KindTraceback, sc.text(formatTraceback(req.method, asWireError(err))), req.method
	}
	return KindReturn, result, req.method
}

// parse decodes and unpacks a request; what fails is reported as Python's
// server reports it, in a traceback.
func (s *Server) parse(raw []byte) (request, *Error) {
	opts := s.opts.pickleOpts
	if protocolOf(raw) == 2 {
		opts = s.py2Opts
	}
	v, err := decode(raw, opts)
	if err != nil {
		return request{}, raisef(pickleErrorType, "%v", err)
	}
	req, e := parseRequest(v)
	if e == nil && bytes.Contains(raw, []byte("RebuildProxy")) {
		s.keepProxiedObjects(req.args, 0)
		if req.kwargs != nil {
			s.keepProxiedObjects(req.kwargs.Keys(), 0)
			for _, it := range req.kwargs.Items() {
				s.keepProxiedObjects([]any{it.Value}, 0)
			}
		}
	}
	return req, e
}

// pickleErrorType is what Python raises for a message that does not
// unpickle.
var pickleErrorType = ExceptionType{"_pickle", "UnpicklingError"}

func (sc *serverConn) setProtocol(raw []byte) {
	p := protocolOf(raw)
	sc.py2 = p == 2
	sc.proto = min(max(p, 2), sc.s.opts.protocol)
}

// text is a str of the protocol (an ident, a method name, a traceback) as
// the peer expects it: Python 2 wants str (bytes), not unicode.
func (sc *serverConn) text(s string) any {
	if sc.py2 {
		return []byte(s)
	}
	return s
}

// send sends (kind, value). A value that does not pickle is replaced by
// ('#UNSERIALIZABLE', traceback), as CPython does.
func (sc *serverConn) send(kind string, value any) error {
	err := sc.codec.send(sc.conn, pickle.Tuple{kind, value}, sc.proto)
	if errors.Is(err, errEncode) {
		text := formatTraceback("serve_client", Raise(ErrTypeError, err.Error()))
		err = sc.codec.send(sc.conn, pickle.Tuple{KindUnserializable, sc.text(text)}, sc.proto)
	}
	return err
}

// formatTraceback writes an exception as Python's format_exc() does, with
// the server's frame in place of Python's; an error that is a traceback
// already (a Go object may return one) is kept as it is.
func formatTraceback(where string, e *Error) string {
	if e.Kind == KindTraceback && e.Traceback != "" {
		return e.Traceback
	}
	return "Traceback (most recent call last):\n" +
		"  File \"github.com/mpconn/mpconn/managers\", line 0, in " + where + "\n" +
		exceptionLine(e.Type, e.Args) + "\n"
}

// A control runs one of the requests a connection opens with.
type control func(s *Server, sc *serverConn, req request) (any, error)

// controlFor returns the control named method: one of Python's
// Server.public, or SharedMemoryServer's for a shared memory manager.
func (s *Server) controlFor(method string) control {
	if c := controls[method]; c != nil {
		return c
	}
	s.mu.Lock()
	sharedMemory := s.sharedMemory
	s.mu.Unlock()
	if sharedMemory {
		return sharedMemoryControls[method]
	}
	return nil
}

// controls are the root methods of Python's Server.public.
var controls = map[string]control{
	"dummy": func(s *Server, sc *serverConn, req request) (any, error) {
		return nil, req.call("dummy").noArgs()
	},
	"create": func(s *Server, sc *serverConn, req request) (any, error) {
		if len(req.args) == 0 {
			return nil, raisef(ErrTypeError, "create() missing 1 required positional argument: 'typeid'")
		}
		typeid, _ := asText(req.args[0])
		e, err := s.create(typeid, req.args[0], &Call{Method: typeid, Args: req.args[1:], Kwargs: req.kwargs, Caller: sc.caller, server: s})
		if err != nil {
			return nil, err
		}
		return pickle.Tuple{sc.text(e.id), sc.textTuple(e.exposed)}, nil
	},
	"incref": func(s *Server, sc *serverConn, req request) (any, error) {
		args, err := req.call("incref").bind(param{"ident", noDefault})
		if err != nil {
			return nil, err
		}
		return nil, s.incref(args[0])
	},
	"decref": func(s *Server, sc *serverConn, req request) (any, error) {
		args, err := req.call("decref").bind(param{"ident", noDefault})
		if err != nil {
			return nil, err
		}
		return nil, s.decref(args[0])
	},
	// handle then turns the connection into a channel.
	"accept_connection": func(s *Server, sc *serverConn, req request) (any, error) {
		_, err := req.call("accept_connection").bind(param{"name", noDefault})
		return nil, err
	},
	"get_methods": func(s *Server, sc *serverConn, req request) (any, error) {
		args, err := req.call("get_methods").bind(param{"token", noDefault})
		if err != nil {
			return nil, err
		}
		tok, err := tokenOf(args[0])
		if err != nil {
			return nil, raisef(ErrAttributeError, "%s object has no attribute 'id'", strRepr(typeName(args[0])))
		}
		s.mu.Lock()
		e, ok := s.objects[tok.ID]
		s.mu.Unlock()
		if !ok {
			return nil, Raise(ErrKeyError, tok.ID)
		}
		names := slices.Clone(e.exposed)
		slices.Sort(names)
		return sc.textTuple(slices.Compact(names)), nil
	},
	"debug_info": func(s *Server, sc *serverConn, req request) (any, error) {
		if err := req.call("debug_info").noArgs(); err != nil {
			return nil, err
		}
		return sc.text(s.debugInfo(sc.py2)), nil
	},
	"number_of_objects": func(s *Server, sc *serverConn, req request) (any, error) {
		return s.NumberOfObjects(), req.call("number_of_objects").noArgs()
	},
	"shutdown": func(s *Server, sc *serverConn, req request) (any, error) {
		if err := req.call("shutdown").noArgs(); err != nil {
			return nil, err
		}
		if s.opts.noShutdown {
			return nil, raisef(ErrRuntimeError, "this manager does not accept shutdown requests")
		}
		s.unlinkSegments() // before the reply, as SharedMemoryServer does
		return nil, nil
	},
}

// call is the request's arguments as a Call to bind.
func (r request) call(name string) *Call {
	return &Call{Method: name, Args: r.args, Kwargs: r.kwargs}
}

func (sc *serverConn) textTuple(names []string) pickle.Tuple {
	t := make(pickle.Tuple, len(names))
	for i, n := range names {
		t[i] = sc.text(n)
	}
	return t
}

// create makes a shared object of typeid (Python's Server.create): its
// reference count goes up by one, owned by the caller.
func (s *Server) create(typeid string, rawTypeid any, call *Call) (*entry, error) {
	s.mu.Lock()
	t, ok := s.registry[typeid]
	s.mu.Unlock()
	if !ok {
		return nil, Raise(ErrKeyError, rawTypeid)
	}
	var referent any
	if t.New == nil {
		if call.Kwargs != nil || len(call.Args) != 1 {
			return nil, raisef(ErrValueError, "Without callable, must have one non-keyword argument")
		}
		referent = call.Args[0]
	} else {
		var err error
		if referent, err = t.New(s.ctx, call); err != nil {
			return nil, err
		}
	}
	return s.register(typeid, t, referent)
}

// register stores referent as a shared object of typeid with one
// reference more.
func (s *Server) register(typeid string, t Type, referent any) (*entry, error) {
	obj, err := asObject(referent)
	if err != nil {
		return nil, err
	}
	exposed := t.Exposed
	if exposed == nil {
		if ex, ok := obj.(Exposer); ok {
			exposed = ex.Exposed()
		}
	}
	exposed = slices.Clone(exposed)
	for name := range t.MethodToTypeid {
		exposed = append(exposed, name)
	}
	set := make(map[string]bool, len(exposed))
	for _, n := range exposed {
		set[n] = true
	}
	key := identity(referent)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrServerClosed
	}
	e := &entry{typeid: typeid, obj: obj, referent: referent, key: key,
		exposed: exposed, exposedSet: set, methodToTypeid: t.MethodToTypeid, refs: 1}
	if old := s.byReferent[key]; key != nil && old != nil && s.objects[old.id] == old {
		// As in Python, creating the same object again re-registers it under
		// its ident, with the new typeid's exposed methods, and adds a
		// reference. Entries are never changed but for refs (calls in
		// progress read them without the lock): this one replaces the old.
		e.id, e.refs = old.id, old.refs+1
	} else {
		s.nextID++
		e.id = strconv.FormatUint(s.nextID, 16)
	}
	s.objects[e.id] = e
	if key != nil {
		s.byReferent[key] = e
	}
	return e, nil
}

// identity is what makes two referents the same object: the pointer (or
// channel) itself; other values are distinct objects every time.
func identity(v any) any {
	switch reflect.ValueOf(v).Kind() {
	case reflect.Pointer, reflect.Chan:
		return v
	}
	return nil
}

// incref adds a reference (Python's Server.incref). An ident only kept
// alive by a proxy stored in the server is tracked again.
func (s *Server) incref(ident any) error {
	id, _ := asText(ident)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.objects[id]; ok {
		e.refs++
		return nil
	}
	if e, ok := s.local[id]; ok {
		e.refs = 1
		s.objects[id] = e
		if e.key != nil {
			s.byReferent[e.key] = e
		}
		return nil
	}
	return Raise(ErrKeyError, ident)
}

// decref drops a reference (Python's Server.decref); at zero the object is
// forgotten.
func (s *Server) decref(ident any) error {
	id, _ := asText(ident)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.objects[id]
	if !ok {
		if _, local := s.local[id]; local {
			return nil
		}
		return Raise(ErrKeyError, ident)
	}
	if e.refs <= 0 {
		return raisef(ErrAssertionError, "Id %s (%s) has refcount %d, not 1+", id, typeName(e.referent), e.refs)
	}
	e.refs--
	if e.refs == 0 {
		delete(s.objects, id)
		if e.key != nil && s.byReferent[e.key] == e {
			delete(s.byReferent, e.key)
		}
	}
	return nil
}

// lookup finds the object a channel request names.
func (s *Server) lookup(id string) (*entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.objects[id]; ok {
		return e, true
	}
	e, ok := s.local[id]
	return e, ok
}

// debugInfo is Python's debug_info text.
func (s *Server) debugInfo(py2 bool) string {
	s.mu.Lock()
	entries := make([]*entry, 0, len(s.objects))
	for _, e := range s.objects {
		entries = append(entries, e)
	}
	refs := make(map[*entry]int, len(entries))
	for _, e := range entries {
		refs[e] = e.refs
	}
	s.mu.Unlock()
	slices.SortFunc(entries, func(a, b *entry) int { return strings.Compare(a.id, b.id) })
	lines := make([]string, len(entries))
	for i, e := range entries {
		str := pyStr(e.obj, py2)
		if len(str) > 75 {
			str = str[:75]
		}
		lines[i] = fmt.Sprintf("  %s:       refcount=%d\n    %s", e.id, refs[e], str)
	}
	return strings.Join(lines, "\n")
}

// pyStr is str(obj) for a referent, for a Python 2 peer or a Python 3 one.
func pyStr(obj Object, py2 bool) string {
	if r, ok := obj.(modalReprer); ok {
		return r.reprFor(py2)
	}
	if r, ok := obj.(Reprer); ok {
		return r.PyRepr()
	}
	if ro, ok := obj.(*reflectObject); ok {
		return fmt.Sprint(ro.v.Interface())
	}
	return fmt.Sprintf("<%T object>", obj)
}

// isOwnAddress reports whether a token's address is this server's: equal to
// it, or for TCP the same port on a loopback or unspecified host (a server
// bound to 0.0.0.0 is reached as 127.0.0.1, which Python would not match).
func (s *Server) isOwnAddress(addr any) bool {
	s.mu.Lock()
	own := s.address
	s.mu.Unlock()
	if own == nil || addr == nil {
		return false
	}
	if sameAddress(own, addr) {
		return true
	}
	n1, a1, err1 := goAddress(own)
	n2, a2, err2 := goAddress(addr)
	if err1 != nil || err2 != nil || n1 != "tcp" || n2 != "tcp" {
		return false
	}
	h1, p1, _ := net.SplitHostPort(a1)
	h2, p2, _ := net.SplitHostPort(a2)
	return p1 == p2 && (h1 == h2 || localHost(h1) && localHost(h2))
}

func localHost(h string) bool {
	if h == "" || h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// keepProxiedObjects keeps alive the objects of this server that proxies in
// a request refer to, as Python's RebuildProxy does in a manager process
// (id_to_local_proxy_obj): a proxy stored in a managed dict must still
// reach its object after every client has dropped it. The proxies
// themselves stay as they were decoded, and pickle back unchanged.
func (s *Server) keepProxiedObjects(items []any, depth int) {
	if depth > pickle.DefaultMaxDepth {
		return
	}
	for _, v := range items {
		switch x := v.(type) {
		case *pickle.Object:
			if x.Class != rebuildProxyClass || len(x.Args) != 4 {
				continue
			}
			tok, err := tokenOf(x.Args[1])
			if err != nil || !s.isOwnAddress(tok.Address) {
				continue
			}
			s.mu.Lock()
			if e, ok := s.objects[tok.ID]; ok {
				if _, kept := s.local[tok.ID]; !kept {
					s.local[tok.ID] = e
				}
			}
			s.mu.Unlock()
		case []any:
			s.keepProxiedObjects(x, depth+1)
		case pickle.Tuple:
			s.keepProxiedObjects(x, depth+1)
		case *pickle.Dict:
			for _, it := range x.Items() {
				s.keepProxiedObjects([]any{it.Key, it.Value}, depth+1)
			}
		}
	}
}

// referentOf returns the referent of one of this server's objects that a
// proxy in a request (a RebuildProxy) names, or nil.
func (s *Server) referentOf(v any) any {
	o, ok := v.(*pickle.Object)
	if !ok || o.Class != rebuildProxyClass || len(o.Args) != 4 {
		return nil
	}
	tok, err := tokenOf(o.Args[1])
	if err != nil || !s.isOwnAddress(tok.Address) {
		return nil
	}
	if e, ok := s.lookup(tok.ID); ok {
		return e.referent
	}
	return nil
}
