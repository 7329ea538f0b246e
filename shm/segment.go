package shm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"unsafe"
)

// Segment is a mapped shared-memory segment: a named POSIX segment made by
// Create or attached by Open (Python's SharedMemory), or an anonymous one
// from CreateAnonymous or Map.
//
// A Segment keeps its descriptor open until Close, as Python's does. Its
// methods are safe for concurrent use; Close waits for checked accesses in
// progress (Access, ReadAt, WriteAt, the List methods), but not for code
// using a slice from Bytes or View, which must not touch the memory after
// Close.
type Segment struct {
	name string
	f    *os.File
	mu   sync.RWMutex // held for reading by checked accesses, for writing by Close
	mem  []byte       // nil once closed
	size int
}

// Python's auto names: "psm_" and 8 lowercase hex digits
// (secrets.token_hex(4)), 13 characters with the slash, inside the
// 14-character limit Python keeps for FreeBSD.
const autoPrefix = "psm_"

func autoName() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("shm: drawing a segment name: %w", err)
	}
	return autoPrefix + hex.EncodeToString(b[:]), nil
}

// checkOpenName accepts what names a file in the segment directory: 1 to
// 255 bytes, no '/' and no NUL, not "." or "..".
func checkOpenName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case len(name) > 255:
		return fmt.Errorf("%w: %d bytes, at most 255", ErrInvalidName, len(name))
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == 0 {
			return fmt.Errorf("%w: %q contains %q (Python's SharedMemory.name has no leading slash)", ErrInvalidName, name, name[i])
		}
	}
	return nil
}

// checkCreateName adds the rules that keep Python's resource tracker
// working for a name Python attaches to: printable ASCII only (3.8–3.14
// create the segment and then fail to register a non-ASCII name, leaving it
// behind), no ':' (3.8–3.13 cannot parse the tracker message) and no
// control characters ('\n' splits the message).
func checkCreateName(name string) error {
	if err := checkOpenName(name); err != nil {
		return err
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == ':' {
			return fmt.Errorf("%w: %q: byte %#02x breaks Python's resource tracker (use printable ASCII without ':')", ErrInvalidName, name, c)
		}
	}
	return nil
}

// Name returns the segment's name as Python's SharedMemory.name reports it
// (no leading slash), or "" for an anonymous segment.
func (s *Segment) Name() string { return s.name }

// Size returns the number of bytes mapped: the segment's size when it was
// created or attached. It stays the same after Close.
func (s *Segment) Size() int {
	return s.size
}

// Bytes returns the mapped memory, or nil after Close. The slice is the
// memory itself: writes are seen at once by every process that maps the
// segment. Accesses through it are not checked: if another process
// truncates the segment, touching a page past the new end kills the
// program (see Access).
func (s *Segment) Bytes() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mem
}

// File returns the segment's open descriptor, or nil after Close: for
// exec.Cmd.ExtraFiles (the child maps it with mmap.mmap(fd, 0)), or for
// fstat. The Segment owns it; do not close it.
func (s *Segment) File() *os.File {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mem == nil {
		return nil
	}
	return s.f
}

// Close unmaps the memory and closes the descriptor; it does not unlink the
// name (Python's close() does not either). Slices from Bytes and View must
// not be used afterwards. Close is idempotent.
func (s *Segment) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mem == nil {
		return nil
	}
	err := unmap(s.mem)
	s.mem = nil
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Unlink removes the segment's name, as Python's unlink(): processes that
// have it mapped keep their memory, new attaches fail. The memory itself is
// freed when the last mapping and descriptor are gone. Unlink of an
// anonymous segment does nothing.
func (s *Segment) Unlink() error {
	if s.name == "" {
		return nil
	}
	return Unlink(s.name)
}

// Access calls f with the segment's memory, turning a memory fault on it
// into a *FaultError instead of a crash: if another process truncates the
// segment, or tmpfs has no page to back it, touching the memory raises
// SIGBUS, which Go treats as fatal unless debug.SetPanicOnFault is on.
// Access turns it on for the calling goroutine while f runs, recovers a
// fault inside this segment's mapping and returns it; a fault elsewhere,
// or any other panic, is re-raised.
//
// What is covered: loads and stores by f's goroutine (directly, through
// View slices, copy, or any Go code it calls) to this segment's memory.
// What is not: goroutines f starts; memory of other segments; the memory
// accessed outside Access (Bytes and View slices kept for later). System
// calls never fault: a write(2) from a truncated region fails with EFAULT
// ("bad address") instead.
//
// f must not call Close on the segment (Close waits for Access to return).
func (s *Segment) Access(f func(mem []byte)) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.mem == nil {
		return ErrClosed
	}
	return s.guard(func() { f(s.mem) })
}

// guard runs f with faults on s.mem turned into a *FaultError. The caller
// holds s.mu for reading.
func (s *Segment) guard(f func()) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		r := recover()
		if r == nil {
			return
		}
		if fe := s.faultError(r); fe != nil {
			err = fe
			return
		}
		panic(r)
	}()
	f()
	return nil
}

// faultError returns the *FaultError for a recovered panic value when it is
// a memory fault inside s.mem, else nil.
func (s *Segment) faultError(r any) *FaultError {
	fault, ok := r.(interface{ Addr() uintptr })
	if !ok || len(s.mem) == 0 {
		return nil
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(s.mem)))
	addr := fault.Addr()
	if addr < base || addr-base >= uintptr(len(s.mem)) {
		return nil
	}
	fe := &FaultError{Name: s.name, Offset: int64(addr - base), Size: -1, Mapped: int64(len(s.mem))}
	if st, err := s.f.Stat(); err == nil {
		fe.Size = st.Size()
	}
	return fe
}

// ReadAt copies len(p) bytes from offset off of the segment into p, as
// io.ReaderAt: fewer only at the end of the segment, with io.EOF. A memory
// fault is a *FaultError (see Access).
func (s *Segment) ReadAt(p []byte, off int64) (n int, err error) {
	err = s.Access(func(mem []byte) {
		if off < 0 {
			return
		}
		if off < int64(len(mem)) {
			n = copy(p, mem[off:])
		}
	})
	switch {
	case err != nil:
		return 0, err
	case off < 0:
		return 0, fmt.Errorf("shm: ReadAt: negative offset %d", off)
	case n < len(p):
		return n, io.EOF
	}
	return n, nil
}

// WriteAt copies p to offset off of the segment, as io.WriterAt; writing
// past the end is an error (a segment does not grow). A memory fault is a
// *FaultError (see Access).
func (s *Segment) WriteAt(p []byte, off int64) (n int, err error) {
	err = s.Access(func(mem []byte) {
		if off < 0 || off > int64(len(mem)) {
			return
		}
		n = copy(mem[off:], p)
	})
	switch {
	case err != nil:
		return 0, err
	case off < 0:
		return 0, fmt.Errorf("shm: WriteAt: negative offset %d", off)
	case n < len(p):
		return n, fmt.Errorf("shm: WriteAt: %d bytes at offset %d of a %d-byte segment: %w", len(p), off, s.Size(), io.ErrShortWrite)
	}
	return n, nil
}
