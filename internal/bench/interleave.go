package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// A contender is one implementation measured in a round: warm runs it once
// untimed, rep runs one timed repetition and returns its seconds (per call
// for pickle, per batch for the network).
type contender struct {
	impl string
	warm func() error
	rep  func() (float64, error)
}

// interleave warms every contender, then runs repetition 1 of each, then
// repetition 2 of each, and so on, each round starting one contender later.
// Load that comes and goes, and whatever one contender leaves behind (garbage
// to collect, a cold cache), so falls on every column alike, and sample i of
// every contender comes from the same round. It returns the samples in the
// order of cs.
func (b *bencher) interleave(what string, cs []contender) ([][]float64, error) {
	fmt.Fprintf(os.Stderr, "  %s: %d × %d repetitions, interleaved\n", what, len(cs), b.cfg.reps)
	for _, c := range cs {
		if err := c.warm(); err != nil {
			return nil, fmt.Errorf("%s, %s: %w", what, c.impl, err)
		}
	}
	samples := make([][]float64, len(cs))
	for r := range b.cfg.reps {
		for k := range cs {
			i := (r + k) % len(cs)
			s, err := cs[i].rep()
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", what, cs[i].impl, err)
			}
			samples[i] = append(samples[i], s)
		}
	}
	return samples, nil
}

// goCalls is a contender that times calls of fn in this process: after a
// collection, as many calls as fit in the configured time (at least one),
// seconds per call.
func (b *bencher) goCalls(impl string, fn func() error) contender {
	return contender{impl: impl, warm: fn, rep: func() (float64, error) {
		runtime.GC()
		n, t0 := 0, time.Now()
		for {
			if err := fn(); err != nil {
				return 0, err
			}
			n++
			if el := time.Since(t0).Seconds(); el >= b.cfg.PickleMin {
				return el / float64(n), nil
			}
		}
	}}
}

// goBatch is a contender whose repetition is one call of rep, timed, after
// one call of warm.
func goBatch(impl string, warm, rep func() error) contender {
	return contender{impl: impl, warm: warm, rep: func() (float64, error) {
		t0 := time.Now()
		err := rep()
		return time.Since(t0).Seconds(), err
	}}
}

// pyContender is a contender timed inside p: it sends warm, then rep once per
// repetition, and takes the seconds p answers.
func pyContender(impl string, p *pyProc, warm, rep any) contender {
	return contender{impl: impl,
		warm: func() error { return p.call(warm, nil) },
		rep:  func() (float64, error) { return p.seconds(rep) }}
}
