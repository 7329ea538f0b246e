package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// pyProc is a long-lived Python process that answers requests, one line of
// JSON each way: pickles.py, and peer.py as a client. The Go command tells
// it what to time one repetition at a time, so that its repetitions
// interleave with everyone else's.
type pyProc struct {
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
}

// startPy starts the interpreter on script with args; name says which
// process an error came from.
func (b *bencher) startPy(ctx context.Context, name string, args ...string) (*pyProc, error) {
	return startProc(b.py.Command(ctx, args...), name)
}

// startProc starts cmd with pipes to its stdin and stdout.
func startProc(cmd *exec.Cmd, name string) (*pyProc, error) {
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
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &pyProc{name: name, cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

// call sends req and decodes the answer into resp (which may be nil). An
// answer {"error": "..."} is returned as an error.
func (p *pyProc) call(req, resp any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := p.in.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("%s: %v", p.name, err)
	}
	answer, err := p.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("%s: no answer to %s: %v", p.name, line, err)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(answer, &e); err != nil {
		return fmt.Errorf("%s answered %q: %v", p.name, answer, err)
	}
	if e.Error != "" {
		return fmt.Errorf("%s: %s: %s", p.name, line, e.Error)
	}
	if resp == nil {
		return nil
	}
	return json.Unmarshal(answer, resp)
}

// seconds sends req and returns the "seconds" of the answer.
func (p *pyProc) seconds(req any) (float64, error) {
	var r struct{ Seconds float64 }
	err := p.call(req, &r)
	return r.Seconds, err
}

// close ends the process by closing its input, and waits for it.
func (p *pyProc) close() error {
	p.in.Close()
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %v", p.name, err)
	}
	return nil
}
