package pickle

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConformanceLive has every interpreter on the machine (one process
// each) write the corpus of testdata/gen_corpus.py, checks what every
// pickle of it decodes to against its description (the streaming Decoder
// is checked on the snapshot), and then the round trip: each pickle decoded into `any` and encoded again at its protocol
// goes back to the interpreter, which loads both and compares type() and
// value, recursively, sharing included. (The committed snapshot in
// testdata/corpus covers the decoding without Python.)
//
// Python 2.7's pickles go through twice: decoded with Py2StringsAsBytes,
// the option that keeps byte strings bytes both ways, they come back
// exactly; decoded by default, a byte string is a Go string, which goes
// back as unicode when it is UTF-8 and as a byte string when it is not.
func TestConformanceLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python")
	}
	interps := pythons.ForTest(t)
	script, err := filepath.Abs("testdata/gen_corpus.py")
	require.NoError(t, err)
	for _, in := range interps {
		t.Run(in.Name(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := in.Command(ctx, script, "--roundtrip")
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			defer func() { _ = cmd.Wait() }()
			out := bufio.NewReader(stdout)
			line, err := out.ReadBytes('\n')
			require.NoError(t, err, "python: %s", &stderr)
			var cf corpusFile
			require.NoError(t, json.Unmarshal(line, &cf))

			// Python 2 byte strings: kept as bytes by the option, or, by
			// default, decoded as text and sent back as unicode when they
			// are UTF-8 and as str when not.
			modes := [][]Option{nil}
			if in.Major == 2 {
				modes = [][]Option{{Py2StringsAsBytes()}, nil}
			}
			var reqs [][4]any
			var names []string
			for _, opts := range modes {
				py2text := in.Major == 2 && opts == nil
				for i, e := range cf.Entries {
					for proto, h := range e.Pickles {
						if h == "" {
							continue // this Python cannot pickle it at this protocol
						}
						name := fmt.Sprintf("%s/p%d", e.Name, proto)
						if py2text {
							name += " (byte strings as text)"
						}
						data, err := hex.DecodeString(h)
						require.NoError(t, err)
						var v any
						if err := Unmarshal(data, &v, opts...); err != nil {
							t.Errorf("%s: decoding: %v", name, err)
							continue
						}
						if opts == nil { // what it decodes to, against its description
							if err := (&checker{ids: map[int]any{}}).check("$", e.Value, v); err != nil {
								t.Errorf("%s: %v", name, err)
							}
						}
						again, err := Marshal(v, WithProtocol(proto))
						if err != nil {
							t.Errorf("%s: encoding %s: %v", name, pyRepr(v), err)
							continue
						}
						reqs = append(reqs, [4]any{i, proto, hex.EncodeToString(again), py2text})
						names = append(names, name)
					}
				}
			}
			req, err := json.Marshal(reqs)
			require.NoError(t, err)
			_, err = stdin.Write(append(req, '\n'))
			require.NoError(t, err)
			require.NoError(t, stdin.Close())
			line, err = out.ReadBytes('\n')
			require.NoError(t, err, "python: %s", &stderr)
			var res []string
			require.NoError(t, json.Unmarshal(line, &res))
			require.Len(t, res, len(reqs))
			failed := 0
			for i, msg := range res {
				if msg != "" {
					failed++
					assert.Empty(t, msg, names[i])
				}
			}
			t.Logf("%d pickles made the round trip, %d did not", len(res)-failed, failed)
		})
	}
}
