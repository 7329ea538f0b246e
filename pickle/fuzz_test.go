package pickle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"
)

func addCorpusSeeds(f *testing.F) {
	files, _ := snapshotFilesF()
	for _, path := range files {
		cf := loadCorpusFile(f, path)
		for _, e := range cf.Entries {
			for _, h := range e.Pickles {
				if b, err := hex.DecodeString(h); err == nil && len(b) > 0 && len(b) < 4096 {
					f.Add(b)
				}
			}
		}
	}
	for _, s := range []string{"I01\n.", "S'\\x41'\n.", "V\\u20ac\n.", "(K\x01K\x02u.", "r\xff\xff\xff\xff"} {
		f.Add([]byte(s))
	}
}

func FuzzDecode(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		_ = Unmarshal(data, &v, WithMaxSize(1<<20))
		var v2 any
		_ = NewDecoder(bytes.NewReader(data), WithMaxSize(1<<20)).Decode(&v2)
		var v3 any
		_ = NewDecoder(&countingReader{data: data}).Decode(&v3)
		_ = Unmarshal(data, &v, Py2StringsAsBytes(), Strict())
	})
}

type fuzzTarget struct {
	I    int               `pickle:"i"`
	U8   uint8             `pickle:"u8"`
	F    float32           `pickle:"f"`
	S    string            `pickle:"s"`
	B    []byte            `pickle:"b"`
	L    []int64           `pickle:"l"`
	M    map[string]*int   `pickle:"m"`
	MK   map[[2]int]string `pickle:"mk"`
	T    time.Time         `pickle:"t"`
	D    time.Duration     `pickle:"d"`
	Big  *big.Int          `pickle:"big"`
	Any  any               `pickle:"any"`
	Arr  [2]string         `pickle:"arr"`
	Next *fuzzTarget       `pickle:"next"`
	Sub  struct {
		X []point
	} `pickle:"sub"`
}

func FuzzUnmarshalStruct(f *testing.F) {
	addCorpusSeeds(f)
	f.Add([]byte("}(X\x01\x00\x00\x00iK\x01X\x01\x00\x00\x00l(K\x01K\x02lX\x01\x00\x00\x00s\x8c\x01xu."))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s fuzzTarget
		_ = Unmarshal(data, &s)
		var sl []fuzzTarget
		_ = Unmarshal(data, &sl)
		var m map[string]fuzzTarget
		_ = Unmarshal(data, &m)
	})
}

// modelTargets holds a field of every value-model type and the generic
// maps, the targets a peer must not be able to crash.
type modelTargets struct {
	D  *Dict          `pickle:"d"`
	DV Dict           `pickle:"dv"`
	S  *Set           `pickle:"s"`
	F  *FrozenSet     `pickle:"f"`
	O  *Object        `pickle:"o"`
	E  *Exception     `pickle:"e"`
	M  map[any]any    `pickle:"m"`
	MB map[any]bool   `pickle:"mb"`
	T  Tuple          `pickle:"t"`
	G  Global         `pickle:"g"`
	L  []map[any]any  `pickle:"l"`
	P  map[string]any `pickle:"p"`
}

// FuzzUnmarshalTargets decodes every input into the generic maps and every
// value-model type (as the top-level target and as struct fields): no
// panic, and a model target gets what an `any` target gets.
func FuzzUnmarshalTargets(f *testing.F) {
	addCorpusSeeds(f)
	f.Add([]byte(tupleKeyPickle))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[any]any
		_ = Unmarshal(data, &m)
		var mb map[any]bool
		_ = Unmarshal(data, &mb)
		var s modelTargets
		_ = Unmarshal(data, &s)
		var want any
		if Unmarshal(data, &want) != nil || want == nil {
			return // None leaves a struct target alone: nothing to compare
		}
		for _, target := range []any{new(Dict), new(*Dict), new(Set), new(FrozenSet), new(*Object), new(*Exception)} {
			if err := Unmarshal(data, target); err == nil {
				got := reflect.ValueOf(target).Elem()
				if got.Kind() == reflect.Struct {
					got = got.Addr()
				}
				// Compared by type and repr: members hashed by identity
				// (instances) make two decodes of one set unequal.
				if reflect.TypeOf(want) != got.Type() || pyRepr(want) != pyRepr(got.Interface()) {
					t.Fatalf("%T target got %v, `any` got %v", target, got.Interface(), want)
				}
			}
		}
	})
}

// FuzzDisassemble: no input makes Disassemble panic or write much more
// than the input (a few hundred bytes per opcode), and what it finds
// malformed Unmarshal refuses too.
func FuzzDisassemble(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		err := Disassemble(&out, data)
		if out.Len() > 600*len(data)+100 {
			t.Fatalf("a listing of %d bytes for %d bytes of pickle", out.Len(), len(data))
		}
		if err == nil {
			return
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("not a *SyntaxError: %v", err)
		}
		if Unmarshal(data, new(any)) == nil {
			t.Fatalf("Disassemble: %v; Unmarshal decoded it", err)
		}
	})
}

// FuzzRawValue: parts kept undecoded decode later exactly as they would
// have then, and nothing a RawValue does panics.
func FuzzRawValue(f *testing.F) {
	addCorpusSeeds(f)
	use := func(r RawValue) {
		_ = r.PyType()
		var v any
		_ = r.Unmarshal(&v)
		var s struct {
			A int
			B RawValue
		}
		_ = r.Unmarshal(&s)
		_ = s.B.Unmarshal(&v)
		_, _ = Marshal(r)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var parts []RawValue
		if Unmarshal(data, &parts) == nil {
			for _, p := range parts {
				use(p)
			}
		}
		var whole RawValue
		if Unmarshal(data, &whole) != nil {
			return
		}
		use(whole)
		var later, now any
		errLater, errNow := whole.Unmarshal(&later), Unmarshal(data, &now)
		if (errLater == nil) != (errNow == nil) {
			t.Fatalf("decoded later: %v; at once: %v", errLater, errNow)
		}
	})
}
