// Package shm shares memory with Python's multiprocessing.shared_memory:
// segments that a Go program and unmodified CPython 3.8–3.14 processes map
// at the same time, ShareableLists both read and write in place, and the
// pickled references that carry them over multiprocessing connections.
// Large arrays then move between Go and Python without a byte crossing a
// socket.
//
// # Segments
//
// Create makes a named POSIX segment as Python's SharedMemory(name,
// create=True, size=n) does (an empty name draws a Python-style "psm_"
// name); Open attaches to one by name, as SharedMemory(name) does; Unlink
// removes the name. Bytes is the memory itself, and View lays typed slices
// over it ([]float64, []int32, ...), the way numpy lays an ndarray over
// shm.buf: dtype and shape travel out of band, for instance in a
// ShareableList, and Format gives the character Python's memoryview.cast
// and numpy take for each Go type.
//
// CreateAnonymous makes a segment without a name (a memfd) for a child
// process: pass File() in exec.Cmd.ExtraFiles and the child maps the
// descriptor with mmap.mmap(fd, 0). Map does the same on the Go side, for a
// descriptor a Go program inherited.
//
// Segments are supported on Linux, where POSIX shared memory lives in
// /dev/shm and needs no libc. Elsewhere the functions that make or map a
// segment return errors.ErrUnsupported; the ShareableList codec, View and
// the references work everywhere.
//
// # Python's resource tracker
//
// Every Python process that creates or attaches to a SharedMemory — and
// every one that unpickles a SharedMemory or ShareableList — registers the
// segment with its resource tracker, which unlinks every segment still
// registered when that process (tree) exits (CPython gh-82300). A Go
// segment attached by a Python process therefore disappears when the Python
// process ends, unless the Python side opts out:
//
//	shm = shared_memory.SharedMemory(name, track=False)   # Python 3.13+
//
//	shm = shared_memory.SharedMemory(name)                # 3.8-3.12
//	resource_tracker.unregister(shm._name, "shared_memory")
//
//	sl = shared_memory.ShareableList(name=name)           # no track= in any version
//	resource_tracker.unregister(sl.shm._name, "shared_memory")
//
// (Use one or the other: unregistering a segment attached with track=False
// makes the tracker log a KeyError.) A SegmentRef with NoTrack set is
// unpickled by Python 3.13+ with track=False. The other way round, a
// segment Python created vanishes when the creating Python process exits,
// unless it unregisters it; Go's mapping stays valid but the name is gone.
// Go has no tracker: nothing here unlinks a segment except Unlink.
//
// # ShareableList
//
// A List is a ShareableList in a segment: CreateList, OpenList and
// Segment.List open one; Get, Set, Items and Format behave as Python's
// indexing, assignment and format do, including Python's rules for
// in-place updates (slots keep their creation size). Items are int64,
// float64, bool, string, []byte or nil; any Go integer kind, float32 and
// named types of these kinds are accepted on writing.
//
// Python 3.8 and 3.9+ lay lists out differently and cannot read each
// other's: readers here detect the layout, writers choose it (WithLayout,
// Layout39 by default). Two Python bugs are not reproduced: a str's slot is
// sized by its UTF-8 bytes, not its characters (gh-88336), and values
// ending in NUL bytes, which Python strips when reading (gh-96779), are
// refused. A malformed or hostile list is a *ListError, never a panic.
// EncodeList and DecodeList are the codec alone, on bytes.
//
// # References over connections
//
// A *Segment, *List, SegmentRef or ListRef sent with connection.Conn.Send
// arrives in Python's recv() as a real SharedMemory or ShareableList,
// attached to the segment; what Python's conn.send(shm) or conn.send(sl)
// writes decodes with Conn.RecvInto into a SegmentRef or ListRef (also
// inside structs), and a *pickle.Object that Conn.Recv returned converts
// with their UnmarshalPickle method. Their Open methods attach.
//
// # Faults
//
// If another process truncates a segment (or tmpfs cannot back a page), the
// next access to a page past the end raises SIGBUS, which the Go runtime
// makes fatal. Segment.Access, ReadAt, WriteAt and every List method turn
// such a fault into a *FaultError instead, using debug.SetPanicOnFault for
// the goroutine while they run; direct accesses through Bytes and View
// slices outside Access are not covered and crash the program. Never
// shrink a segment another process has mapped; WithPrealloc makes a full
// /dev/shm an error at Create rather than a fault later.
//
// There is no locking: as in Python, concurrent writers, in any process,
// must coordinate through other means (a connection, a manager's Lock).
//
// Python's SharedMemoryManager, which unlinks the segments its clients made
// when it shuts down, is in package managers: Client.SharedMemory and
// Client.ShareableList make the segment with this package and have the
// manager track it, and Server.RegisterSharedMemoryManager serves Python's
// SharedMemoryManager clients.
package shm
