package shm

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidName: a segment name this package refuses (see Create and
	// Open for the rules).
	ErrInvalidName = errors.New("shm: invalid segment name")
	// ErrInvalidSize: a segment size that is not positive (Python's
	// ValueError for size <= 0).
	ErrInvalidSize = errors.New("shm: segment size must be positive")
	// ErrEmptySegment: the segment to attach has 0 bytes. Python cannot map
	// one either ("cannot mmap an empty file").
	ErrEmptySegment = errors.New("shm: segment is empty")
	// ErrClosed: the Segment or List was closed.
	ErrClosed = errors.New("shm: segment closed")
	// ErrFault is matched by a *FaultError: touching the memory raised
	// SIGBUS or SIGSEGV inside a checked access.
	ErrFault = errors.New("shm: memory fault")
	// ErrBadList is matched by a *ListError: the bytes are not a ShareableList
	// this package (or Python) can read.
	ErrBadList = errors.New("shm: malformed ShareableList")
	// ErrBadItem is matched by an *ItemError for a value a ShareableList cannot
	// hold: its type, its range, invalid UTF-8, trailing NUL bytes.
	ErrBadItem = errors.New("shm: value cannot be stored in a ShareableList")
	// ErrItemTooLong is matched by an *ItemError for a str or bytes value
	// longer than its slot (Python's "bytes/str item exceeds available
	// storage").
	ErrItemTooLong = errors.New("shm: bytes/str item exceeds available storage")
	// ErrNotRef: SegmentRef.UnmarshalPickle or ListRef.UnmarshalPickle was
	// given a value that is not the pickle of a SharedMemory or
	// ShareableList.
	ErrNotRef = errors.New("shm: not a pickled SharedMemory or ShareableList")
)

// FaultError reports a SIGBUS or SIGSEGV on a segment's memory during a
// checked access (Segment.Access, ReadAt, WriteAt, the List methods): the
// segment's file was truncated under the mapping by some other process, or
// tmpfs had no page left to back it (a full /dev/shm).
type FaultError struct {
	Name   string // segment name ("" for an anonymous segment)
	Offset int64  // offset of the faulting address in the mapping
	Size   int64  // the file's size after the fault, -1 if unknown
	Mapped int64  // bytes mapped
}

func (e *FaultError) Error() string {
	what := fmt.Sprintf("shm: memory fault at offset %d of segment %q", e.Offset, e.Name)
	switch {
	case e.Size >= 0 && e.Size <= e.Offset:
		return fmt.Sprintf("%s: the segment was truncated to %d bytes (%d mapped)", what, e.Size, e.Mapped)
	case e.Size >= 0:
		return what + ": no memory to back the page (is /dev/shm full?)"
	}
	return what
}

func (e *FaultError) Unwrap() error { return ErrFault }

// ListError reports bytes that are not a readable ShareableList. Index is
// the item concerned, or -1 for the header.
type ListError struct {
	Index  int
	Offset int    // byte offset of the offending field in the list
	Reason string // what is wrong
	// Raw holds the item's bytes when they are a str that is not valid
	// UTF-8 (Python raises UnicodeDecodeError there); nil otherwise.
	Raw []byte
}

func (e *ListError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("shm: malformed ShareableList header at offset %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("shm: malformed ShareableList item %d at offset %d: %s", e.Index, e.Offset, e.Reason)
}

func (e *ListError) Unwrap() error { return ErrBadList }

// ItemError reports a value that cannot be stored at Index of a
// ShareableList. It matches ErrItemTooLong when the value is longer than its
// slot, ErrBadItem otherwise.
type ItemError struct {
	Index   int
	Value   any
	Reason  string
	tooLong bool
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("shm: ShareableList item %d (%T): %s", e.Index, e.Value, e.Reason)
}

func (e *ItemError) Unwrap() error {
	if e.tooLong {
		return ErrItemTooLong
	}
	return ErrBadItem
}
