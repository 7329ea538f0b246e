package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	ogórek "github.com/kisielk/og-rek"
	"github.com/mpconn/mpconn/pickle"
)

// mixedRecord is one element of the mixed100k dataset, decoded typed.
type mixedRecord struct {
	ID     int64    `pickle:"id"`
	Name   string   `pickle:"name"`
	City   string   `pickle:"city"`
	Score  float64  `pickle:"score"`
	Parent *int64   `pickle:"parent"`
	Active bool     `pickle:"active"`
	Tags   []string `pickle:"tags"`
}

// A pyDataset is a dataset that CPython builds and pickles itself (see
// pickles.py), rather than the Go writer of internal/benchdata: what a Go
// service receives from a Python peer.
type pyDataset struct {
	name  string // the row's name, for the full-size dataset
	kind  string // pickles.py's name for it
	n     int    // elements at full size
	typed func() any
}

var pyDatasets = []pyDataset{
	// Strings of 5 to 40 characters, mostly of one script (accented Latin,
	// Greek, CJK or emoji) with some ASCII and a few of the others.
	{"unicode100k", "unicode", 100000, func() any { return new([]string) }},
	// Dicts of int, non-ASCII str, a str from 10 city names, float, None or
	// int, bool and a list of up to 3 of 8 tags.
	{"mixed100k", "mixed", 100000, func() any { return new([]mixedRecord) }},
}

// pyProtocols are the protocols CPython pickles them at: 4, what CPython
// 3.8+ sends by default, and 2, what a Python 2.7 peer reads.
var pyProtocols = []int{4, 2}

// pySeed makes CPython build the same datasets in every run.
const pySeed = 20261121

// cpythonWritten runs the decode and encode rows of the pyDatasets, at a
// 1/PickleDiv of their size, at each of pyProtocols. Decoding times CPython's
// bytes; encoding times the Go values decoded from them (into any, typed, and
// og-rek's model) against CPython's dumps of the value it built.
func (b *bencher) cpythonWritten(w *pickleWorker) error {
	for _, ds := range pyDatasets {
		n := max(1, ds.n/b.cfg.PickleDiv)
		if err := w.call(map[string]any{"op": "make", "name": keptValue, "kind": ds.kind, "n": n, "seed": pySeed}, nil); err != nil {
			return err
		}
		for _, p := range pyProtocols {
			label := fmt.Sprintf("%s (CPython p%d)", ds.name, p)
			path := filepath.Join(w.dir, fmt.Sprintf("cpython-%s-%d.pickle", ds.kind, p))
			if err := w.call(map[string]any{"op": "dump", "name": keptPickle, "value": keptValue, "protocol": p, "path": path}, nil); err != nil {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := b.decodeRound(w, label, data, ds.typed, false); err != nil {
				return err
			}
			var v any
			typed := ds.typed()
			if err := pickle.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("%s: %v", label, err)
			}
			if err := pickle.Unmarshal(data, typed); err != nil {
				return fmt.Errorf("%s: %v", label, err)
			}
			og, err := ogórek.NewDecoder(bytes.NewReader(data)).Decode()
			if err != nil {
				return fmt.Errorf("%s: og-rek: %v", label, err)
			}
			forms := []encodeForm{
				{group: "encode " + label, v: v, og: og},
				{group: fmt.Sprintf("encode %s (CPython p%d, typed Go)", ds.name, p), v: typed, og: typed},
			}
			if err := b.encodeRound(w, "encode "+label, p, forms); err != nil {
				return err
			}
			if err := w.drop(keptPickle); err != nil {
				return err
			}
			runtime.GC()
		}
		if err := w.drop(keptValue); err != nil {
			return err
		}
	}
	return nil
}
