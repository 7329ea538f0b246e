//go:build linux

package interop_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/managers"
	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

var smmKey = []byte("mpconn shared memory manager")

// A Go client of Python's SharedMemoryManager, started as the docs start
// one: Go's segments and lists are tracked beside one Python made, released
// one by one, and unlinked by the manager's shutdown. The manager process
// is forked: the peer, driven through an inherited descriptor, cannot be
// re-imported by 3.14's default forkserver or by spawn.
func shmManagerPythonServes(t *testing.T, e *shmEnv) {
	port := e.p.run(t, `
		import multiprocessing
		from multiprocessing.managers import SharedMemoryManager
		smm = SharedMemoryManager(address=('127.0.0.1', 0), authkey=args['key'], ctx=multiprocessing.get_context('fork'))
		smm.start()
		state['smm'] = smm
		sm = smm.SharedMemory(64)
		untrack(sm)   # the manager unlinks it, not this process's tracker
		sm.close()
		result = (smm.address[1], sm.name)
	`, objDict("key", smmKey)).(pickle.Tuple)
	pyName := shmNames.add(port[1].(string))
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port[0].(int64))))

	ctx, cancel := context.WithTimeout(context.Background(), shmCallTimeout)
	defer cancel()
	c, err := managers.Dial(ctx, "tcp", addr, managers.WithAuthKey(smmKey))
	require.NoError(t, err)
	defer c.Close()
	seg, err := c.SharedMemory(ctx, 4096)
	require.NoError(t, err)
	shmNames.add(seg.Name())
	defer seg.Close()
	l, err := c.ShareableList(ctx, []any{int64(7), "go"}, shm.WithLayout(e.layout))
	require.NoError(t, err)
	shmNames.add(l.Name())
	defer l.Close()

	names, err := c.ListSegments(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{pyName, seg.Name(), l.Name()}, names)

	require.NoError(t, c.ReleaseSegment(ctx, seg.Name()))
	assert.False(t, shmExists(t, seg.Name()), "release_segment unlinks")
	var me *managers.Error
	require.ErrorAs(t, c.ReleaseSegment(ctx, seg.Name()), &me)
	assert.Contains(t, me.Traceback, "ValueError", "a name no longer tracked")

	e.p.run(t, `state.pop('smm').shutdown()`, nil)
	assert.False(t, shmExists(t, pyName), "the manager's shutdown unlinks what Python made")
	assert.False(t, shmExists(t, l.Name()), "and what Go made")
	v, err := l.Get(1)
	require.NoError(t, err, "Go's mapping outlives the name")
	assert.Equal(t, "go", v)
}

// Python's SharedMemoryManager client, unchanged, against a Go server:
// connect(), SharedMemory(size) and ShareableList(sequence) are tracked by
// Go, Go sees what Python wrote, and Close unlinks them.
func shmManagerGoServes(t *testing.T, e *shmEnv) {
	s := managers.NewServer(managers.WithAuthKey(smmKey))
	s.RegisterSharedMemoryManager()
	ln, err := managers.Listen(context.Background(), "tcp", "127.0.0.1:0", managers.WithAuthKey(smmKey))
	require.NoError(t, err)
	go s.Serve(ln)
	defer s.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	got := e.p.run(t, `
		from multiprocessing.managers import SharedMemoryManager
		smm = SharedMemoryManager(address=('127.0.0.1', args['port']), authkey=args['key'])
		smm.connect()
		sm = smm.SharedMemory(128)
		sm.buf[:5] = b'hello'
		sl = smm.ShareableList([1, 2.5, 'x', b'y', None, True])
		for seg in (sm, sl.shm):
			untrack(seg)
		state['held'] = (sm, sl)
		result = (sm.name, sl.shm.name)
	`, objDict("key", smmKey, "port", int64(port))).(pickle.Tuple)
	smName, slName := shmNames.add(got[0].(string)), shmNames.add(got[1].(string))
	assert.Equal(t, []string{smName, slName}, s.Segments())

	seg, err := shm.Open(smName)
	require.NoError(t, err)
	defer seg.Close()
	assert.Equal(t, []byte("hello"), seg.Bytes()[:5])
	l, err := shm.OpenList(slName)
	require.NoError(t, err)
	defer l.Close()
	items, err := l.Items()
	require.NoError(t, err)
	assert.Equal(t, []any{int64(1), 2.5, "x", []byte("y"), nil, true}, items)

	require.NoError(t, s.Close())
	assert.False(t, shmExists(t, smName), "Close unlinks what the Python client made")
	assert.False(t, shmExists(t, slName))
	e.p.run(t, `
		for seg in (state['held'][0], state['held'][1].shm):
			seg.close()
		del state['held']
	`, nil)
}
