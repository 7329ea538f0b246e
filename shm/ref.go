package shm

import (
	"fmt"

	"github.com/mpconn/mpconn/pickle"
)

// The classes and functions the pickles of SharedMemory and ShareableList
// name.
var (
	classSharedMemory  = pickle.Global{Module: "multiprocessing.shared_memory", Name: "SharedMemory"}
	classShareableList = pickle.Global{Module: "multiprocessing.shared_memory", Name: "ShareableList"}
	rebuildPartial     = pickle.Global{Module: "multiprocessing.reduction", Name: "_rebuild_partial"}
	functoolsPartial   = pickle.Global{Module: "functools", Name: "partial"}
)

// SegmentRef is a SharedMemory as it travels in a pickle: a name and a
// size. Python's conn.send(shm) pickles SharedMemory(name, False, size);
// decoding that (Conn.RecvInto, pickle.Unmarshal into a SegmentRef, or
// UnmarshalPickle on the *pickle.Object that Conn.Recv gives) yields a
// SegmentRef, and sending one makes the Python receiver's recv() return a
// real SharedMemory attached to the segment.
//
// A Python receiver registers the segment with its resource tracker when it
// unpickles it, exactly as if it had attached by name, and its tracker will
// unlink the segment when that Python process exits, unless NoTrack is set
// (Python 3.13+) or the receiver unregisters it (see the package
// documentation).
type SegmentRef struct {
	Name string
	Size int
	// NoTrack sends functools.partial(SharedMemory, track=False)(name,
	// False, size) instead, so a Python 3.13+ receiver attaches without
	// registering the segment with its resource tracker. Python 3.8–3.12
	// have no track parameter: their recv() fails with a TypeError.
	NoTrack bool
}

// Ref returns the segment's reference (for Send; *Segment is itself a
// pickle.Marshaler that sends this).
func (s *Segment) Ref() SegmentRef { return SegmentRef{Name: s.name, Size: s.size} }

// MarshalPickle sends the segment as Python pickles a SharedMemory. An
// anonymous segment has no name to send and is an error.
func (s *Segment) MarshalPickle() (any, error) { return s.Ref().MarshalPickle() }

// Open attaches to the segment the reference names (see Open).
func (r SegmentRef) Open() (*Segment, error) { return Open(r.Name) }

// MarshalPickle returns the pickled form of a SharedMemory, byte for byte
// what CPython's conn.send(shm) writes when NoTrack is false.
func (r SegmentRef) MarshalPickle() (any, error) {
	if err := checkOpenName(r.Name); err != nil {
		return nil, fmt.Errorf("shm: sending a SharedMemory: %w", err)
	}
	args := pickle.Tuple{r.Name, false, r.Size}
	if !r.NoTrack {
		return &pickle.Object{Class: classSharedMemory, Args: args}, nil
	}
	kw := pickle.NewDict(1)
	if err := kw.Set("track", false); err != nil {
		return nil, err
	}
	return &pickle.Object{Class: partialOf(classSharedMemory, args, kw), Args: pickle.Tuple{}}, nil
}

// partialOf is functools.partial(f, *args, **kw) as multiprocessing's
// ForkingPickler writes it: multiprocessing.reduction._rebuild_partial(f,
// args, kw), present in every Python 3.
func partialOf(f pickle.Global, args pickle.Tuple, kw *pickle.Dict) *pickle.Object {
	return &pickle.Object{Class: rebuildPartial, Args: pickle.Tuple{f, args, kw}}
}

// UnmarshalPickle accepts what a SharedMemory decodes to in the pickle
// package's value model: SharedMemory(name, create, size) with create
// false, or a partial of SharedMemory carrying those arguments (and
// track=...), as MarshalPickle writes with NoTrack.
func (r *SegmentRef) UnmarshalPickle(v any) error {
	call, err := parseCall(v, classSharedMemory)
	if err != nil {
		return err
	}
	if len(call.args) != 3 {
		return refError(v, "SharedMemory", fmt.Sprintf("%d arguments, want (name, False, size)", len(call.args)))
	}
	name, okName := call.args[0].(string)
	create, okCreate := call.args[1].(bool)
	size, okSize := call.args[2].(int64)
	switch {
	case !okName || !okCreate || !okSize:
		return refError(v, "SharedMemory", fmt.Sprintf("arguments %v, want (str, bool, int)", call.args))
	case create:
		return refError(v, "SharedMemory", "create=True: a pickle attaches, it never creates")
	case size < 0 || int64(int(size)) != size:
		return refError(v, "SharedMemory", fmt.Sprintf("size %d", size))
	}
	ref := SegmentRef{Name: name, Size: int(size)}
	for k, val := range call.kw {
		track, ok := val.(bool)
		if k != "track" || !ok {
			return refError(v, "SharedMemory", fmt.Sprintf("keyword %s=%v", k, val))
		}
		ref.NoTrack = !track
	}
	*r = ref
	return nil
}

