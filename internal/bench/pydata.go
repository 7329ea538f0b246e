package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	ogórek "github.com/kisielk/og-rek"
	"github.com/mpconn/mpconn/internal/benchdata"
	"github.com/mpconn/mpconn/pickle"
)

// cpythonWritten runs the decode and encode rows of benchdata.PythonDatasets,
// at a 1/PickleDiv of their size, at each of benchdata.PythonProtocols. Decoding times CPython's
// bytes; encoding times the Go values decoded from them (into any, typed, and
// og-rek's model) against CPython's dumps of the value it built.
func (b *bencher) cpythonWritten(w *pickleWorker) error {
	for _, ds := range benchdata.PythonDatasets {
		n := max(1, ds.N/b.cfg.PickleDiv)
		if err := w.call(map[string]any{"op": "make", "name": keptValue, "kind": ds.Kind, "n": n, "seed": benchdata.PythonSeed}, nil); err != nil {
			return err
		}
		for _, p := range benchdata.PythonProtocols {
			label := fmt.Sprintf("%s (CPython p%d)", ds.Name, p)
			path := filepath.Join(w.dir, fmt.Sprintf("cpython-%s-%d.pickle", ds.Kind, p))
			if err := w.call(map[string]any{"op": "dump", "name": keptPickle, "value": keptValue, "protocol": p, "path": path}, nil); err != nil {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := b.decodeRound(w, label, data, ds.Typed, false); err != nil {
				return err
			}
			var v any
			typed := ds.Typed()
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
				{group: fmt.Sprintf("encode %s (CPython p%d, typed Go)", ds.Name, p), v: typed, og: typed},
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
