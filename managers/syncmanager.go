package managers

import (
	"context"
	"slices"

	"github.com/mpconn/mpconn/pickle"
)

// syncType describes one of SyncManager's typeids once, for both sides: the
// proxy class a Python client uses (which is what a proxy pickles as),
// whether the referent has an owner (so a Go proxy keeps one channel), and
// how a Go server makes and serves it.
type syncType struct {
	typeid string
	proxy  string // class in multiprocessing.managers; "" for AutoProxy
	owned  bool   // the referent tracks its owner (the channel): RLock, Condition
	server Type   // zero when a Go server does not serve it
}

// syncTypes is SyncManager's registry (Lib/multiprocessing/managers.py),
// in its order. Pool and AsyncResult run Python functions in the manager; a
// Go server does not serve them (create answers KeyError, as for any
// unregistered typeid), but a Go client can use them on a Python manager.
var syncTypes = []syncType{
	{typeid: "Queue", server: Type{New: newQueue}},
	{typeid: "JoinableQueue", server: Type{New: newQueue}},
	{typeid: "Event", proxy: "EventProxy", server: Type{New: newEvent}},
	{typeid: "Lock", proxy: "AcquirerProxy", server: Type{New: newLock}},
	{typeid: "RLock", proxy: "AcquirerProxy", owned: true, server: Type{New: newRLock}},
	{typeid: "Semaphore", proxy: "AcquirerProxy", server: Type{New: newSemaphore}},
	{typeid: "BoundedSemaphore", proxy: "AcquirerProxy", server: Type{New: newBoundedSemaphore}},
	{typeid: "Condition", proxy: "ConditionProxy", owned: true, server: Type{New: newCondition}},
	{typeid: "Barrier", proxy: "BarrierProxy", server: Type{New: newBarrier}},
	{typeid: "Pool", proxy: "PoolProxy"},
	{typeid: "list", proxy: "ListProxy", server: Type{New: newList}},
	{typeid: "dict", proxy: "DictProxy", server: Type{New: newDict, MethodToTypeid: map[string]string{"__iter__": "Iterator"}}},
	{typeid: "Value", proxy: "ValueProxy", server: Type{New: newValue}},
	{typeid: "Array", proxy: "ArrayProxy", server: Type{New: newArray}},
	{typeid: "Namespace", proxy: "NamespaceProxy", server: Type{New: newNamespace}},
	{typeid: "Iterator", proxy: "IteratorProxy", server: Type{}},
	{typeid: "AsyncResult"},
	{typeid: "set", proxy: "SetProxy", server: Type{New: newSet}},
}

func syncTypeOf(typeid string) (syncType, bool) {
	for _, t := range syncTypes {
		if t.typeid == typeid {
			return t, true
		}
	}
	return syncType{}, false
}

// proxyClassFor is the func a pickled proxy of typeid names: SyncManager's
// proxy class, else AutoProxy (BaseManager.register's default).
func proxyClassFor(typeid string) pickle.Global {
	if t, ok := syncTypeOf(typeid); ok && t.proxy != "" {
		return pickle.Global{Module: "multiprocessing.managers", Name: t.proxy}
	}
	return autoProxyClass
}

// isPinned reports whether proxies of typeid keep a channel of their own.
func (c *Client) isPinned(typeid string) bool {
	t, ok := syncTypeOf(typeid)
	return ok && t.owned || slices.Contains(c.opts.owned, typeid)
}

// RegisterSyncManager registers SyncManager's typeids on s, served by Go
// objects with Python's semantics: Queue, JoinableQueue, Event, Lock,
// RLock, Semaphore, BoundedSemaphore, Condition, Barrier, list, dict (and
// its Iterator), Value, Array, Namespace and set. Python clients use them
// through SyncManager(address, authkey).connect().
func (s *Server) RegisterSyncManager() error {
	for _, t := range syncTypes {
		if t.server.New == nil && t.typeid != "Iterator" {
			continue
		}
		if err := s.Register(t.typeid, t.server); err != nil {
			return err
		}
	}
	return nil
}

