// Package managers speaks the protocol of Python's multiprocessing.managers,
// both ways: a Client uses the shared objects of a running Python manager
// (BaseManager, SyncManager), and a Server is a manager that unmodified
// Python clients use. It is built on package connection (framing, the HMAC
// handshake) and package pickle.
//
// # The protocol
//
// A manager holds objects (referents) under string idents and counts
// references to them. Every connection starts with the mutual handshake of
// multiprocessing.connection and then carries pickles: requests
// (ident, methodname, args, kwds) and replies (kind, value), where kind is
// '#RETURN' (the result), '#ERROR' (the exception the method raised),
// '#TRACEBACK' (anything else that failed in the server), '#PROXY' (a result
// kept in the server, reached through a new proxy) or '#UNSERIALIZABLE'.
// Control requests (create, incref, decref, get_methods, number_of_objects,
// debug_info, shutdown, dummy) each take a connection of their own;
// accept_connection turns a connection into a channel that carries method
// calls until it closes.
//
// # Client
//
// Dial connects as BaseManager.connect() does. Create makes an object of a
// registered typeid and returns a *Proxy owning one reference to it; Call,
// CallKw and CallInto call its methods by name, Close releases it. The
// typed proxies (QueueProxy, DictProxy, ListProxy, AcquirerProxy,
// ConditionProxy, EventProxy, BarrierProxy, ValueProxy, ArrayProxy,
// NamespaceProxy, IteratorProxy) name their methods after Python's, and the
// Client's Queue, Dict, List, Lock, … methods create SyncManager's objects.
//
// Calls from many goroutines run at once: the Client keeps a pool of
// channels, where a Python process keeps one per thread. The referents of
// RLock and Condition have an owner, the channel that acquired them, so
// their proxies keep one channel of their own (the proxy is the owner); a
// second owner is a Clone.
//
// A Python exception arrives as an *Error that keeps its class, arguments
// and (for '#TRACEBACK') the server's traceback text; errors.Is matches it
// against the Err… ExceptionTypes, such as ErrEmpty for queue.Empty in any
// Python version's spelling. A call whose context ends returns at once and
// leaves the proxy usable.
//
// A Proxy pickles as Python pickles a proxy (RebuildProxy of its Token), so
// it can be put on a queue for another process, and a proxy found in a
// result becomes a *Proxy with a reference of its own.
//
// # Server
//
// NewServer, then Register typeids (Python's BaseManager.register) or
// RegisterSyncManager, then Serve a listener from Listen (or
// ListenAndServe). The referents are Objects: SyncManager's are Go types
// with Python's semantics (Queue, Lock, RLock, Semaphore, Condition, Event,
// Barrier, Dict, List, Value, Array, Namespace, Set), and any other Go
// value is served by reflection, its exported methods called by their
// snake_case names with arguments decoded into the parameters' types.
//
// Each connection has a goroutine of its own, so a call blocked in an
// object (a get on an empty queue, an acquire) delays no other; it ends
// when its channel closes or the server stops. Objects live while their
// reference count is positive, counted as CPython counts. Requests are
// answered as CPython's server answers them, malformed ones included, with
// the same reply kind and the same Python exception; the interop tests send
// both servers the same requests and compare. A client's shutdown request
// stops the server unless RefuseShutdown; Close stops it from Go.
//
// # Channels and threads
//
// A channel carries one request and one reply at a time, so every read on
// it waits for the peer. On Unix, up to GOMAXPROCS-1 channels of the
// process (client's or server's) do that as CPython's threads do: their
// sockets leave Go's network poller and their reads and writes block an OS
// thread in the kernel, which costs about half the CPU per call of parking
// a goroutine on the poller (a failed read, epoll_wait and scheduler
// wake-ups each time). The others, and every channel elsewhere, stay on
// the poller, where a thousand idle peers cost no thread; closing wakes a
// blocked channel (the socket is shut down first). On Linux, TCP
// connections acknowledge a Python client's first messages at once
// (TCP_QUICKACK), which spares each of its control requests the 40 ms
// CPython's own manager makes it wait.
//
// # Shared memory
//
// A Python SharedMemoryManager is a manager whose server also tracks
// shared memory segments for its clients and unlinks them when it shuts
// down. A Client uses one with SharedMemory, ShareableList (which create
// the segment here, with package shm, and have it tracked), TrackSegment,
// ReleaseSegment and ListSegments; RegisterSharedMemoryManager makes a
// Server answer the same requests for Python's SharedMemoryManager clients.
//
// # Python versions
//
// Python 2.7 reads and writes pickle protocol 2, 3.6 and 3.7 write 3, 3.8
// to 3.13 write 4 and 3.14 writes 5. A Server answers each request in the
// protocol it came in (never newer than WithProtocol's, 4 by default); a
// Client lowers its protocol to the server's replies, retrying its first
// request for a Python 2.7 server. A Server keeps a Python 2 str as the
// bytes it is, so that it goes back to Python 2 as the same str.
//
// # Security
//
// The authkey is the only protection, as in Python, and every request is a
// pickle: a Listener needs WithAuthKey unless InsecureSkipAuth. The decoder
// executes nothing (a Python class arrives as a *pickle.Object), message
// sizes and decoding are bounded by the connection and pickle limits
// (WithConnectionOptions, WithPickleOptions), and a request cannot make the
// server grow a list without bound. Anyone with the key can still call any
// exposed method of any object, decref other clients' objects, or shut the
// server down, as with CPython's manager.
package managers
