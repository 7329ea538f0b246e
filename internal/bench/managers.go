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
	"strconv"
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
// (the docs' remote queue, over TCP), with 1 and 10 clients at once, all
// sharing the manager's one queue: Go and CPython clients against Go and
// CPython servers, all four pairings set up at once and their repetitions
// interleaved. Every peer is a process of its own, as in use: a CPython
// client is a process per client, the Go clients of a pairing one process
// with a Client per client (this command run as a manager peer, see
// managerPeer).
func (b *bencher) managerQueues(ctx context.Context) error {
	script := filepath.Join(b.tmp, "managers.py")
	if err := os.WriteFile(script, managersPy, 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	pairs := b.cfg.rounds / 4
	for _, n := range managerClients {
		group := fmt.Sprintf("manager queue put+get pairs/s, %d client", n)
		if n > 1 {
			group += "s"
		}
		if err := b.managerRow(ctx, group, self, script, n, pairs); err != nil {
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

func (b *bencher) managerRow(ctx context.Context, group, self, script string, n, pairs int) error {
	ctx, cancel := context.WithCancel(ctx) // kills the peers on an error
	var cl closers
	defer cl.close()
	defer cancel()
	start := func(name string, goPeer bool, args ...string) (*pyProc, error) {
		if goPeer {
			p, err := startProc(exec.CommandContext(ctx, self, append([]string{managerPeerFlag}, args...)...), name)
			if err == nil {
				cl.add(p.close)
			}
			return p, err
		}
		p, err := b.startPy(ctx, name, append([]string{script}, args...)...)
		if err == nil {
			cl.add(p.close)
		}
		return p, err
	}
	var cs []contender
	for _, m := range []struct {
		pair           string
		goServer, goCl bool
	}{{pairGoGo, true, true}, {pairPyPy, false, false}, {pairGoPy, false, true}, {pairPyGo, true, false}} {
		srv, err := start(m.pair+" server", m.goServer, "server")
		if err != nil {
			return err
		}
		line, err := srv.out.ReadString('\n')
		if err != nil {
			return fmt.Errorf("%s: the manager did not start: %v", m.pair, err)
		}
		addr := strings.TrimSpace(line)
		var clients []*pyProc
		for range n {
			if m.goCl && len(clients) == 1 {
				break // one Go process runs all n clients
			}
			p, err := start(m.pair+" client", m.goCl, "client", addr, fmt.Sprint(pairs), fmt.Sprint(n))
			if err != nil {
				return err
			}
			clients = append(clients, p)
		}
		for _, p := range clients {
			if line, err := p.out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
				return fmt.Errorf("%s client: %q, %v", m.pair, line, err)
			}
		}
		cs = append(cs, contender{impl: m.pair, warm: func() error { return nil }, rep: func() (float64, error) {
			return slowestRep(clients)
		}})
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

// slowestRep starts a repetition in every client process at once and
// returns the seconds the slowest took.
func slowestRep(clients []*pyProc) (float64, error) {
	for _, p := range clients {
		if _, err := io.WriteString(p.in, "go\n"); err != nil {
			return 0, err
		}
	}
	slowest := 0.0
	for _, p := range clients {
		line, err := p.out.ReadString('\n')
		if err != nil {
			return 0, fmt.Errorf("%s: %v", p.name, err)
		}
		var secs float64
		if err := json.Unmarshal([]byte(line), &secs); err != nil {
			return 0, fmt.Errorf("%s said %q: %v", p.name, line, err)
		}
		slowest = max(slowest, secs)
	}
	return slowest, nil
}

// managerPeerFlag makes this command a Go peer of the manager rows, with
// managers.py's arguments and lines: "server" serves get_queue on
// 127.0.0.1 and prints host:port; "client ADDR PAIRS N" connects N Clients,
// warms them up and prints "ready", then for every "go" line on stdin has
// every Client put and get PAIRS items at once and prints the seconds it
// took. Stdin's end ends either.
const managerPeerFlag = "-manager-peer"

func managerPeer(args []string) error {
	ctx := context.Background()
	if len(args) == 1 && args[0] == "server" {
		s := managers.NewServer(managers.WithAuthKey(authKey))
		if err := s.Register("get_queue", managers.Type{New: managers.Singleton(managers.NewQueue(0))}); err != nil {
			return err
		}
		l, err := managers.Listen(ctx, "tcp", "127.0.0.1:0", managers.WithAuthKey(authKey))
		if err != nil {
			return err
		}
		go s.Serve(l)
		fmt.Println(l.Addr())
		io.Copy(io.Discard, os.Stdin)
		return s.Close()
	}
	if len(args) != 4 || args[0] != "client" {
		return fmt.Errorf("%s %q: want server, or client ADDR PAIRS N", managerPeerFlag, args)
	}
	pairs, err1 := strconv.Atoi(args[2])
	n, err2 := strconv.Atoi(args[3])
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	queues := make([]managers.QueueProxy, n)
	for i := range queues {
		c, err := managers.Dial(ctx, "tcp", args[1], managers.WithAuthKey(authKey))
		if err != nil {
			return err
		}
		defer c.Close()
		p, err := c.Create(ctx, "get_queue")
		if err != nil {
			return err
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
	if err := batch(min(pairs, 200)); err != nil {
		return err
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		t0 := time.Now()
		if err := batch(pairs); err != nil {
			return err
		}
		fmt.Println(time.Since(t0).Seconds())
	}
	return in.Err()
}
