// Command quickstart shows Go and Python exchanging objects over
// multiprocessing.connection. It starts a stock Python Listener (the
// listener.py beside this file, run by the machine's python3), connects to it
// from Go with an authentication key, sends Go values, and prints what Python
// made of each and what came back. Then Python sends objects of its own.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -python /path/to/python3.12
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

//go:embed listener.py
var listenerPy string

// Point has no Python class registered, so it travels as a dict of its fields.
type Point struct {
	X int `pickle:"x"`
	Y int `pickle:"y"`
}

func main() {
	python := flag.String("python", "", "Python 3 interpreter to run (default: python3 on PATH)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *python); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, python string) error {
	if python == "" {
		p, err := exec.LookPath("python3")
		if err != nil {
			return errors.New("python3 is not on PATH: install Python 3 (Debian/Ubuntu: apt-get install python3; macOS: brew install python3) or pass -python /path/to/python3")
		}
		python = p
	}

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, python, "-c", listenerPy)
	// The key goes through the environment, not argv, so `ps` does not show it.
	cmd.Env = append(os.Environ(), "QUICKSTART_KEY="+hex.EncodeToString(key))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", python, err)
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the Python listener did not start (is %s Python 3.6+?): %w", python, err)
	}
	addr = strings.TrimSpace(addr)
	fmt.Fprintf(out, "Python Listener at %s; connecting from Go\n\n", addr)

	conn, err := connection.Dial(ctx, "tcp", addr, connection.WithAuthKey(key))
	if err != nil {
		return err
	}
	defer conn.Close()

	primes, _ := pickle.NewSet(int64(2), int64(3), int64(5))
	values := []any{
		"héllo, 世界 🐍",
		42,
		new(big.Int).Lsh(big.NewInt(1), 100),
		2.5,
		nil,
		[]byte("raw\x00bytes"),
		[]any{"a", 2.5, nil},
		map[string]any{"name": "gopher", "age": 13},
		pickle.Tuple{1, "two"},
		primes,
		time.Date(2024, 5, 17, 12, 30, 0, 0, time.UTC),
		Point{X: 1, Y: 2},
		pickle.Global{Module: "builtins", Name: "sum"},
	}
	table := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "GO SENT\tPYTHON RECEIVED\tBACK IN GO")
	for _, v := range values {
		if err := conn.Send(v); err != nil {
			return err
		}
		// Python answers (repr(obj), type(obj).__name__, obj): a tuple, which
		// fills the struct's fields in order.
		var reply struct {
			Repr string
			Type string
			Back any
		}
		if err := conn.RecvInto(&reply); err != nil {
			return err
		}
		fmt.Fprintf(table, "%T\t%s %s\t%T\n", v, reply.Type, reply.Repr, reply.Back)
	}
	if err := table.Flush(); err != nil {
		return err
	}

	if err := conn.Send("close"); err != nil {
		return err
	}
	last, err := conn.Recv()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nPython sent a dict; Go received:")
	if d, ok := last.(*pickle.Dict); ok {
		for k, v := range d.All() {
			fmt.Fprintf(out, "  %-7v %-18T %v\n", k, v, v)
		}
	}
	exited = true
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("the Python listener failed: %w", err)
	}
	return nil
}
