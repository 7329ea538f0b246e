package pickle

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/stretchr/testify/require"
)

// pyClasses is shared by the Python scripts of the encoder tests: classes
// the Go tests register, defined in a module "mpconn_testclasses" that the
// scripts import from a temporary directory. 2.7-compatible.
const pyClasses = `
class Point(object):
    def __init__(self, x=0, y=0):
        self.x = x
        self.y = y
    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__
    def __ne__(self, other):
        return not self == other
    def __repr__(self):
        return 'Point(%r)' % (self.__dict__,)

class Empty(object):
    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__
    def __ne__(self, other):
        return not self == other

class Node(object):
    def __repr__(self):
        return 'Node(%r)' % (sorted(self.__dict__),)

class Outer(object):
    class Inner(object):
        pass
`

// pyModuleDir writes the test classes module and returns its directory.
func pyModuleDir(t testing.TB) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mpconn_testclasses.py"), []byte(pyClasses), 0o644))
	return dir
}

// dumpsScript pickles Python values with the interpreter's own pickler
// (the C one): it reads a JSON list of {"code": python statements that set
// v, "proto": n} and prints a JSON list of hex pickles.
const dumpsScript = `
import sys, json, pickle, binascii, datetime, decimal, uuid, collections
sys.path.insert(0, sys.argv[1])
import mpconn_testclasses
from mpconn_testclasses import *
cases = json.loads(sys.stdin.read())
out = []
for c in cases:
    try:
        ns = dict(globals())
        exec(c['code'], ns)
        if 'P' in ns:  # a Pickler subclass, e.g. with persistent_id
            import io
            f = io.BytesIO()
            ns['P'](f, c['proto']).dump(ns['v'])
            data = f.getvalue()
        else:
            data = pickle.dumps(ns['v'], c['proto'])
        out.append(binascii.hexlify(data).decode('ascii'))
    except Exception as e:
        out.append('ERR ' + repr(e))
sys.stdout.write(json.dumps(out))
`

type dumpsCase struct {
	Code  string `json:"code"`
	Proto int    `json:"proto"`
}

// python313 returns CPython 3.13 (the reference pickler), or the newest 3.x.
func python313(t testing.TB) pythons.Interpreter {
	t.Helper()
	interps := pythons.ForTest(t)
	for _, in := range interps {
		if in.Implementation == "CPython" && in.Major == 3 && in.Minor == 13 {
			return in
		}
	}
	in, ok := pythons.Newest(interps)
	if !ok {
		t.Skip("no CPython 3 interpreter")
	}
	return in
}

// cpythonDumps runs all cases through one interpreter process.
func cpythonDumps(t testing.TB, in pythons.Interpreter, cases []dumpsCase) []string {
	t.Helper()
	input, err := json.Marshal(cases)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := in.Command(ctx, "-c", dumpsScript, pyModuleDir(t))
	cmd.Stdin = bytes.NewReader(input)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python: %s", stderr.String())
	var hexes []string
	require.NoError(t, json.Unmarshal(out, &hexes))
	require.Len(t, hexes, len(cases))
	return hexes
}

// runLoadScript runs script in the interpreter with dir as its argument and
// input (JSON requests) on stdin, and returns its JSON list of per-request
// messages ("" for a value Python loaded and found as expected).
func runLoadScript(t *testing.T, in pythons.Interpreter, script, dir string, input []byte, timeout time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := in.Command(ctx, "-c", script, dir)
	cmd.Stdin = bytes.NewReader(input)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python: %s", stderr.String())
	var res []string
	require.NoError(t, json.Unmarshal(out, &res))
	return res
}
