package shm

import (
	"fmt"
	"strings"
)

// List is a ShareableList in a segment: Python's
// multiprocessing.shared_memory.ShareableList, read and written in place.
// A Python process attached to the same segment sees every Set at once, and
// Go sees Python's assignments, as two Python processes would.
//
// Like Python's, a List reads its item count and slot offsets once, when it
// is opened, and the item's format, code and value on every Get. There is
// no lock, in Python or here: a reader can see an item half-written by a
// concurrent writer in any process.
type List struct {
	seg *Segment
	h   listHeader
}

// CreateList makes a segment holding a ShareableList of items, as Python's
// ShareableList(items, name=name) does (an empty name draws one), in
// Layout39 unless WithLayout says otherwise. Items are as for EncodeList; a
// value it refuses is an error before anything is created. WithMode and
// WithPrealloc apply to the segment.
func CreateList(name string, items []any, opts ...Option) (*List, error) {
	enc, h, err := encodeList(items, newConfig(opts).layout)
	if err != nil {
		return nil, err
	}
	seg, err := Create(name, h.size(), opts...)
	if err != nil {
		return nil, err
	}
	// A fresh segment of our own: nothing else can have truncated it yet,
	// but the write goes through the same checked path as every other.
	seg.mu.RLock()
	err = seg.guard(func() { h.write(seg.mem, enc) })
	seg.mu.RUnlock()
	if err != nil {
		_ = seg.Close()
		_ = Unlink(seg.name)
		return nil, err
	}
	return &List{seg: seg, h: h}, nil
}

// OpenList attaches to the segment name and reads the ShareableList in it,
// detecting its layout, as Python's ShareableList(name=name) does. A
// segment that does not hold a well-formed list is a *ListError.
func OpenList(name string) (*List, error) {
	seg, err := Open(name)
	if err != nil {
		return nil, err
	}
	l, err := seg.List()
	if err != nil {
		_ = seg.Close()
		return nil, err
	}
	return l, nil
}

// List reads the ShareableList in the segment (one received as a
// SegmentRef, for instance). The List uses s: closing either closes both.
func (s *Segment) List() (*List, error) {
	l := &List{seg: s}
	err := l.access(func(mem []byte) error {
		var err error
		l.h, err = parseHeader(mem)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// access runs f on the segment's memory with faults checked.
func (l *List) access(f func(mem []byte) error) error {
	var ferr error
	if err := l.seg.Access(func(mem []byte) { ferr = f(mem) }); err != nil {
		return err
	}
	return ferr
}

// Len returns the number of items, as read when the list was opened (the
// count of a ShareableList never changes).
func (l *List) Len() int { return l.h.n }

// Layout returns the list's layout.
func (l *List) Layout() Layout { return l.h.layout }

// Name returns the segment's name.
func (l *List) Name() string { return l.seg.Name() }

// Segment returns the segment holding the list.
func (l *List) Segment() *Segment { return l.seg }

func (l *List) checkIndex(i int) error {
	if i < 0 || i >= l.h.n {
		return fmt.Errorf("shm: ShareableList index %d out of range [0, %d)", i, l.h.n)
	}
	return nil
}

// Get returns item i as Python's sl[i] would: int64, float64, bool,
// string, []byte (a copy) or nil. An item Python could not read either is a
// *ListError.
func (l *List) Get(i int) (v any, err error) {
	if err := l.checkIndex(i); err != nil {
		return nil, err
	}
	err = l.access(func(mem []byte) error {
		v, err = l.h.item(mem, i)
		return err
	})
	return v, err
}

// Items returns every item (see Get).
func (l *List) Items() ([]any, error) {
	items := make([]any, l.h.n)
	err := l.access(func(mem []byte) error {
		for i := range items {
			var err error
			if items[i], err = l.h.item(mem, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// Format returns the concatenated item formats, as Python's sl.format, for
// instance "qd8s8sxxxxxx?xxxxxxxx?".
func (l *List) Format() (string, error) {
	var b strings.Builder
	err := l.access(func(mem []byte) error {
		for i := range l.h.n {
			f, _, err := l.h.itemFormat(mem, i)
			if err != nil {
				return err
			}
			b.WriteString(f)
		}
		return nil
	})
	return b.String(), err
}

// Set stores v at index i following Python's __setitem__, so a Python
// reader never sees a state Python could not have written: slots keep the
// size they got at creation; a non-str value takes its type's format (an
// int into a str slot becomes "q", writing its first 8 bytes only); a str or
// bytes value must fit the slot (ErrItemTooLong otherwise) and keeps the
// slot's "<w>s" format if it has one. Values are as for EncodeList.
//
// Where Python would silently truncate (a slot whose "<w>s" format is
// narrower than the slot, which only a foreign writer makes), Set returns
// ErrItemTooLong instead. Nothing is written when Set returns an error.
func (l *List) Set(i int, v any) error {
	if err := l.checkIndex(i); err != nil {
		return err
	}
	e, err := encodeItem(i, v)
	if err != nil {
		return err
	}
	return l.access(func(mem []byte) error {
		room := l.h.slots[i+1] - l.h.slots[i]
		if !e.isBytes {
			if room < 8 {
				return &ListError{Index: i, Offset: l.h.slots[i], Reason: fmt.Sprintf("an 8-byte value does not fit the %d-byte slot", room)}
			}
			l.h.putItem(mem, i, &e, e.format, 8)
			return nil
		}
		tooLong := func(width int) error {
			return &ItemError{Index: i, Value: v, Reason: fmt.Sprintf("%d bytes, the slot holds %d", len(e.data), width), tooLong: true}
		}
		if len(e.data) > room {
			return tooLong(room)
		}
		format, width, ferr := l.h.itemFormat(mem, i)
		if ferr != nil || !strings.HasSuffix(format, "s") {
			// Python: a slot without an "s" format gets one of its full size.
			if room > maxSlot {
				return &ListError{Index: i, Offset: l.h.slots[i], Reason: fmt.Sprintf("a %d-byte slot has no Python format", room)}
			}
			format, width = slotFormat(room), room
		}
		switch {
		case width > room:
			return &ListError{Index: i, Offset: l.h.fmtOff + 8*i, Reason: fmt.Sprintf("format %q is wider than the %d-byte slot", format, room)}
		case len(e.data) > width:
			return tooLong(width)
		}
		l.h.putItem(mem, i, &e, format, width)
		return nil
	})
}

// Close unmaps the list's segment (see Segment.Close).
func (l *List) Close() error { return l.seg.Close() }

// Unlink removes the list's segment name (see Segment.Unlink).
func (l *List) Unlink() error { return l.seg.Unlink() }
