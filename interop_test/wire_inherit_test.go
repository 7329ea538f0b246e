//go:build unix

package interop_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// socketpair returns both ends of an AF_UNIX stream socketpair as files,
// as multiprocessing.Pipe() makes them; both are closed when the test ends.
func socketpair(t *testing.T) (parent, child *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	parent, child = os.NewFile(uintptr(fds[0]), "socketpair-parent"), os.NewFile(uintptr(fds[1]), "socketpair-child")
	t.Cleanup(func() { _ = parent.Close(); _ = child.Close() })
	return parent, child
}

// TestWireInheritedSocketpair: a Go parent keeps one end of a socketpair
// (connection.FileConn) and a Python child wraps the other, inherited as
// fd 3, in multiprocessing.connection.Connection(3) (2.7:
// _multiprocessing.Connection(3)), which is how multiprocessing itself hands
// Pipe() ends to children. Messages go both ways; a Go close is EOFError in
// the child.
func TestWireInheritedSocketpair(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			parent, child := socketpair(t)
			p := startPeer(t, py, withFiles(child))
			require.NoError(t, child.Close(), "the child holds its own copy")

			c, err := connection.FileConn(parent)
			require.NoError(t, err)
			guard(t, c)
			requireOK(t, p.do(cmd{"op": "fd", "id": "c", "fd": 3}))

			exchange(t, p, "c", c, smallSizes...)

			p.send(cmd{"op": "recv", "id": "c"})
			require.NoError(t, c.Close())
			require.NoError(t, parent.Close()) // whether or not FileConn duplicated it
			r := p.reply()
			require.False(t, r.ok(), "Python recv after the Go end closed: %s", r)
			assert.Equal(t, "EOFError", r.str("type"), "%s", r)
		})
	}
}

// TestWireInheritedPipes: like Pipe(duplex=False), one os.pipe per
// direction. The child gets the read end of Go->Python as fd 3
// (Connection(3, writable=False)) and the write end of Python->Go as fd 4
// (Connection(4, readable=False)); Go wraps its ends with FileConn.
func TestWireInheritedPipes(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			toPyR, toPyW, err := os.Pipe()
			require.NoError(t, err)
			toGoR, toGoW, err := os.Pipe()
			require.NoError(t, err)
			t.Cleanup(func() {
				for _, f := range []*os.File{toPyR, toPyW, toGoR, toGoW} {
					_ = f.Close()
				}
			})
			p := startPeer(t, py, withFiles(toPyR, toGoW))
			require.NoError(t, toPyR.Close())
			require.NoError(t, toGoW.Close())

			w, err := connection.FileConn(toPyW)
			require.NoError(t, err)
			guard(t, w)
			r, err := connection.FileConn(toGoR)
			require.NoError(t, err)
			guard(t, r)
			requireOK(t, p.do(cmd{"op": "fd", "id": "in", "fd": 3, "writable": false}))
			requireOK(t, p.do(cmd{"op": "fd", "id": "out", "fd": 4, "readable": false}))

			for i, size := range smallSizes {
				goToPython(t, p, "in", w, 2000+i, size)
				pythonToGo(t, p, "out", r, 3000+i, size)
			}
		})
	}
}
