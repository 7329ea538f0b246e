package managers

// Python's SharedMemoryManager is a BaseManager whose server
// (SharedMemoryServer) answers three more requests — track_segment,
// release_segment, list_segments — and unlinks the shared memory segments
// it tracks when it shuts down, so that segments its clients made do not
// outlive the manager. Its client methods SharedMemory(size) and
// ShareableList(sequence) create a segment in the client's process and ask
// the server to track it.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/mpconn/mpconn/shm"
)

// RegisterSharedMemoryManager makes s the server of a Python
// SharedMemoryManager, as SharedMemoryServer is: it answers track_segment,
// release_segment and list_segments, so that
// SharedMemoryManager(address, authkey).connect() and its SharedMemory and
// ShareableList methods work against it, and it unlinks every segment it
// still tracks when it shuts down (a client's shutdown request, or Close).
// Like Python's, it registers no typeids; add them with Register or
// RegisterSyncManager.
func (s *Server) RegisterSharedMemoryManager() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sharedMemory = true
}

// Segments returns the names of the segments s tracks, in the order they
// were tracked (a name tracked twice is there twice, as in Python).
func (s *Server) Segments() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.segments)
}

// sharedMemoryControls are the requests SharedMemoryServer adds to a
// manager's, with Python's parameter names.
var sharedMemoryControls = map[string]control{
	"track_segment": func(s *Server, sc *serverConn, req request) (any, error) {
		name, err := segmentName(req.call("track_segment"))
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.segments = append(s.segments, name)
		s.mu.Unlock()
		return nil, nil
	},
	"release_segment": func(s *Server, sc *serverConn, req request) (any, error) {
		name, err := segmentName(req.call("release_segment"))
		if err != nil {
			return nil, err
		}
		return nil, s.releaseSegment(name)
	},
	"list_segments": func(s *Server, sc *serverConn, req request) (any, error) {
		if err := req.call("list_segments").noArgs(); err != nil {
			return nil, err
		}
		names := s.Segments()
		list := make([]any, len(names))
		for i, n := range names {
			list[i] = sc.text(n)
		}
		return list, nil
	},
}

func segmentName(c *Call) (string, error) {
	args, err := c.bind(param{"segment_name", noDefault})
	if err != nil {
		return "", err
	}
	name, ok := asText(args[0])
	if !ok {
		return "", raisef(ErrTypeError, "segment_name must be a str, not %s", typeName(args[0]))
	}
	return name, nil
}

// releaseSegment stops tracking name and unlinks it, as Python's
// destroy_segment does: a name not tracked is list.remove's ValueError, a
// segment already gone Python's FileNotFoundError.
func (s *Server) releaseSegment(name string) error {
	s.mu.Lock()
	i := slices.Index(s.segments, name)
	if i >= 0 {
		s.segments = slices.Delete(s.segments, i, i+1)
	}
	s.mu.Unlock()
	if i < 0 {
		return raisef(ErrValueError, "list.remove(x): x not in list")
	}
	if err := shm.Unlink(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return raisef(errFileNotFound, "[Errno 2] No such file or directory: '/%s'", name)
		}
		return raisef(errOSError, "%v", err)
	}
	return nil
}

var (
	errFileNotFound = ExceptionType{"builtins", "FileNotFoundError"}
	errOSError      = ExceptionType{"builtins", "OSError"}
)

// unlinkSegments unlinks every segment still tracked, as
// SharedMemoryServer.shutdown does; those already gone are skipped.
func (s *Server) unlinkSegments() {
	s.mu.Lock()
	names := s.segments
	s.segments = nil
	s.mu.Unlock()
	for _, name := range names {
		_ = shm.Unlink(name) // gone already, or never made: nothing left to free
	}
}

// TrackSegment asks the manager (a Python SharedMemoryManager, or a Server
// with RegisterSharedMemoryManager) to unlink the named segment when it
// shuts down.
func (c *Client) TrackSegment(ctx context.Context, name string) error {
	_, err := c.dispatch(ctx, "track_segment", name)
	return err
}

// ReleaseSegment asks the manager to unlink the named segment now and stop
// tracking it. The reply is the manager's exception when it does not track
// the name (ValueError) or the segment is gone (FileNotFoundError).
func (c *Client) ReleaseSegment(ctx context.Context, name string) error {
	_, err := c.dispatch(ctx, "release_segment", name)
	return err
}

// ListSegments returns the names of the segments the manager tracks.
func (c *Client) ListSegments(ctx context.Context) ([]string, error) {
	v, err := c.dispatch(ctx, "list_segments")
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("managers: list_segments returned %s", repr(v))
	}
	names := make([]string, len(list))
	for i, x := range list {
		if names[i], ok = asText(x); !ok {
			return nil, fmt.Errorf("managers: list_segments returned %s", repr(v))
		}
	}
	return names, nil
}

// SharedMemory creates a segment of size bytes with a name of Python's
// kind and has the manager track it, as SharedMemoryManager.SharedMemory
// does; if the manager refuses, the segment is unlinked and closed.
func (c *Client) SharedMemory(ctx context.Context, size int, opts ...shm.Option) (*shm.Segment, error) {
	seg, err := shm.Create("", size, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.TrackSegment(ctx, seg.Name()); err != nil {
		return nil, errors.Join(err, seg.Unlink(), seg.Close())
	}
	return seg, nil
}

// ShareableList creates a ShareableList of items with a name of Python's
// kind and has the manager track its segment, as
// SharedMemoryManager.ShareableList does; if the manager refuses, the
// segment is unlinked and closed.
func (c *Client) ShareableList(ctx context.Context, items []any, opts ...shm.Option) (*shm.List, error) {
	l, err := shm.CreateList("", items, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.TrackSegment(ctx, l.Name()); err != nil {
		return nil, errors.Join(err, l.Unlink(), l.Close())
	}
	return l, nil
}
