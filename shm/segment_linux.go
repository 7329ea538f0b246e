//go:build linux

package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"syscall"
	"unsafe"
)

// dir is where Linux keeps POSIX shared memory: glibc's and musl's
// shm_open("/name") open dir + "/name", and so does this package.
const dir = "/dev/shm"

func path(name string) string { return dir + "/" + name }

// Create makes a new segment of exactly size bytes and maps it, as
// Python's SharedMemory(name, create=True, size=size) does: the file is
// created exclusively (an existing name is an error matching fs.ErrExist),
// with mode DefaultMode unless WithMode says otherwise, and sized with
// ftruncate, so it is sparse unless WithPrealloc is given.
//
// An empty name draws one as Python does, "psm_" and 8 hex digits, drawing
// again while the name is taken. A given name must be 1 to 255 bytes of
// printable ASCII without '/' or ':' (names outside that set break Python's
// resource tracker); portable programs keep to [A-Za-z0-9_.-] and at most
// 30 bytes (macOS).
//
// A Python process that attaches to the segment registers it with its
// resource tracker, which unlinks the name when that process exits unless
// it opts out (see the package documentation).
func Create(name string, size int, opts ...Option) (*Segment, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%w: %d", ErrInvalidSize, size)
	}
	cfg := newConfig(opts)
	const flags = os.O_RDWR | os.O_CREATE | os.O_EXCL | syscall.O_NOFOLLOW
	var f *os.File
	var err error
	if name != "" {
		if err := checkCreateName(name); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(path(name), flags, DefaultMode)
	} else {
		for tries := 0; ; tries++ {
			if name, err = autoName(); err != nil {
				return nil, err
			}
			f, err = os.OpenFile(path(name), flags, DefaultMode)
			if !errors.Is(err, fs.ErrExist) || tries == 100 {
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	s, err := setUp(f, name, size, cfg)
	if err != nil {
		_ = f.Close()
		_ = syscall.Unlink(path(name))
		return nil, err
	}
	return s, nil
}

// setUp sizes a new file and maps it.
func setUp(f *os.File, name string, size int, cfg config) (*Segment, error) {
	if cfg.mode != 0 {
		if err := f.Chmod(cfg.mode); err != nil {
			return nil, err
		}
	}
	if err := f.Truncate(int64(size)); err != nil {
		return nil, err
	}
	if cfg.prealloc {
		if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(size)); err != nil {
			return nil, &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
		}
	}
	return mapFile(f, name)
}

// Open attaches to an existing segment and maps all of it, as Python's
// SharedMemory(name) does: read and write, whatever its size (Python ignores
// the size argument when attaching). A missing segment is an error matching
// fs.ErrNotExist; a 0-byte one is ErrEmptySegment. Any name of 1 to 255
// bytes without '/' or NUL is accepted.
//
// Unlike Python's, Open does not register the segment with anything: Go has
// no resource tracker, and nothing unlinks the segment when the Go program
// exits.
func Open(name string) (*Segment, error) {
	if err := checkOpenName(name); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path(name), os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	s, err := mapFile(f, name)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return s, nil
}

// Unlink removes a segment's name, as Python's shm_unlink: mappings stay
// valid, new attaches fail. A missing name is an error matching
// fs.ErrNotExist.
func Unlink(name string) error {
	if err := checkOpenName(name); err != nil {
		return err
	}
	if err := syscall.Unlink(path(name)); err != nil {
		return &os.PathError{Op: "unlink", Path: path(name), Err: err}
	}
	return nil
}

// CreateAnonymous makes a segment with no name (a memfd): only processes
// that are handed its descriptor can map it, such as a child that inherits
// File() through exec.Cmd.ExtraFiles and maps it with Python's
// mmap.mmap(fd, 0). Its memory is freed when the last descriptor and mapping
// are gone, so nothing is ever left behind. WithPrealloc applies; WithMode
// does not.
func CreateAnonymous(size int, opts ...Option) (*Segment, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%w: %d", ErrInvalidSize, size)
	}
	cfg := newConfig(opts)
	cfg.mode = 0
	f, err := memfd("mpconn-shm")
	if err != nil {
		return nil, err
	}
	s, err := setUp(f, "", size, cfg)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return s, nil
}

func memfd(name string) (*os.File, error) {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return nil, err
	}
	const mfdCloexec = 1
	fd, _, errno := syscall.Syscall(sysMemfdCreate, uintptr(unsafe.Pointer(p)), mfdCloexec, 0)
	if errno != 0 {
		return nil, os.NewSyscallError("memfd_create", errno)
	}
	return os.NewFile(fd, "memfd:"+name), nil
}

// Map maps all of an open file shared, read and write: a descriptor
// inherited from a parent (a Python parent's memfd, or an mmap-able file it
// passed), or received some other way. The Segment owns f from then on and
// closes it in Close; on error f is left open. The segment has no name.
func Map(f *os.File) (*Segment, error) {
	return mapFile(f, "")
}

func mapFile(f *os.File, name string) (*Segment, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	switch {
	case size == 0:
		return nil, fmt.Errorf("%w: %s", ErrEmptySegment, f.Name())
	case size > math.MaxInt:
		return nil, fmt.Errorf("shm: %s: %d bytes do not fit in this platform's address space", f.Name(), size)
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, &os.PathError{Op: "mmap", Path: f.Name(), Err: err}
	}
	return &Segment{name: name, f: f, mem: mem, size: int(size)}, nil
}

func unmap(mem []byte) error {
	return syscall.Munmap(mem)
}
