//go:build unix

package interop_test

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/internal/testutil"
)

// memfdCreate is memfd_create(2)'s number where the tests make one (the
// frozen syscall package does not name it), or 0.
func memfdCreate() uintptr {
	switch runtime.GOOS + "/" + runtime.GOARCH {
	case "linux/amd64":
		return 319
	case "linux/arm64":
		return 279
	}
	return 0
}

// memfd returns an anonymous memory file (Linux), as a Go parent would
// share memory with a Python child.
func memfd(t *testing.T, name string) *os.File {
	t.Helper()
	p, err := syscall.BytePtrFromString(name)
	require.NoError(t, err)
	fd, _, errno := syscall.Syscall(memfdCreate(), uintptr(unsafe.Pointer(p)), 1 /* MFD_CLOEXEC */, 0)
	require.Zero(t, errno, "memfd_create")
	f := os.NewFile(fd, name)
	t.Cleanup(func() { f.Close() })
	return f
}

// TestWireHandles: descriptors passed between Go and
// multiprocessing.reduction's send_handle/recv_handle of every CPython, over
// a unix socket Connection, both ways, in the acknowledgement mode the
// Python in question speaks (asked of it: does its recv_handle answer with
// a byte?): a file and a memfd from Go that Python reads and writes, a
// file from Python that Go reads, one sent right behind a message (read
// ahead with it by Go), and the clear error of AckByte against a Python
// that never acknowledges.
func TestWireHandles(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			r := p.do(cmd{"op": "handle_acks"})
			requireOK(t, r)
			ack := connection.AckNone
			if r["acks"].(bool) {
				ack = connection.AckByte
			}
			t.Logf("%s: %v", py.Name(), ack)

			l, addr := goListen(t, "unix", connection.WithAuthKey(testKey))
			p.send(pyConnect("c", "unix", addr, testKey))
			c, err := accept(t, l)
			require.NoError(t, err)
			requireOK(t, p.reply())

			goToPython := func(what string, f *os.File) {
				_, err := f.WriteString("from Go")
				require.NoError(t, err)
				p.send(cmd{"op": "handle_recv", "id": "c", "append": " and Python"})
				var sendErr error
				r := p.during(c, func() { sendErr = c.SendHandle(f, ack) })
				require.NoError(t, sendErr, what)
				requireOK(t, r)
				assert.Equal(t, "from Go", r.str("content"), what)
				assert.Equal(t, "from Go and Python", testutil.Contents(t, f), "%s: Python wrote into it", what)
			}
			goToPython("a file", testutil.OpenFileWith(t, ""))
			if memfdCreate() != 0 {
				goToPython("a memfd", memfd(t, "mpconn-interop"))
			}

			// Python to Go.
			p.send(cmd{"op": "handle_send", "id": "c", "content": "from Python"})
			var f *os.File
			r = p.during(c, func() { f, err = c.RecvHandle(ack) })
			requireOK(t, r)
			require.NoError(t, err)
			assert.Equal(t, "from Python", testutil.Contents(t, f))
			f.Close()

			// A message, then a handle right behind it. Without an
			// acknowledgement Python is done before Go reads, so Go's
			// first read takes both.
			p.send(cmd{"op": "handle_send", "id": "c", "content": "behind", "message": "a handle follows"})
			if ack == connection.AckNone {
				requireOK(t, p.reply())
			}
			msg, err := c.RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, "a handle follows", string(msg))
			f, err = c.RecvHandle(ack)
			require.NoError(t, err)
			assert.Equal(t, "behind", testutil.Contents(t, f))
			f.Close()
			if ack == connection.AckByte {
				requireOK(t, p.reply())
			}
			exchange(t, p, "c", c, 0, 1, 16385) // the stream is still in step

			// AckByte against a Python that sends no acknowledgement: a
			// clear error at the read deadline, where Python's own 3.14
			// sender would wait for ever.
			if ack == connection.AckNone {
				p.send(cmd{"op": "handle_recv", "id": "c"})
				require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
				var sendErr error
				r := p.during(c, func() { sendErr = c.SendHandle(testutil.OpenFileWith(t, "x"), connection.AckByte) })
				requireOK(t, r)
				require.ErrorIs(t, sendErr, os.ErrDeadlineExceeded)
				assert.ErrorContains(t, sendErr, "use AckNone")
			}
		})
	}
}