// The SyncManager constructors of a Client, named after Python's: each
// creates the object in the manager and returns its typed proxy.

// Queue creates a queue.Queue (m.Queue(maxsize); 0 is unbounded).
func (c *Client) Queue(ctx context.Context, maxsize int) (QueueProxy, error) {
	p, err := c.Create(ctx, "Queue", maxsize)
	return QueueProxy{p}, err
}

// JoinableQueue creates a queue.Queue under the JoinableQueue typeid.
func (c *Client) JoinableQueue(ctx context.Context, maxsize int) (QueueProxy, error) {
	p, err := c.Create(ctx, "JoinableQueue", maxsize)
	return QueueProxy{p}, err
}

// Dict creates a dict (m.dict(init)); init may be nil, a map, a
// *pickle.Dict or a list of pairs.
func (c *Client) Dict(ctx context.Context, init any) (DictProxy, error) {
	var args []any
	if init != nil {
		args = []any{init}
	}
	p, err := c.Create(ctx, "dict", args...)
	return DictProxy{p}, err
}

// List creates a list (m.list(items)).
func (c *Client) List(ctx context.Context, items []any) (ListProxy, error) {
	p, err := c.Create(ctx, "list", items)
	return ListProxy{p}, err
}

// Lock creates a threading.Lock (m.Lock()).
func (c *Client) Lock(ctx context.Context) (AcquirerProxy, error) {
	p, err := c.Create(ctx, "Lock")
	return AcquirerProxy{p}, err
}

// RLock creates a threading.RLock (m.RLock()); its proxy is pinned.
func (c *Client) RLock(ctx context.Context) (AcquirerProxy, error) {
	p, err := c.Create(ctx, "RLock")
	return AcquirerProxy{p}, err
}

// Semaphore creates a threading.Semaphore(value) (m.Semaphore(value)).
func (c *Client) Semaphore(ctx context.Context, value int) (AcquirerProxy, error) {
	p, err := c.Create(ctx, "Semaphore", value)
	return AcquirerProxy{p}, err
}

// BoundedSemaphore creates a threading.BoundedSemaphore(value).
func (c *Client) BoundedSemaphore(ctx context.Context, value int) (AcquirerProxy, error) {
	p, err := c.Create(ctx, "BoundedSemaphore", value)
	return AcquirerProxy{p}, err
}

// Condition creates a threading.Condition with its own RLock
// (m.Condition()); its proxy is pinned.
func (c *Client) Condition(ctx context.Context) (ConditionProxy, error) {
	p, err := c.Create(ctx, "Condition")
	return ConditionProxy{AcquirerProxy{p}}, err
}

// Event creates a threading.Event (m.Event()).
func (c *Client) Event(ctx context.Context) (EventProxy, error) {
	p, err := c.Create(ctx, "Event")
	return EventProxy{p}, err
}

// Barrier creates a threading.Barrier(parties) (m.Barrier(parties)).
func (c *Client) Barrier(ctx context.Context, parties int) (BarrierProxy, error) {
	p, err := c.Create(ctx, "Barrier", parties)
	return BarrierProxy{p}, err
}

// Value creates a Value(typecode, value) (m.Value('i', 0)); the manager
// holds the value as given (Python does not check the typecode either).
func (c *Client) Value(ctx context.Context, typecode string, value any) (ValueProxy, error) {
	p, err := c.Create(ctx, "Value", typecode, value)
	return ValueProxy{p}, err
}

// Array creates an array.array(typecode, items) (m.Array('i', [1, 2])).
func (c *Client) Array(ctx context.Context, typecode string, items []any) (ArrayProxy, error) {
	p, err := c.Create(ctx, "Array", typecode, items)
	return ArrayProxy{p}, err
}

// Namespace creates a Namespace with attrs (m.Namespace(**attrs)).
func (c *Client) Namespace(ctx context.Context, attrs map[string]any) (NamespaceProxy, error) {
	p, err := c.CreateKw(ctx, "Namespace", nil, attrs)
	return NamespaceProxy{p}, err
}
