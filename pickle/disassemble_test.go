package pickle

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// disScript prints pickletools.dis of each pickle it is given.
const disScript = `
import sys, json, binascii, io, pickletools
out = []
for h in json.loads(sys.stdin.read()):
    f = io.StringIO()
    try:
        pickletools.dis(binascii.unhexlify(h), f)
        out.append(f.getvalue())
    except Exception:  # pickletools cannot read 2.7's non-ASCII STRING
        out.append(None)
sys.stdout.write(json.dumps(out))
`

// Disassemble lists what pickletools.dis lists, line for line, for every
// pickle of the snapshot corpus whose arguments it shows whole. (Python 2
// strings are shown as the newest pickletools shows them, with ascii(),
// since 3.14; older ones are compared on the other pickles.)
func TestDisassembleMatchesPickletools(t *testing.T) {
	in, ok := pythons.Newest(pythons.ForTest(t))
	if !ok {
		t.Skip("no CPython 3 interpreter")
	}
	asciiStrings := in.AtLeast(3, 14)
	var pickles []string
	for _, f := range snapshotFiles(t) {
		if !strings.Contains(f, "2.7") && !strings.Contains(f, "3.13") {
			continue
		}
		for _, e := range loadCorpusFile(t, f).Entries {
			for _, h := range e.Pickles {
				if h != "" {
					pickles = append(pickles, h)
				}
			}
		}
	}
	var want []*string
	input, err := json.Marshal(pickles)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	cmd := in.Command(ctx, "-c", disScript)
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("python: %s", ee.Stderr)
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(out, &want))
	compared := 0
	for i, h := range pickles {
		data, _ := hex.DecodeString(h)
		var got strings.Builder
		require.NoError(t, Disassemble(&got, data), h)
		if want[i] == nil || strings.Contains(got.String(), " bytes)\n") || strings.Contains(got.String(), "<an integer of") {
			continue // an argument shown in part
		}
		if !asciiStrings && strings.Contains(got.String(), "STRING ") {
			continue
		}
		compared++
		require.Equal(t, *want[i], got.String(), "pickle %s", h)
	}
	assert.Greater(t, compared, 500)
}

// A malformed pickle is listed up to the opcode at fault; the error names
// the offset Unmarshal names.
func TestDisassembleErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"\x80\x02K\x01\xff.",
		"\x80\x02]h\x05.",
		"\x80\x02a.",
		"\x80\x02t.",
		"\x80\x02\x8b\xff\xff\xff\xff.",
		"\x80\x02X\x05\x00\x00\x00ab",
		"\x80\x02Iabc\n.",
		"\x80\x02K\x01",
	} {
		var listing strings.Builder
		err := Disassemble(&listing, []byte(in))
		var se *SyntaxError
		require.ErrorAs(t, err, &se, "%q", in)
		uerr := Unmarshal([]byte(in), new(any))
		var use *SyntaxError
		require.ErrorAs(t, uerr, &use, "%q", in)
		assert.Equal(t, use.Offset, se.Offset, "%q: %v / %v", in, err, uerr)
		lines := strings.Split(strings.TrimSpace(listing.String()), "\n")
		assert.Contains(t, lines[len(lines)-1], "error: "+se.Msg, "%q", in)
	}
}

func TestDisassembleShortensLongArguments(t *testing.T) {
	data, err := Marshal([]any{strings.Repeat("é", 1000), bytes.Repeat([]byte{1}, 70000)})
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, Disassemble(&out, data))
	assert.Less(t, out.Len(), 1000)
	assert.Contains(t, out.String(), "... (2000 bytes)")
	assert.Contains(t, out.String(), "... (70000 bytes)")
	assert.ErrorIs(t, Disassemble(failingWriter{}, data), io.ErrClosedPipe)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
