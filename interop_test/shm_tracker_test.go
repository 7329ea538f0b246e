//go:build linux

package interop_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

// shmExists reports whether name is in /dev/shm.
func shmExists(t *testing.T, name string) bool {
	_, err := os.Lstat(filepath.Join("/dev/shm", name))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// The resource tracker (gh-82300): a Go segment attached by a Python
// process that does not opt out is unlinked when that process exits; with
// the opt-outs the README gives, it survives. One Python process (started
// by the peer) attaches to a segment per way of attaching and exits; its
// tracker has exited, and unlinked what it does, when run_python returns.
func shmTrackerGoCreates(t *testing.T, e *shmEnv) {
	cases := []struct {
		name     string
		code     string
		survives bool
	}{
		{"attach", `s = shared_memory.SharedMemory(NAME); s.close()`, false},
		{"ShareableList", `l = shared_memory.ShareableList(name=NAME); l.shm.close()`, false},
		{"unregister", `s = shared_memory.SharedMemory(NAME); resource_tracker.unregister(s._name, "shared_memory"); s.close()`, true},
		{"ShareableList unregister", `l = shared_memory.ShareableList(name=NAME); resource_tracker.unregister(l.shm._name, "shared_memory"); l.shm.close()`, true},
		{"track=False", `s = shared_memory.SharedMemory(NAME, track=False); s.close()`, true},
	}
	if !e.hasTrack {
		t.Logf("%s has no SharedMemory(track=) (3.13+): not trying track=False", e.p.py.Name())
		cases = cases[:len(cases)-1]
	}
	code := "from multiprocessing import shared_memory, resource_tracker\n"
	lists := make([]*shm.List, len(cases))
	for i, c := range cases {
		l, err := shm.CreateList(shmNames.fresh(t), []any{"go"}, shm.WithLayout(e.layout))
		require.NoError(t, err)
		defer func() { _ = l.Unlink(); _ = l.Close() }()
		lists[i] = l
		code += fmt.Sprintf("NAME = %q\n%s\n", l.Name(), c.code)
	}
	got := e.p.run(t, `result = run_python(args['code'])`, objDict("code", code)).(pickle.Tuple)
	stderr := got[1].(string)
	assert.Equal(t, int64(0), got[0], "exit code; stderr:\n%s", stderr)
	assert.Contains(t, stderr, "There appear to be 2 leaked shared_memory objects", "the tracker's warning")
	for i, c := range cases {
		name := lists[i].Name()
		if c.survives {
			assert.True(t, shmExists(t, name), "%s: the segment should have survived", c.name)
			continue
		}
		assert.False(t, shmExists(t, name), "%s: the tracker should have unlinked the segment", c.name)
		v, err := lists[i].Get(0)
		require.NoError(t, err, "Go's mapping outlives the name")
		assert.Equal(t, "go", v)
	}
}

// A segment a Python process creates and leaves behind: Go attached while
// it ran keeps its mapping after the process's tracker unlinks the name,
// but cannot open it again.
func shmTrackerPythonCreates(t *testing.T, e *shmEnv) {
	name := shmNames.fresh(t)
	e.p.run(t, `
		child = 'from multiprocessing import shared_memory\n' \
			'import sys\n' \
			's = shared_memory.SharedMemory(%r, create=True, size=100)\n' \
			's.buf[:6] = b"python"\n' \
			'print("ready", flush=True)\n' \
			'sys.stdin.read()\n' % args['name']
		p = subprocess.Popen([sys.executable, '-c', child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
		state['child'] = p
		assert p.stdout.readline() == b'ready\n'
	`, objDict("name", name))
	s, err := shm.Open(name)
	require.NoError(t, err)
	defer s.Close()
	got := e.p.run(t, `
		p = state.pop('child')
		p.stdin.close()
		err = p.stderr.read()   # EOF once the child's tracker has exited too
		result = (p.wait(timeout=60), err.decode())
	`, nil).(pickle.Tuple)
	assert.Equal(t, int64(0), got[0])
	assert.Contains(t, got[1], "leaked shared_memory objects")
	assert.Equal(t, "python", string(s.Bytes()[:6]))
	deadline := time.Now().Add(10 * time.Second) // hang guard: the unlink is done by now
	for shmExists(t, name) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	_, err = shm.Open(name)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
