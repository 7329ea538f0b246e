package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

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
// CPython servers, all four pairings set up at once and their repetitions
// interleaved.
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
		if err := b.managerRow(ctx, group, script, n, pairs); err != nil {
			return fmt.Errorf("%s: %w", group, err)
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

func (b *bencher) managerRow(ctx context.Context, group, script string, n, pairs int) error {
	ctx, cancel := context.WithCancel(ctx) // kills the Python peers on an error
	var cl closers
	defer cl.close()
	defer cancel()
	var cs []contender
	for _, m := range []struct {
		pair           string
		goServer, goCl bool
	}{{pairGoGo, true, true}, {pairPyPy, false, false}, {pairGoPy, false, true}, {pairPyGo, true, false}} {
		var addr string
		var err error
		if m.goServer {
			addr, err = goManager(&cl)
		} else {
			addr, err = b.pyManager(ctx, script, &cl)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", m.pair, err)
		}
		var c contender
		if m.goCl {
			c, err = goManagerClients(ctx, m.pair, addr, n, pairs, &cl)
		} else {
			c, err = b.pyManagerClients(ctx, m.pair, script, addr, n, pairs, &cl)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", m.pair, err)
		}
		cs = append(cs, c)
	}
	samples, err := b.interleave(group, cs)
	if err != nil {
		return err
	}
	for i, c := range cs {
		rates := make([]float64, len(samples[i]))
		for j, secs := range samples[i] {
			rates[j] = float64(n*pairs) / secs
		}
		b.add(group, c.impl, "pairs/s", rates, true)
	}
	return nil
}

// goManager serves get_queue with a Go manager; cl closes it.
func goManager(cl *closers) (string, error) {
	s := managers.NewServer(managers.WithAuthKey(authKey))
	if err := s.Register("get_queue", managers.Type{New: managers.Singleton(managers.NewQueue(0))}); err != nil {
		return "", err
	}
	l, err := managers.Listen(context.Background(), "tcp", "127.0.0.1:0", managers.WithAuthKey(authKey))
	if err != nil {
		return "", err
	}
	go s.Serve(l)
	cl.add(s.Close)
	return l.Addr().String(), nil
}

// pyManager starts managers.py's CPython manager; cl stops it.
func (b *bencher) pyManager(ctx context.Context, script string, cl *closers) (string, error) {
	p, err := b.startPy(ctx, "managers.py server", script, "server")
	if err != nil {
		return "", err
	}
	cl.add(func() error { p.cmd.Process.Kill(); p.cmd.Wait(); return nil })
	line, err := p.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("the python manager did not start: %v", err)
	}
	return strings.TrimSpace(line), nil
}

// goManagerClients is a contender of n Go clients on the queue at once,
// each making pairs put+get pairs per repetition: its seconds are the
// slowest client's.
func goManagerClients(ctx context.Context, pair, addr string, n, pairs int, cl *closers) (contender, error) {
	queues := make([]managers.QueueProxy, n)
	for i := range queues {
		c, err := managers.Dial(ctx, "tcp", addr, managers.WithAuthKey(authKey))
		if err != nil {
			return contender{}, err
		}
		cl.add(c.Close)
		p, err := c.Create(ctx, "get_queue")
		if err != nil {
			return contender{}, err
		}
		queues[i] = managers.QueueProxy{Proxy: p}
	}
	batch := func(count int) error {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, q := range queues {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range count {
					if err := q.Put(ctx, j); err != nil {
						errs[i] = err
						return
					}
					if _, err := q.Get(ctx); err != nil {
						errs[i] = err
						return
					}
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return goBatch(pair,
		func() error { return batch(min(pairs, 200)) },
		func() error { return batch(pairs) }), nil
}

// pyManagerClients is goManagerClients with n CPython client processes,
// which warm up as they start and begin each repetition together.
func (b *bencher) pyManagerClients(ctx context.Context, pair, script, addr string, n, pairs int, cl *closers) (contender, error) {
	procs := make([]*pyProc, n)
	for i := range procs {
		p, err := b.startPy(ctx, "managers.py client", script, "client", addr, fmt.Sprint(pairs))
		if err != nil {
			return contender{}, err
		}
		cl.add(func() error { p.in.Close(); return p.cmd.Wait() })
		procs[i] = p
	}
	for _, p := range procs {
		if line, err := p.out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
			return contender{}, fmt.Errorf("python client: %q, %v", line, err)
		}
	}
	rep := func() (float64, error) {
		for _, p := range procs {
			if _, err := io.WriteString(p.in, "go\n"); err != nil {
				return 0, err
			}
		}
		slowest := 0.0
		for _, p := range procs {
			line, err := p.out.ReadString('\n')
			if err != nil {
				return 0, fmt.Errorf("python client: %v", err)
			}
			var secs float64
			if err := json.Unmarshal([]byte(line), &secs); err != nil {
				return 0, fmt.Errorf("python client said %q: %v", line, err)
			}
			slowest = max(slowest, secs)
		}
		return slowest, nil
	}
	return contender{impl: pair, warm: func() error { return nil }, rep: rep}, nil
}
