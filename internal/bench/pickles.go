package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	ogórek "github.com/kisielk/og-rek"
	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/mpconn/mpconn/pickle"
	gopickle "github.com/nlpodyssey/gopickle/pickle"
)

// timeGo returns seconds per call of fn, one value per repetition; each
// repetition runs fn at least once and for at least the configured time.
func (b *bencher) timeGo(fn func() error) ([]float64, error) {
	if err := fn(); err != nil {
		return nil, err
	}
	var out []float64
	for range b.cfg.reps {
		runtime.GC()
		n, t0 := 0, time.Now()
		var el time.Duration
		for {
			if err := fn(); err != nil {
				return nil, err
			}
			n++
			if el = time.Since(t0); el.Seconds() >= b.cfg.PickleMin {
				break
			}
		}
		out = append(out, el.Seconds()/float64(n))
	}
	return out, nil
}

func ms(secs []float64) []float64 {
	r := make([]float64, len(secs))
	for i, s := range secs {
		r[i] = s * 1e3
	}
	return r
}

func (b *bencher) pickles(ctx context.Context) error {
	dir := filepath.Join(b.tmp, "pickles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The bytes CPython times: the decode pickles, and our pickles of the
	// encode datasets (CPython loads them once and times dumps of the value).
	decode := benchdata.ScaledDecodeCases(b.cfg.PickleDiv)
	for _, c := range decode {
		if err := os.WriteFile(filepath.Join(dir, "decode-"+c.Name+".pickle"), c.Data, 0o644); err != nil {
			return err
		}
	}
	encode := benchdata.ScaledEncodeDatasets(b.cfg.PickleDiv)
	for _, ds := range encode {
		if strings.HasSuffix(ds.Name, "_typed") {
			continue
		}
		data, err := pickle.Marshal(ds.Make())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "encode-"+ds.Name+".pickle"), data, 0o644); err != nil {
			return err
		}
	}
	runtime.GC()
	script := filepath.Join(b.tmp, "pickles.py")
	if err := os.WriteFile(script, picklesPy, 0o644); err != nil {
		return err
	}
	cmd := b.py.Command(ctx, script, dir, fmt.Sprint(b.cfg.reps), fmt.Sprint(b.cfg.PickleMin))
	cmd.Stderr = os.Stderr
	fmt.Fprintln(os.Stderr, "  CPython pickle.loads/dumps ...")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("pickles.py: %v", err)
	}
	var py struct{ Decode, Encode map[string][]float64 }
	if err := json.Unmarshal(out, &py); err != nil {
		return fmt.Errorf("pickles.py said %q: %v", out, err)
	}

	for _, c := range decode {
		gAny, gTyped := "decode "+c.Name+" → any", "decode "+c.Name+" → typed"
		secs, err := b.timeGo(func() error { var v any; return pickle.Unmarshal(c.Data, &v) })
		if err != nil {
			return fmt.Errorf("%s: %v", gAny, err)
		}
		b.add(gAny, implAny, "ms", ms(secs), false)
		s := string(c.Data)
		secs, err = b.timeGo(func() error { _, err := gopickle.Loads(s); return err })
		if err != nil {
			return fmt.Errorf("%s gopickle: %v", gAny, err)
		}
		b.add(gAny, implGP, "ms", ms(secs), false)
		secs, err = b.timeGo(func() error { _, err := ogórek.NewDecoder(bytes.NewReader(c.Data)).Decode(); return err })
		if err != nil {
			return fmt.Errorf("%s og-rek: %v", gAny, err)
		}
		b.add(gAny, implOG, "ms", ms(secs), false)
		b.add(gAny, implPy, "ms", ms(py.Decode[c.Name]), false)
		b.ratio(gAny, implAny, implPy, 1)
		b.ratio(gAny, implAny, implGP, 2)
		b.ratio(gAny, implAny, implOG, 2)

		secs, err = b.timeGo(func() error { return pickle.Unmarshal(c.Data, c.Target()) })
		if err != nil {
			return fmt.Errorf("%s: %v", gTyped, err)
		}
		b.add(gTyped, implTyped, "ms", ms(secs), false)
		b.add(gTyped, implPy, "ms", ms(py.Decode[c.Name]), false)
		b.ratio(gTyped, implTyped, implPy, 2)
		runtime.GC()
	}

	for _, ds := range encode {
		g := "encode " + ds.Name
		if base, ok := strings.CutSuffix(ds.Name, "_typed"); ok {
			g = "encode " + base + " (typed Go)"
		}
		v := ds.Make()
		secs, err := b.timeGo(func() error { _, err := pickle.Marshal(v); return err })
		if err != nil {
			return fmt.Errorf("%s: %v", g, err)
		}
		b.add(g, implOurs, "ms", ms(secs), false)
		var buf bytes.Buffer
		secs, err = b.timeGo(func() error {
			buf.Reset()
			return ogórek.NewEncoderWithConfig(&buf, &ogórek.EncoderConfig{Protocol: 4}).Encode(v)
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "  %s: og-rek: %v\n", g, err)
		} else {
			b.add(g, implOG, "ms", ms(secs), false)
		}
		name, _, _ := strings.Cut(ds.Name, "_")
		b.add(g, implPy, "ms", ms(py.Encode[name]), false)
		b.ratio(g, implOurs, implPy, 1)
		b.ratio(g, implOurs, implOG, 0)
		v = nil
		runtime.GC()
	}
	return nil
}
