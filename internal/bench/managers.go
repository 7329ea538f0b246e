package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mpconn/mpconn/managers"
)

//go:embed managers.py
var managersPy []byte

// managerClients are the client counts of the manager rows.
var managerClients = []int{1, 10}

// managerQueues measures queue put+get pairs per second through a manager
// (the docs' remote queue, over TCP), with 1 and 10 clients at once, each
// client a process of its own (Python) or a Client of its own (Go), all
// sharing the manager's one queue: Go and CPython clients against Go and
// CPython servers.
func (b *bencher) managerQueues(ctx context.Context) error {
	script := filepath.Join(b.tmp, "managers.py")
	if err := os.WriteFile(script, managersPy, 0o644); err != nil {
		return err
	}
	pairs := b.cfg.rounds / 4
	for _, n := range managerClients {
		group := fmt.Sprintf("manager queue put+get pairs/s, %d client", n)
		if n > 1 {
			group += "s"
		}
		fmt.Fprintf(os.Stderr, "  %s ...\n", group)
		for _, m := range []struct {
			pair           string
			goServer, goCl bool
		}{{pairGoGo, true, true}, {pairPyPy, false, false}, {pairGoPy, false, true}, {pairPyGo, true, false}} {
			var addr string
			var stop func()
			var err error
			if m.goServer {
				addr, stop, err = goManager()
			} else {
				addr, stop, err = b.pyManager(ctx, script)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", group, m.pair, err)
			}
			var rates []float64
			if m.goCl {
				rates, err = b.goManagerClients(ctx, addr, n, pairs)
			} else {
				rates, err = b.pyManagerClients(ctx, script, addr, n, pairs)
			}
			stop()
			if err != nil {
				return fmt.Errorf("%s %s: %w", group, m.pair, err)
			}
			b.add(group, m.pair, "pairs/s", rates, true)
		}
		target := 3.0
		if n == 1 {
			target = 1
		}
		b.ratio(group, pairPyGo, pairPyPy, target)
		b.ratio(group, pairGoPy, pairPyPy, 1.5)
	}
	return nil
}

// goManager serves get_queue with a Go manager.
func goManager() (string, func(), error) {
	s := managers.NewServer(managers.WithAuthKey(authKey))
	if err := s.Register("get_queue", managers.Type{New: managers.Singleton(managers.NewQueue(0))}); err != nil {
		return "", nil, err
	}
	l, err := managers.Listen(context.Background(), "tcp", "127.0.0.1:0", managers.WithAuthKey(authKey))
	if err != nil {
		return "", nil, err
	}
	go s.Serve(l)
	return l.Addr().String(), func() { s.Close() }, nil
}

// pyManager starts managers.py's CPython manager.
func (b *bencher) pyManager(ctx context.Context, script string) (string, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	cmd := b.py.Command(ctx, script, "server")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		cancel()
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	stop := func() { cancel(); cmd.Wait() }
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("the python manager did not start: %v", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// goManagerClients runs n Go clients on the queue at once, each making pairs
// put+get pairs per repetition, and returns the pairs per second of every
// repetition (all clients' pairs over the slowest client's time).
func (b *bencher) goManagerClients(ctx context.Context, addr string, n, pairs int) ([]float64, error) {
	queues := make([]managers.QueueProxy, n)
	for i := range queues {
		c, err := managers.Dial(ctx, "tcp", addr, managers.WithAuthKey(authKey))
		if err != nil {
			return nil, err
		}
		defer c.Close()
		p, err := c.Create(ctx, "get_queue")
		if err != nil {
			return nil, err
		}
		queues[i] = managers.QueueProxy{Proxy: p}
	}
	run := func(q managers.QueueProxy, count int) error {
		for i := range count {
			if err := q.Put(ctx, i); err != nil {
				return err
			}
			if _, err := q.Get(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	var rates []float64
	for rep := -1; rep < b.cfg.reps; rep++ { // rep -1 warms up
		count := pairs
		if rep < 0 {
			count = min(pairs, 200)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		t0 := time.Now()
		for i, q := range queues {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = run(q, count)
			}()
		}
		wg.Wait()
		secs := time.Since(t0).Seconds()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if rep >= 0 {
			rates = append(rates, float64(n*pairs)/secs)
		}
	}
	return rates, nil
}

// pyManagerClients is goManagerClients with n CPython client processes,
// which warm up first and start each repetition together.
func (b *bencher) pyManagerClients(ctx context.Context, script, addr string, n, pairs int) ([]float64, error) {
	type proc struct {
		cmd *exec.Cmd
		in  io.WriteCloser
		out *bufio.Reader
	}
	procs := make([]proc, n)
	defer func() {
		for _, p := range procs {
			if p.cmd != nil {
				p.in.Close()
				p.cmd.Wait()
			}
		}
	}()
	for i := range procs {
		cmd := b.py.Command(ctx, script, "client", addr, fmt.Sprint(pairs))
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		procs[i] = proc{cmd, in, bufio.NewReader(out)}
	}
	for _, p := range procs {
		if line, err := p.out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
			return nil, fmt.Errorf("python client: %q, %v", line, err)
		}
	}
	var rates []float64
	for range b.cfg.reps {
		for _, p := range procs {
			if _, err := io.WriteString(p.in, "go\n"); err != nil {
				return nil, err
			}
		}
		slowest := 0.0
		for _, p := range procs {
			line, err := p.out.ReadString('\n')
			if err != nil {
				return nil, fmt.Errorf("python client: %v", err)
			}
			var secs float64
			if err := json.Unmarshal([]byte(line), &secs); err != nil {
				return nil, fmt.Errorf("python client said %q: %v", line, err)
			}
			slowest = max(slowest, secs)
		}
		rates = append(rates, float64(n*pairs)/slowest)
	}
	return rates, nil
}
