//go:build unix

package testutil

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
)

// The Python docs' "Using a remote manager" example (Doc/library/
// multiprocessing.rst), verbatim as interactive sessions, for Python 3 and
// for Python 2.7 (whose docs import Queue and use a str key). The clients'
// 'foo.bar.org' is the docs' placeholder for the server's host.
const (
	docsServer3 = `>>> from multiprocessing.managers import BaseManager
>>> from queue import Queue
>>> queue = Queue()
>>> class QueueManager(BaseManager): pass
>>> QueueManager.register('get_queue', callable=lambda:queue)
>>> m = QueueManager(address=('', 50000), authkey=b'abracadabra')
>>> s = m.get_server()
>>> s.serve_forever()
`
	docsPut3 = `>>> from multiprocessing.managers import BaseManager
>>> class QueueManager(BaseManager): pass
>>> QueueManager.register('get_queue')
>>> m = QueueManager(address=('foo.bar.org', 50000), authkey=b'abracadabra')
>>> m.connect()
>>> queue = m.get_queue()
>>> queue.put('hello')
`
	docsGet3 = `>>> from multiprocessing.managers import BaseManager
>>> class QueueManager(BaseManager): pass
>>> QueueManager.register('get_queue')
>>> m = QueueManager(address=('foo.bar.org', 50000), authkey=b'abracadabra')
>>> m.connect()
>>> queue = m.get_queue()
>>> queue.get()
'hello'
`
	docsServer2 = `>>> from multiprocessing.managers import BaseManager
>>> import Queue
>>> queue = Queue.Queue()
>>> class QueueManager(BaseManager): pass
>>> QueueManager.register('get_queue', callable=lambda:queue)
>>> m = QueueManager(address=('', 50000), authkey='abracadabra')
>>> s = m.get_server()
>>> s.serve_forever()
`
)

// DocsRemoteManager returns the docs' server session and its two client
// sessions (one puts 'hello', the other gets it) for py, the clients aimed
// at host.
func DocsRemoteManager(py pythons.Interpreter, host string) (server, put, get string) {
	server, put, get = docsServer3, docsPut3, docsGet3
	if py.Major == 2 {
		server = docsServer2
		put = strings.ReplaceAll(put, "b'abracadabra'", "'abracadabra'")
		get = strings.ReplaceAll(get, "b'abracadabra'", "'abracadabra'")
	}
	put = strings.ReplaceAll(put, "foo.bar.org", host)
	get = strings.ReplaceAll(get, "foo.bar.org", host)
	return server, put, get
}

// doctestHarness runs the session in argv[1] with Python's own doctest,
// which checks every output the session shows, and prints READY before its
// last example (a server's serve_forever), so a test knows when the server
// listens. It exits with the number of failures.
const doctestHarness = `import doctest, sys
text = open(sys.argv[1]).read()
test = doctest.DocTestParser().get_doctest(text, {'__name__': '__main__'}, 'docs', None, 0)
runner = doctest.DocTestRunner(verbose=False)
head = doctest.DocTest(test.examples[:-1], test.globs, 'docs', None, 0, None)
runner.run(head, clear_globs=False)
sys.stdout.write('READY\n')
sys.stdout.flush()
tail = doctest.DocTest(test.examples[-1:], head.globs, 'docs', None, 0, None)
runner.run(tail, clear_globs=False)
sys.exit(runner.failures)
`

// RunDocs runs a docs session under py and fails the test if Python's
// doctest finds an output that differs from the session's (the output is
// logged then).
func RunDocs(t testing.TB, py pythons.Interpreter, session string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	cmd := py.Command(ctx, WriteFile(t, dir, "harness.py", doctestHarness), WriteFile(t, dir, "session.txt", session))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s ran the docs session with failures (%v):\n%s\nsession:\n%s", py.Name(), err, out, session)
	}
}

// StartDocsServer runs a docs session whose last example serves for ever
// and returns once everything before it has run. The process is killed
// when the test ends, unless it has ended by then; wait waits for that.
func StartDocsServer(t testing.TB, py pythons.Interpreter, session string) (wait func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	dir := t.TempDir()
	cmd := py.Command(ctx, "-u", WriteFile(t, dir, "harness.py", doctestHarness), WriteFile(t, dir, "session.txt", session))
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var output bytes.Buffer
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "READY" {
				ready <- true
				continue
			}
			output.WriteString(sc.Text() + "\n")
		}
		_, _ = io.Copy(io.Discard, stdout)
		ready <- false
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	if !<-ready {
		t.Fatalf("%s: the docs server ended before serving:\n%s%s", py.Name(), output.String(), stderr.String())
	}
	return func() error {
		select {
		case err := <-done:
			done <- err
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
