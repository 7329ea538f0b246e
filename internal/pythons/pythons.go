// Package pythons finds the Python interpreters that interop tests run
// against and names each by the version it reports itself.
//
// Sources, in order: MPCONN_PYTHONS (a list separated by ':' or ',' of
// interpreter paths; when set, nothing else is searched), then every
// interpreter under "$(pyenv root)/versions/*" (or ~/.pyenv/versions/* when
// pyenv is not on PATH), then the CPython 3.14 that
// ../shared/tools/install-cpython3.14.sh installs (MPCONN_CPYTHON314, default
// /opt/cpython3.14/bin/python3.14), then python3 and python2 on PATH.
// Interpreters that resolve to the same executable are listed once.
package pythons

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Interpreter is one Python found on the machine.
type Interpreter struct {
	Path           string // what to execute
	Executable     string // sys.executable, resolved
	Implementation string // "CPython" or "PyPy"
	Version        string // "3.13.0"
	Major, Minor   int

	// What the interpreter says of its pickle module and of
	// multiprocessing.connection, so that tests expect what this Python
	// does rather than what a table says it should.
	DefaultProtocol int  // pickle.DEFAULT_PROTOCOL (0 on 2.7, which has none)
	HighestProtocol int  // pickle.HIGHEST_PROTOCOL
	SendProtocol    int  // the PROTO of what Connection.send() writes
	DigestPrefix    bool // the handshake names its digest ("{sha256}"), 3.12+
}

// Name is how tests name the interpreter: "CPython-3.13.0".
func (i Interpreter) Name() string { return i.Implementation + "-" + i.Version }

// AtLeast reports whether the interpreter's version is major.minor or newer.
func (i Interpreter) AtLeast(major, minor int) bool {
	return i.Major > major || (i.Major == major && i.Minor >= minor)
}

// Command starts the interpreter with args. Python's own environment
// variables that could change its behaviour are cleared.
func (i Interpreter) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, i.Path, args...)
	env := []string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8", "PYTHONHASHSEED=0"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PYTHON") || strings.HasPrefix(kv, "PYENV_VERSION=") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	return cmd
}

// probeScript prints what Interpreter records, one field per line, in
// the order probe reads them; it runs on 2.7 as well as 3.x. The send
// protocol is measured: one object sent through a real Pipe.
const probeScript = `import sys, platform, os, pickle
import multiprocessing.connection as mc
a, b = mc.Pipe()
a.send(None)
head = bytearray(b.recv_bytes()[:2])
fields = [
    platform.python_implementation(),
    "%d.%d.%d" % sys.version_info[:3],
    os.path.realpath(sys.executable),
    getattr(pickle, "DEFAULT_PROTOCOL", 0),
    pickle.HIGHEST_PROTOCOL,
    head[1] if head[0] == 0x80 else 0,
    int(hasattr(mc, "_ALLOWED_DIGESTS")),
]
sys.stdout.write("\n".join(str(f) for f in fields) + "\n")`

