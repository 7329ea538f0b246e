//go:build unix

package connection

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The child's end must be what a Python child expects of an inherited
// descriptor: blocking (Python reads it with plain os.read) and, until
// ExtraFiles hands it over, close-on-exec.
func TestChildPipeGivesABlockingCloseOnExecEnd(t *testing.T) {
	t.Parallel()
	conn, childEnd, err := ChildPipe()
	require.NoError(t, err)
	defer conn.Close()
	defer childEnd.Close()

	fd := childEnd.Fd()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	require.Zero(t, errno)
	assert.Zero(t, flags&syscall.O_NONBLOCK, "the child's end must be blocking")
	fdFlags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFD, 0)
	require.Zero(t, errno)
	assert.NotZero(t, fdFlags&syscall.FD_CLOEXEC, "no other child may inherit it")

	// Play the child: wrap the end as a Python child would and talk.
	child, err := FileConn(childEnd)
	require.NoError(t, err)
	defer child.Close()
	require.NoError(t, conn.Send([]any{"job", int64(1)}))
	got, err := child.Recv()
	require.NoError(t, err)
	assert.Equal(t, []any{"job", int64(1)}, got)
	require.NoError(t, child.SendBytes([]byte("done")))
	msg, err := conn.RecvBytes()
	require.NoError(t, err)
	assert.Equal(t, "done", string(msg))
}
