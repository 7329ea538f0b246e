package interop_test

import (
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// longSize needs the extended header: ffffffff + u64 length.
const longSize = 1<<31 + 1

// TestWireLongMessage carries a > 2 GiB message both ways between Go and
// CPython 3.8+ (older versions cannot send or receive one), over a unix
// socket, so the extended header (ffffffff + u64) is used in both
// directions. Opt-in and sequential: the Python side peaks at about 4 GiB
// (the payload, then the receive buffer), the Go side at about 6 GiB, and
// about 19 GiB under -race (shadow memory), so under -race it also needs
// MPCONN_LONG=race.
func TestWireLongMessage(t *testing.T) {
	const how = "MPCONN_LONG=1 go test -timeout 30m -run WireLongMessage ./interop_test/"
	switch mode := os.Getenv("MPCONN_LONG"); {
	case mode != "1" && mode != "race":
		t.Skip("set MPCONN_LONG=1 to carry a > 2 GiB message to and from CPython 3.8+ (~10 GiB free RAM, ~1 min per interpreter): " + how)
	case raceEnabled && mode != "race":
		t.Skip("under -race the Go side of a 2 GiB message needs ~19 GiB of RAM; run without -race (" + how + ") or set MPCONN_LONG=race")
	}
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			if !py.AtLeast(3, 8) {
				t.Skipf("%s cannot send or receive a message over 0x7fffffff bytes", py.Name())
			}
			p := startPeer(t, py, withReplyTimeout(15*time.Minute))
			network, address := pythonListen(t, p, "unix", "L", testKey)
			p.send(cmd{"op": "accept", "listener": "L", "id": "c"})
			c, err := dial(t, network, address, connection.WithAuthKey(testKey), connection.WithMaxMessageSize(longSize))
			require.NoError(t, err)
			requireOK(t, p.reply())
			require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Minute)))

			goToPython(t, p, "c", c, 77, longSize)
			debug.FreeOSMemory() // the 2 GiB just sent, before 2 GiB arrive
			pythonToGo(t, p, "c", c, 78, longSize)
			debug.FreeOSMemory()
		})
	}
}
