package connection

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

// readSeed reads the first argument of a go test -fuzz corpus file.
func readSeed(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<22)
	require.True(t, sc.Scan())
	require.Equal(t, "go test fuzz v1", sc.Text())
	require.True(t, sc.Scan())
	line := sc.Text()
	require.True(t, strings.HasPrefix(line, "[]byte(") && strings.HasSuffix(line, ")"), "%s: %.40s", path, line)
	s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
	require.NoError(t, err, path)
	return []byte(s)
}

// The handshake seeds captured from every CPython (TestCaptureCPythonSeeds
// in interop_test) are real: replayed into the fuzz harness's setup (key
// "secret", counter randomness) they complete the handshake, so the fuzzer
// starts from each interpreter's successful path, MD5 and SHA-256 alike.
func TestCapturedHandshakeSeedsSucceed(t *testing.T) {
	t.Parallel()
	for _, server := range []bool{true, false} {
		target := map[bool]string{true: "FuzzServerHandshake", false: "FuzzClientHandshake"}[server]
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "cpython-*"))
		require.NoError(t, err)
		require.NotEmpty(t, files, "no captured seeds for %s", target)
		for _, path := range files {
			wire := readSeed(t, path)
			opts := []Option{WithAuthKey([]byte("secret")),
				WithAuthOptions(auth.WithRandom(&counter{next: map[bool]byte{true: 0x00, false: 0x40}[server]}))}
			var c *Conn
			if server {
				c, err = Server(context.Background(), newFakeConn(wire), opts...)
			} else {
				c, err = Client(context.Background(), newFakeConn(wire), opts...)
			}
			require.NoError(t, err, path)
			_, err = c.Recv()
			require.NoError(t, err, "%s: the first message after the handshake", path)
		}
	}
}
