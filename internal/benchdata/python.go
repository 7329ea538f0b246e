package benchdata

// MixedRecord is one element of the "mixed" dataset CPython builds
// (internal/bench/pickles.py), decoded typed.
type MixedRecord struct {
	ID     int64    `pickle:"id"`
	Name   string   `pickle:"name"`
	City   string   `pickle:"city"`
	Score  float64  `pickle:"score"`
	Parent *int64   `pickle:"parent"`
	Active bool     `pickle:"active"`
	Tags   []string `pickle:"tags"`
}

// A PythonDataset is a dataset that CPython builds and pickles itself (see
// internal/bench/pickles.py), rather than the Go writer of this package:
// what a Go service receives from a Python peer.
type PythonDataset struct {
	Name  string     // the row's name, for the full-size dataset
	Kind  string     // pickles.py's name for it
	N     int        // elements at full size
	Typed func() any // a new typed target for it
}

// PythonDatasets are the datasets CPython writes.
var PythonDatasets = []PythonDataset{
	// Strings of 5 to 40 characters, mostly of one script (accented Latin,
	// Greek, CJK or emoji) with some ASCII and a few of the others.
	{"unicode100k", "unicode", 100000, func() any { return new([]string) }},
	// Dicts of int, non-ASCII str, a str from 10 city names, float, None or
	// int, bool and a list of up to 3 of 8 tags.
	{"mixed100k", "mixed", 100000, func() any { return new([]MixedRecord) }},
}

// PythonProtocols are the protocols CPython pickles them at: 4, what
// CPython 3.8+ sends by default, and 2, what a Python 2.7 peer reads.
var PythonProtocols = []int{4, 2}

// PythonSeed makes CPython build the same datasets every time.
const PythonSeed = 20261121
