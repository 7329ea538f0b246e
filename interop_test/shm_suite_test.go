//go:build linux

package interop_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

// shmEnv is what a case needs: the peer, and what that Python said about
// itself at start.
type shmEnv struct {
	p        *shmPeer
	layout   shm.Layout   // the ShareableList layout this Python writes
	hasTrack bool         // SharedMemory(..., track=False) exists
	anon     *shm.Segment // the anonymous segment the peer has as fd 4
}

var shmCases = []struct {
	name string
	run  func(t *testing.T, e *shmEnv)
}{
	{"SegmentPythonCreates", shmSegmentPythonCreates},
	{"SegmentGoCreates", shmSegmentGoCreates},
	{"SegmentTypedViews", shmSegmentTypedViews},
	{"SegmentTruncatedByPython", shmSegmentTruncatedByPython},
	{"AnonymousForChild", shmAnonymousForChild},
	{"ShareableListFromPython", shmListsFromPython},
	{"ShareableListFromGo", shmListsFromGo},
	{"ShareableListUpdates", shmListUpdates},
	{"HandlesPythonToGo", shmHandlesPythonToGo},
	{"HandlesGoToPython", shmHandlesGoToPython},
	{"TrackerGoCreates", shmTrackerGoCreates},
	{"TrackerPythonCreates", shmTrackerPythonCreates},
	{"ManagerPythonServes", shmManagerPythonServes},
	{"ManagerGoServes", shmManagerGoServes},
}

// TestShm runs every case against every CPython 3.8+ found, one peer
// process per interpreter, and then checks that no segment the suite made
// or saw is left in /dev/shm.
func TestShm(t *testing.T) {
	interps := pythons.ForTest(t)
	t.Cleanup(func() {
		if left := shmNames.left(); len(left) > 0 {
			t.Errorf("segments left in /dev/shm after the suite: %v", left)
		}
	})
	for _, py := range interps {
		t.Run(py.Name(), func(t *testing.T) {
			if py.Implementation != "CPython" || !py.AtLeast(3, 8) {
				t.Skipf("%s has no multiprocessing.shared_memory (added in Python 3.8)", py.Name())
			}
			t.Parallel()
			anon, err := shm.CreateAnonymous(anonFloats * 8)
			require.NoError(t, err)
			t.Cleanup(func() { _ = anon.Close() })
			e := &shmEnv{p: startShmPeer(t, py, anon.File()), anon: anon}
			about := e.p.run(t, `
				import inspect
				sl = shared_memory.ShareableList([])   # 8 bytes in 3.8's layout, 16 in 3.9+'s
				result = (sl.shm.size, 'track' in inspect.signature(shared_memory.SharedMemory).parameters)
				sl.shm.close()
				sl.shm.unlink()
			`, nil).(pickle.Tuple)
			e.layout = shm.Layout39
			if about[0] == int64(8) {
				e.layout = shm.Layout38
			}
			e.hasTrack = about[1].(bool)
			for _, c := range shmCases {
				t.Run(c.name, func(t *testing.T) { c.run(t, e) })
			}
		})
	}
}