// ListRef is a ShareableList as it travels in a pickle: the name of its
// segment. Python's conn.send(sl) pickles functools.partial(ShareableList,
// name=name)(); decoding that (or the form plain pickle.dumps writes)
// yields a ListRef, and sending one makes the Python receiver's recv()
// return a real ShareableList attached to the segment.
//
// ShareableList has no track parameter in any Python version: a Python
// receiver always registers the segment with its resource tracker, which
// unlinks it when that Python process exits unless the receiver calls
// resource_tracker.unregister(sl.shm._name, "shared_memory").
type ListRef struct {
	Name string
}

// Ref returns the list's reference (for Send; *List is itself a
// pickle.Marshaler that sends this).
func (l *List) Ref() ListRef { return ListRef{Name: l.seg.name} }

// MarshalPickle sends the list as Python's conn.send pickles a
// ShareableList.
func (l *List) MarshalPickle() (any, error) { return l.Ref().MarshalPickle() }

// Open attaches to the list the reference names (see OpenList).
func (r ListRef) Open() (*List, error) { return OpenList(r.Name) }

// MarshalPickle returns the pickled form of a ShareableList, byte for byte
// what CPython's conn.send(sl) writes.
func (r ListRef) MarshalPickle() (any, error) {
	if err := checkOpenName(r.Name); err != nil {
		return nil, fmt.Errorf("shm: sending a ShareableList: %w", err)
	}
	kw := pickle.NewDict(1)
	if err := kw.Set("name", r.Name); err != nil {
		return nil, err
	}
	return &pickle.Object{Class: partialOf(classShareableList, pickle.Tuple{}, kw), Args: pickle.Tuple{}}, nil
}

// UnmarshalPickle accepts what a ShareableList decodes to in the pickle
// package's value model: partial(ShareableList, name=name)(), as
// multiprocessing's conn.send writes it (_rebuild_partial) or as plain
// pickle.dumps writes it (functools.partial with its state).
func (r *ListRef) UnmarshalPickle(v any) error {
	call, err := parseCall(v, classShareableList)
	if err != nil {
		return err
	}
	name, ok := call.kw["name"].(string)
	if len(call.args) != 0 || len(call.kw) != 1 || !ok {
		return refError(v, "ShareableList", fmt.Sprintf("arguments %v %v, want name=str only", call.args, call.kw))
	}
	*r = ListRef{Name: name}
	return nil
}

// call is a decoded call of class: its positional and keyword arguments.
type call struct {
	args pickle.Tuple
	kw   map[string]any
}

// parseCall recognises class(*args) and the partial forms
// partial(class, *args, **kw)(*more): _rebuild_partial(class, args, kw)
// (multiprocessing's reducer) and functools.partial(class) with
// (class, args, kw, dict) as its BUILD state (plain pickle).
func parseCall(v any, class pickle.Global) (call, error) {
	o, ok := v.(*pickle.Object)
	if !ok || o == nil {
		return call{}, refError(v, class.Name, "not a pickled object")
	}
	if g, ok := o.Class.(pickle.Global); ok && g == class && !o.New && o.State == nil {
		return call{args: o.Args}, nil
	}
	p, ok := o.Class.(*pickle.Object)
	if !ok || p == nil || o.New || o.State != nil {
		return call{}, refError(v, class.Name, fmt.Sprintf("a call of %v", o.Class))
	}
	var parts pickle.Tuple // (func, args, kw)
	switch p.Class {
	case rebuildPartial:
		parts = p.Args
	case functoolsPartial:
		st, ok := p.State.(pickle.Tuple)
		if !ok || len(st) != 4 || st[3] != nil {
			return call{}, refError(v, class.Name, "a functools.partial without the (func, args, keywords, None) state")
		}
		parts = st[:3]
	default:
		return call{}, refError(v, class.Name, fmt.Sprintf("a call of %v", p.Class))
	}
	if len(parts) != 3 || parts[0] != class {
		return call{}, refError(v, class.Name, fmt.Sprintf("a partial of %v", parts))
	}
	args, okArgs := parts[1].(pickle.Tuple)
	c := call{args: append(append(pickle.Tuple{}, args...), o.Args...), kw: map[string]any{}}
	switch kw := parts[2].(type) {
	case nil:
	case *pickle.Dict:
		for k, val := range kw.All() {
			ks, ok := k.(string)
			if !ok {
				return call{}, refError(v, class.Name, fmt.Sprintf("keyword %v", k))
			}
			c.kw[ks] = val
		}
	default:
		okArgs = false
	}
	if !okArgs {
		return call{}, refError(v, class.Name, "a partial whose arguments are not (tuple, dict)")
	}
	return c, nil
}

func refError(v any, class, reason string) error {
	return fmt.Errorf("%w: want a %s, got %T: %s", ErrNotRef, class, v, reason)
}
