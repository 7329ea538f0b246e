package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	ogórek "github.com/kisielk/og-rek"
	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/mpconn/mpconn/pickle"
	gopickle "github.com/nlpodyssey/gopickle/pickle"
)

// What the pickle worker keeps between requests: the pickle a decode round
// loads, and the value an encode round dumps.
const (
	keptPickle = "pickle"
	keptValue  = "value"
)

// pickleWorker is the one pickles.py process of a run, and the directory of
// the files it and the Go side hand each other.
type pickleWorker struct {
	*pyProc
	dir string
}

// keep has the worker keep the pickle data (op "read") or the value it
// pickles (op "load") as name.
func (w *pickleWorker) keep(op, name string, data []byte) error {
	path := filepath.Join(w.dir, name+".pickle")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	return w.call(map[string]any{"op": op, "name": name, "path": path}, nil)
}

// sameValue checks that data loads in CPython as a value equal to the one
// the worker keeps as name.
func (w *pickleWorker) sameValue(name string, data []byte) error {
	path := filepath.Join(w.dir, "check.pickle")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	var r struct{ Equal bool }
	if err := w.call(map[string]any{"op": "equal", "name": name, "path": path}, &r); err != nil {
		return err
	}
	if !r.Equal {
		return errors.New("its pickle loads in CPython as a different value")
	}
	return nil
}

func (w *pickleWorker) drop(names ...string) error {
	return w.call(map[string]any{"op": "drop", "names": names}, nil)
}

// timed is a pickles.py contender: req once untimed, then once per
// repetition with the configured minimum time.
func (b *bencher) timed(w *pickleWorker, req map[string]any) contender {
	warm, rep := map[string]any{"min": 0}, map[string]any{"min": b.cfg.PickleMin}
	for k, v := range req {
		warm[k], rep[k] = v, v
	}
	return pyContender(implPy, w.pyProc, warm, rep)
}

func ms(secs []float64) []float64 {
	r := make([]float64, len(secs))
	for i, s := range secs {
		r[i] = s * 1e3
	}
	return r
}

