package pickle

import (
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// corpusFile is what testdata/gen_corpus.py writes.
type corpusFile struct {
	Python  string        `json:"python"`
	Entries []corpusEntry `json:"entries"`
}

type corpusEntry struct {
	Name    string   `json:"name"`
	Pickles []string `json:"pickles"` // index = protocol
	Value   desc     `json:"value"`
}

// desc is the typed tree describing a Python value.
type desc struct {
	T      string          `json:"t"`
	V      json.RawMessage `json:"v"`
	ID     *int            `json:"id"`
	Re, Im string
	TZ     *struct {
		Offset int    `json:"offset"`
		Name   string `json:"name"`
	} `json:"tz"`
	Module string `json:"module"`
	Name   string `json:"name"`
	Args   []desc `json:"args"`
	State  *desc  `json:"state"`
}

// corpusFiles holds the snapshot files once parsed: several tests and the
// fuzz seeds read them, and parsing them dominated the package's time
// under the race detector.
var corpusFiles sync.Map // path -> corpusFile

func loadCorpusFile(t testing.TB, path string) corpusFile {
	if cf, ok := corpusFiles.Load(path); ok {
		return cf.(corpusFile)
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		require.NoError(t, err)
		r = gz
	}
	var cf corpusFile
	require.NoError(t, json.NewDecoder(r).Decode(&cf))
	corpusFiles.Store(path, cf)
	return cf
}

func snapshotFilesF() ([]string, error) {
	return filepath.Glob("testdata/corpus/*.json.gz")
}

func snapshotFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/corpus/*.json.gz")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// checker compares a decoded value with a description, tracking identities.
type checker struct {
	ids map[int]any
}

func (c *checker) fail(path, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

func identity(v any) uintptr {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map:
		return rv.Pointer()
	case reflect.Slice:
		if rv.Len() == 0 {
			return 0
		}
		return rv.Pointer()
	}
	return 0
}

func (c *checker) check(path string, d desc, got any) error {
	if d.T == "ref" {
		want, ok := c.ids[*d.ID]
		if !ok {
			return c.fail(path, "ref to unknown id %d", *d.ID)
		}
		if identity(want) == 0 || identity(want) != identity(got) {
			return c.fail(path, "want the same object as id %d (%T), got %T %p", *d.ID, want, got, got)
		}
		return nil
	}
	if d.ID != nil {
		c.ids[*d.ID] = got
	}
	var s string
	if len(d.V) > 0 && d.V[0] == '"' {
		_ = json.Unmarshal(d.V, &s)
	}
	switch d.T {
	case "any": // a value only the round trip checks (TestConformanceLive)
	case "none":
		if got != nil {
			return c.fail(path, "want None, got %#v", got)
		}
	case "bool":
		var b bool
		_ = json.Unmarshal(d.V, &b)
		if got != b {
			return c.fail(path, "want %v, got %#v", b, got)
		}
	case "int":
		want, _ := new(big.Int).SetString(s, 10)
		switch x := got.(type) {
		case int64:
			if !want.IsInt64() || want.Int64() != x {
				return c.fail(path, "want %s, got int64 %d", s, x)
			}
		case *big.Int:
			if want.IsInt64() || x.Cmp(want) != 0 {
				return c.fail(path, "want %s, got *big.Int %s", s, x)
			}
		default:
			return c.fail(path, "want int %s, got %#v", s, got)
		}
	case "float":
		f, ok := got.(float64)
		if !ok || !sameFloat(f, s) {
			return c.fail(path, "want float %s, got %#v", s, got)
		}
	case "complex":
		x, ok := got.(complex128)
		if !ok || !sameFloat(real(x), d.Re) || !sameFloat(imag(x), d.Im) {
			return c.fail(path, "want complex(%s, %s), got %#v", d.Re, d.Im, got)
		}
	case "str":
		if got != s {
			return c.fail(path, "want %q, got %#v", s, got)
		}
	case "py2str":
		b, _ := hex.DecodeString(s)
		if got != string(b) {
			return c.fail(path, "want py2 str %q, got %#v", b, got)
		}
	case "bytes":
		b, _ := hex.DecodeString(s)
		x, ok := got.([]byte)
		if !ok || string(x) != string(b) {
			return c.fail(path, "want bytes %q, got %#v", b, got)
		}
	case "bytearray":
		b, _ := hex.DecodeString(s)
		x, ok := got.(ByteArray)
		if !ok || string(x) != string(b) {
			return c.fail(path, "want bytearray %q, got %#v", b, got)
		}
	case "list", "tuple", "set", "frozenset":
		var items []desc
		_ = json.Unmarshal(d.V, &items)
		var gotItems []any
		switch x := got.(type) {
		case []any:
			if d.T != "list" {
				return c.fail(path, "want %s, got list", d.T)
			}
			gotItems = x
		case Tuple:
			if d.T != "tuple" {
				return c.fail(path, "want %s, got tuple", d.T)
			}
			gotItems = x
		case *Set:
			if d.T != "set" {
				return c.fail(path, "want %s, got set", d.T)
			}
			gotItems = x.Items()
		case *FrozenSet:
			if d.T != "frozenset" {
				return c.fail(path, "want %s, got frozenset", d.T)
			}
			gotItems = x.Items()
		default:
			return c.fail(path, "want %s, got %#v", d.T, got)
		}
		if len(items) != len(gotItems) {
			return c.fail(path, "want %d items, got %d", len(items), len(gotItems))
		}
		if d.T == "set" || d.T == "frozenset" {
			// Order differs between interpreters: match each member.
			for _, it := range items {
				found := false
				for _, g := range gotItems {
					if (&checker{ids: map[int]any{}}).check(path, it, g) == nil {
						found = true
						break
					}
				}
				if !found {
					return c.fail(path, "member %+v not found in %v", it, gotItems)
				}
			}
			return nil
		}
		for i := range items {
			if err := c.check(fmt.Sprintf("%s[%d]", path, i), items[i], gotItems[i]); err != nil {
				return err
			}
		}
	case "dict":
		var items [][2]desc
		_ = json.Unmarshal(d.V, &items)
		x, ok := got.(*Dict)
		if !ok {
			return c.fail(path, "want dict, got %#v", got)
		}
		if x.Len() != len(items) {
			return c.fail(path, "want %d items, got %d", len(items), x.Len())
		}
		for _, it := range items {
			found := false
			for _, g := range x.Items() {
				if (&checker{ids: c.ids}).check(path, it[0], g.Key) == nil {
					if err := c.check(fmt.Sprintf("%s[%v]", path, g.Key), it[1], g.Value); err != nil {
						return err
					}
					found = true
					break
				}
			}
			if !found {
				return c.fail(path, "key %+v not found", it[0])
			}
		}
	case "datetime":
		var f []int
		_ = json.Unmarshal(d.V, &f)
		x, ok := got.(time.Time)
		if !ok {
			return c.fail(path, "want datetime, got %#v", got)
		}
		if x.Year() != f[0] || int(x.Month()) != f[1] || x.Day() != f[2] || x.Hour() != f[3] || x.Minute() != f[4] || x.Second() != f[5] || x.Nanosecond() != f[6]*1000 {
			return c.fail(path, "want datetime %v, got %v", f, x)
		}
		if err := checkLoc(x.Location(), d); err != nil {
			return c.fail(path, "%v", err)
		}
	case "date":
		var f []int
		_ = json.Unmarshal(d.V, &f)
		if got != (Date{f[0], time.Month(f[1]), f[2]}) {
			return c.fail(path, "want date %v, got %#v", f, got)
		}
	case "time":
		var f []int
		_ = json.Unmarshal(d.V, &f)
		x, ok := got.(TimeOfDay)
		if !ok || x.Hour != f[0] || x.Minute != f[1] || x.Second != f[2] || x.Microsecond != f[3] {
			return c.fail(path, "want time %v, got %#v", f, got)
		}
		loc := x.Location
		if loc == nil {
			if d.TZ != nil {
				return c.fail(path, "want tz %+v, got naive", d.TZ)
			}
			return nil
		}
		if err := checkLoc(loc, d); err != nil {
			return c.fail(path, "%v", err)
		}
	case "timedelta":
		var f []int64
		_ = json.Unmarshal(d.V, &f)
		if dur, fits := durationOf(f[0], f[1], f[2]); fits {
			if got != dur {
				return c.fail(path, "want %v, got %#v", dur, got)
			}
			return nil
		}
		o, ok := got.(*Object)
		if !ok || o.Class != (Global{"datetime", "timedelta"}) || len(o.Args) != 3 || o.Args[0] != f[0] {
			return c.fail(path, "want timedelta object %v, got %#v", f, got)
		}
	case "decimal":
		if got != Decimal(s) {
			return c.fail(path, "want Decimal %q, got %#v", s, got)
		}
	case "uuid":
		x, ok := got.(UUID)
		if !ok || hex.EncodeToString(x[:]) != s {
			return c.fail(path, "want UUID %s, got %#v", s, got)
		}
	case "global":
		if got != (Global{d.Module, d.Name}) {
			return c.fail(path, "want global %s.%s, got %#v", d.Module, d.Name, got)
		}
	case "exception":
		x, ok := got.(*Exception)
		if !ok || x.Class.Name != d.Name || !(x.Class.Module == d.Module || strings.HasPrefix(d.Module, "multiprocessing") && strings.HasPrefix(x.Class.Module, "multiprocessing")) {
			return c.fail(path, "want exception %s.%s, got %#v", d.Module, d.Name, got)
		}
		return c.checkArgs(path, d.Args, x.Args)
	case "object":
		x, ok := got.(*Object)
		if !ok || x.Class != (Global{d.Module, d.Name}) {
			return c.fail(path, "want object %s.%s, got %#v", d.Module, d.Name, got)
		}
		if d.State != nil {
			if err := c.check(path+".__dict__", *d.State, objDict(x.State)); err != nil {
				return err
			}
		}
		if d.Args != nil {
			return c.checkArgs(path, d.Args, x.Args)
		}
	default:
		return c.fail(path, "unknown description type %q", d.T)
	}
	return nil
}

// objDict returns the __dict__ part of a BUILD state.
func objDict(state any) any {
	if t, ok := state.(Tuple); ok && len(t) == 2 {
		return t[0]
	}
	return state
}

func (c *checker) checkArgs(path string, want []desc, got Tuple) error {
	if len(want) != len(got) {
		return c.fail(path, "want %d args, got %v", len(want), got)
	}
	for i := range want {
		if err := c.check(fmt.Sprintf("%s.args[%d]", path, i), want[i], got[i]); err != nil {
			return err
		}
	}
	return nil
}

func checkLoc(loc *time.Location, d desc) error {
	if d.TZ == nil {
		if loc != time.Local {
			return fmt.Errorf("want naive (time.Local), got %v", loc)
		}
		return nil
	}
	_, off := time.Date(2024, 1, 1, 0, 0, 0, 0, loc).Zone()
	if off != d.TZ.Offset {
		return fmt.Errorf("want offset %d, got %d", d.TZ.Offset, off)
	}
	if d.TZ.Offset == 0 && d.TZ.Name == "UTC" && loc != time.UTC && loc.String() != "UTC" {
		return fmt.Errorf("want UTC, got %v", loc)
	}
	return nil
}

func sameFloat(f float64, s string) bool {
	switch s {
	case "nan":
		return math.IsNaN(f)
	case "inf":
		return math.IsInf(f, 1)
	case "-inf":
		return math.IsInf(f, -1)
	}
	w, err := strconv.ParseFloat(s, 64)
	return err == nil && math.Float64bits(w) == math.Float64bits(f)
}

// checkCorpus decodes every pickle of a corpus file, into any (compared with
// the description), through the streaming Decoder, and into typed targets.
func checkCorpus(t *testing.T, cf corpusFile) {
	for _, e := range cf.Entries {
		for proto, h := range e.Pickles {
			if h == "" {
				continue // that Python cannot pickle it at that protocol
			}
			name := fmt.Sprintf("%s/p%d/%s", cf.Python, proto, e.Name)
			data, err := hex.DecodeString(h)
			require.NoError(t, err, name)
			var got any
			if err := Unmarshal(data, &got); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if err := (&checker{ids: map[int]any{}}).check("$", e.Value, got); err != nil {
				t.Errorf("%s (hex %s): %v", name, h, err)
			}
			// The streaming decoder stops at STOP; what it read beyond is Buffered.
			r := &countingReader{data: append(append([]byte(nil), data...), 0xAA)}
			dec := NewDecoder(r)
			var got2 any
			if err := dec.Decode(&got2); err != nil {
				t.Errorf("%s: Decoder: %v", name, err)
				continue
			}
			rest, _ := io.ReadAll(dec.Buffered())
			if dec.InputOffset() != int64(len(data)) || string(rest) != "\xaa" {
				t.Errorf("%s: Decoder at offset %d with %x buffered, pickle has %d bytes", name, dec.InputOffset(), rest, len(data))
			}
			if err := (&checker{ids: map[int]any{}}).check("$", e.Value, got2); err != nil {
				t.Errorf("%s: Decoder: %v", name, err)
			}
		}
	}
}

// countingReader is an io.Reader (not a ByteReader) that records how far it was read.
type countingReader struct {
	data []byte
	pos  int
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.pos >= len(r.data) {
		return 0, io.EOF
	}
	n := copy(p, r.data[r.pos:])
	r.pos += n
	return n, nil
}

func TestCorpusSnapshot(t *testing.T) {
	for _, f := range snapshotFiles(t) {
		cf := loadCorpusFile(t, f)
		t.Run(cf.Python, func(t *testing.T) { checkCorpus(t, cf) })
	}
}