// Find returns the interpreters on this machine, oldest version first.
func Find() ([]Interpreter, error) {
	candidates := candidatePaths()
	seen := map[string]bool{}
	var found []Interpreter
	var errs []error
	for _, path := range candidates {
		interp, err := probe(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[interp.Executable] {
			continue
		}
		seen[interp.Executable] = true
		found = append(found, interp)
	}
	sort.SliceStable(found, func(a, b int) bool {
		x, y := found[a], found[b]
		if x.Major != y.Major {
			return x.Major < y.Major
		}
		if x.Minor != y.Minor {
			return x.Minor < y.Minor
		}
		if x.Version != y.Version {
			return x.Version < y.Version
		}
		return x.Implementation < y.Implementation
	})
	if os.Getenv("MPCONN_PYTHONS") != "" && len(errs) > 0 {
		// An explicit list must be usable as given.
		return found, errors.Join(errs...)
	}
	return found, nil
}

func candidatePaths() []string {
	if list := os.Getenv("MPCONN_PYTHONS"); list != "" {
		return strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' })
	}
	var paths []string
	for _, dir := range pyenvVersionDirs() {
		for _, name := range []string{"python3", "python2", "python", "pypy3", "pypy"} {
			p := filepath.Join(dir, "bin", name)
			if isExecutable(p) {
				paths = append(paths, p)
				break
			}
		}
	}
	if p := extraCPython(); isExecutable(p) {
		paths = append(paths, p)
	}
	for _, name := range []string{"python3", "python2", "pypy3"} {
		if p, err := exec.LookPath(name); err == nil {
			paths = append(paths, p)
		}
	}
	return paths
}

// DefaultCPython314 is where ../shared/tools/install-cpython3.14.sh puts
// CPython 3.14 (Debian's build) unless told otherwise.
const DefaultCPython314 = "/opt/cpython3.14/bin/python3.14"

// extraCPython is the installed CPython 3.14: MPCONN_CPYTHON314 when set,
// else DefaultCPython314.
func extraCPython() string {
	if p := os.Getenv("MPCONN_CPYTHON314"); p != "" {
		return p
	}
	return DefaultCPython314
}

func pyenvVersionDirs() []string {
	root := ""
	if pyenv, err := exec.LookPath("pyenv"); err == nil {
		if out, err := exec.Command(pyenv, "root").Output(); err == nil {
			root = strings.TrimSpace(string(out))
		}
	}
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	if root == "" {
		return nil
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "versions", "*"))
	return dirs
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func probe(path string) (Interpreter, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	interp := Interpreter{Path: path}
	out, err := interp.Command(ctx, "-c", probeScript).Output()
	if err != nil {
		return interp, fmt.Errorf("pythons: probing %s: %w", path, err)
	}
	fields := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(fields) != 7 {
		return interp, fmt.Errorf("pythons: probing %s: unexpected answer %q", path, out)
	}
	interp.Implementation, interp.Version, interp.Executable = fields[0], fields[1], fields[2]
	parts := strings.SplitN(interp.Version, ".", 3)
	ints := []*int{&interp.Major, &interp.Minor, &interp.DefaultProtocol, &interp.HighestProtocol, &interp.SendProtocol}
	texts := []string{parts[0], parts[1], fields[3], fields[4], fields[5]}
	for i, text := range texts {
		n, err := strconv.Atoi(text)
		if err != nil {
			return interp, fmt.Errorf("pythons: probing %s: unexpected answer %q", path, out)
		}
		*ints[i] = n
	}
	interp.DigestPrefix = fields[6] == "1"
	return interp, nil
}

var (
	cacheOnce sync.Once
	cached    []Interpreter
	cacheErr  error
)

// ForTest returns the interpreters for a test, probing once per test binary.
// With none found it skips the test, except under CI=true, where at least one
// CPython 3 must be present and its absence fails the test.
func ForTest(t testing.TB) []Interpreter {
	t.Helper()
	cacheOnce.Do(func() { cached, cacheErr = Find() })
	if cacheErr != nil {
		t.Fatalf("finding Python interpreters: %v", cacheErr)
	}
	if os.Getenv("CI") == "true" {
		ok := false
		for _, i := range cached {
			if i.Implementation == "CPython" && i.Major == 3 {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("CI=true but no CPython 3 interpreter was found (searched MPCONN_PYTHONS, pyenv versions, python3/python2 on PATH)")
		}
	}
	if len(cached) == 0 {
		t.Skip("no Python interpreter found (set MPCONN_PYTHONS, install pyenv versions, or put python3 on PATH)")
	}
	return cached
}

// Newest returns the newest CPython 3 among interps, or false.
func Newest(interps []Interpreter) (Interpreter, bool) {
	for i := len(interps) - 1; i >= 0; i-- {
		if interps[i].Implementation == "CPython" && interps[i].Major == 3 {
			return interps[i], true
		}
	}
	return Interpreter{}, false
}