// pickles runs the pickle rows: internal/benchdata's decode cases and encode
// datasets, then the datasets CPython writes itself, each round against one
// pickles.py process that times CPython's C pickle.
func (b *bencher) pickles(ctx context.Context) error {
	dir := filepath.Join(b.tmp, "pickles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	script := filepath.Join(b.tmp, "pickles.py")
	if err := os.WriteFile(script, picklesPy, 0o644); err != nil {
		return err
	}
	p, err := b.startPy(ctx, "pickles.py", script)
	if err != nil {
		return err
	}
	w := &pickleWorker{pyProc: p, dir: dir}
	err = b.goWritten(w)
	if err == nil {
		err = b.cpythonWritten(w)
	}
	if cerr := p.close(); err == nil {
		err = cerr
	}
	return err
}

// goWritten runs the rows of internal/benchdata's datasets, which Go
// writes the way CPython's C pickler does.
func (b *bencher) goWritten(w *pickleWorker) error {
	for _, c := range benchdata.ScaledDecodeCases(b.cfg.PickleDiv) {
		if err := w.keep("read", keptPickle, c.Data); err != nil {
			return err
		}
		if err := b.decodeRound(w, c.Name, c.Data, c.Target, c.Name == "bytes32MiB"); err != nil {
			return err
		}
		if err := w.drop(keptPickle); err != nil {
			return err
		}
		runtime.GC()
	}
	for _, set := range encodeRounds(benchdata.ScaledEncodeDatasets(b.cfg.PickleDiv)) {
		var forms []encodeForm
		for _, ds := range set {
			g := "encode " + ds.Name
			if base, ok := strings.CutSuffix(ds.Name, "_typed"); ok {
				g = "encode " + base + " (typed Go)"
			}
			v := ds.Make()
			forms = append(forms, encodeForm{group: g, v: v, og: v})
		}
		// CPython dumps what it loads from our pickle of the first form.
		data, err := pickle.Marshal(forms[0].v)
		if err != nil {
			return fmt.Errorf("%s: %v", forms[0].group, err)
		}
		if err := w.keep("load", keptValue, data); err != nil {
			return err
		}
		if err := b.encodeRound(w, "encode "+set[0].Name, pickle.DefaultProtocol, forms); err != nil {
			return err
		}
		if err := w.drop(keptValue); err != nil {
			return err
		}
		runtime.GC()
	}
	return nil
}

// encodeRounds groups each "NAME_typed" dataset with the NAME before it, so
// that both forms of a value are timed in one round with CPython's dumps of
// it.
func encodeRounds(sets []benchdata.EncodeSet) [][]benchdata.EncodeSet {
	var rounds [][]benchdata.EncodeSet
	for _, ds := range sets {
		if base, ok := strings.CutSuffix(ds.Name, "_typed"); ok && len(rounds) > 0 && rounds[len(rounds)-1][0].Name == base {
			rounds[len(rounds)-1] = append(rounds[len(rounds)-1], ds)
			continue
		}
		rounds = append(rounds, []benchdata.EncodeSet{ds})
	}
	return rounds
}

// decodeRound times decoding data into any (mpconn, gopickle, og-rek) and
// into the typed Go target (mpconn), interleaved with CPython's loads of the
// same bytes, which w keeps as keptPickle. The rows are "decode LABEL → any"
// and "decode LABEL → typed"; CPython's samples serve both. blob says the
// pickle is one large bytes object.
func (b *bencher) decodeRound(w *pickleWorker, label string, data []byte, target func() any, blob bool) error {
	s := string(data)
	cs := []contender{
		b.goCalls(implAny, func() error { var v any; return pickle.Unmarshal(data, &v) }),
		b.goCalls(implTyped, func() error { return pickle.Unmarshal(data, target()) }),
		b.goCalls(implGP, func() error { _, err := gopickle.Loads(s); return err }),
		b.goCalls(implOG, func() error { _, err := ogórek.NewDecoder(bytes.NewReader(data)).Decode(); return err }),
		b.timed(w, map[string]any{"op": "loads", "name": keptPickle}),
	}
	samples, err := b.interleave("decode "+label, cs)
	if err != nil {
		return err
	}
	gAny, gTyped := "decode "+label+" → any", "decode "+label+" → typed"
	py := ms(samples[4])
	b.add(gAny, implAny, "ms", ms(samples[0]), false)
	b.add(gAny, implGP, "ms", ms(samples[2]), false)
	b.add(gAny, implOG, "ms", ms(samples[3]), false)
	b.add(gAny, implPy, "ms", py, false)
	// The blob is one memmove in every decoder: no target against the others.
	vsGo := targetDecodeVsGo
	if blob {
		vsGo = 0
	}
	b.ratio(gAny, implAny, implPy, targetDecodeAny)
	b.ratio(gAny, implAny, implGP, vsGo)
	b.ratio(gAny, implAny, implOG, vsGo)
	b.add(gTyped, implTyped, "ms", ms(samples[1]), false)
	b.add(gTyped, implPy, "ms", py, false)
	b.ratio(gTyped, implTyped, implPy, targetDecodeTyped)
	return nil
}

// encodeForm is one Go form of the value an encode round writes: its row,
// what mpconn encodes, and what og-rek encodes (nil: og-rek is not timed).
type encodeForm struct {
	group string
	v     any
	og    any
}

// encodeRound times mpconn and og-rek encoding each form at protocol,
// interleaved with CPython's dumps of the value w keeps as keptValue. Every
// encoder's pickle is first checked to load in CPython as that value: one
// that does not is an error for mpconn, and leaves og-rek out of the row.
func (b *bencher) encodeRound(w *pickleWorker, what string, protocol int, forms []encodeForm) error {
	var cs []contender
	var groups []string // the row of each contender but CPython's
	for _, f := range forms {
		ours := func() ([]byte, error) { return pickle.Marshal(f.v, pickle.WithProtocol(protocol)) }
		data, err := ours()
		if err == nil {
			err = w.sameValue(keptValue, data)
		}
		if err != nil {
			return fmt.Errorf("%s: mpconn: %v", f.group, err)
		}
		cs = append(cs, b.goCalls(implOurs, func() error { _, err := ours(); return err }))
		groups = append(groups, f.group)
		if f.og == nil {
			continue
		}
		var buf bytes.Buffer
		og := func() error {
			buf.Reset()
			return ogórek.NewEncoderWithConfig(&buf, &ogórek.EncoderConfig{Protocol: protocol, StrictUnicode: true}).Encode(f.og)
		}
		err = og()
		if err == nil {
			err = w.sameValue(keptValue, buf.Bytes())
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "  %s: og-rek left out: %v\n", f.group, err)
			continue
		}
		cs = append(cs, b.goCalls(implOG, og))
		groups = append(groups, f.group)
	}
	cs = append(cs, b.timed(w, map[string]any{"op": "dumps", "name": keptValue, "protocol": protocol}))
	samples, err := b.interleave(what, cs)
	if err != nil {
		return err
	}
	for i, g := range groups {
		b.add(g, cs[i].impl, "ms", ms(samples[i]), false)
	}
	py := ms(samples[len(cs)-1])
	for _, f := range forms {
		b.add(f.group, implPy, "ms", py, false)
		b.ratio(f.group, implOurs, implPy, targetEncode)
		b.ratio(f.group, implOurs, implOG, 0)
	}
	return nil
}
