//go:build linux

package interop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

// Python's conn.send(shm) and conn.send(sl) decode to references Go opens:
// into typed fields (RecvInto), from Recv's *pickle.Object, and from the
// plain pickle.dumps forms at protocols 2 and the default.
func shmHandlesPythonToGo(t *testing.T, e *shmEnv) {
	segName, listName := shmNames.fresh(t), shmNames.fresh(t)
	require.NoError(t, e.p.request(`
		shm = shared_memory.SharedMemory(args['seg'], create=True, size=333)
		shm.buf[:] = bytes(i % 251 for i in range(333))
		sl = shared_memory.ShareableList([1, 'two', b'3'], name=args['list'])
		state['shm'], state['sl'] = shm, sl
		conn.send((shm, sl))
		result = (shm, sl, pickle.dumps(shm, 2), pickle.dumps(sl, 2), pickle.dumps(sl))
	`, objDict("seg", segName, "list", listName)))
	defer e.p.run(t, `
		for o in (state.pop('shm'), state.pop('sl').shm):
			o.close()
			o.unlink()
	`, nil)

	var typed struct {
		Seg  shm.SegmentRef
		List shm.ListRef
	}
	require.NoError(t, e.p.conn.RecvInto(&typed))
	assert.Equal(t, shm.SegmentRef{Name: segName, Size: 333}, typed.Seg)
	assert.Equal(t, shm.ListRef{Name: listName}, typed.List)

	v, err := e.p.reply()
	require.NoError(t, err)
	got := v.(pickle.Tuple)
	var seg, segP2 shm.SegmentRef
	require.NoError(t, seg.UnmarshalPickle(got[0]))
	assert.Equal(t, typed.Seg, seg)
	require.NoError(t, pickle.Unmarshal(got[2].([]byte), &segP2))
	assert.Equal(t, typed.Seg, segP2)
	for _, x := range []any{got[1], got[3], got[4]} {
		var lr shm.ListRef
		if b, ok := x.([]byte); ok {
			require.NoError(t, pickle.Unmarshal(b, &lr))
		} else {
			require.NoError(t, lr.UnmarshalPickle(x))
		}
		assert.Equal(t, typed.List, lr)
	}

	s, err := typed.Seg.Open()
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, pattern(333), s.Bytes())
	l, err := typed.List.Open()
	require.NoError(t, err)
	defer l.Close()
	items, err := l.Items()
	require.NoError(t, err)
	assert.Equal(t, []any{int64(1), "two", []byte("3")}, items)
}

// Go sends *Segment, *List, SegmentRef and ListRef; Python's recv() gets
// real SharedMemory and ShareableList objects attached to Go's segments
// (and registered with its tracker, which the peer undoes), and Go sees
// what Python writes through them.
func shmHandlesGoToPython(t *testing.T, e *shmEnv) {
	s, err := shm.Create(shmNames.fresh(t), 1000)
	require.NoError(t, err)
	defer func() { _ = s.Unlink(); _ = s.Close() }()
	copy(s.Bytes(), "go bytes")
	l, err := shm.CreateList(shmNames.fresh(t), []any{"go", int64(1)}, shm.WithLayout(e.layout))
	require.NoError(t, err)
	defer func() { _ = l.Unlink(); _ = l.Close() }()

	got := e.p.run(t, `
		shm, ref, sl, lref = args['shm'], args['ref'], args['sl'], args['lref']
		for o in (shm, sl.shm):   # each name was registered once (the tracker keeps a set)
			untrack(o)
		result = (
			[type(o).__name__ for o in (shm, ref, sl, lref)],
			shm.name, shm.size, bytes(shm.buf[:8]), ref.name == shm.name,
			list(sl), lref.shm.name == sl.shm.name,
		)
		shm.buf[:6] = b'python'
		sl[0] = 'py'
		for o in (shm, ref, sl.shm, lref.shm):
			o.close()
	`, objDict("shm", s, "ref", s.Ref(), "sl", l, "lref", l.Ref())).(pickle.Tuple)
	assert.Equal(t, pickle.Tuple{
		[]any{"SharedMemory", "SharedMemory", "ShareableList", "ShareableList"},
		s.Name(), int64(1000), []byte("go bytes"), true,
		[]any{"go", int64(1)}, true,
	}, got)
	assert.Equal(t, "python", string(s.Bytes()[:6]))
	v, err := l.Get(0)
	require.NoError(t, err)
	assert.Equal(t, "py", v)

	// NoTrack: SharedMemory(..., track=False) where Python has track=;
	// elsewhere the message does not unpickle (TypeError), so it goes alone.
	nt := s.Ref()
	nt.NoTrack = true
	v, err = e.p.call(`
		shm = args['shm']
		result = (type(shm).__name__, shm._track, bytes(shm.buf[:6]))
		shm.close()
	`, objDict("shm", nt))
	if e.hasTrack {
		require.NoError(t, err)
		assert.Equal(t, pickle.Tuple{"SharedMemory", false, []byte("python")}, v)
	} else {
		var pe *pyError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "TypeError", pe.Type, "%v", pe)
	}
}
