package pickle

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"

	gopickle "github.com/nlpodyssey/gopickle/pickle"
	gtypes "github.com/nlpodyssey/gopickle/types"
	"github.com/stretchr/testify/assert"
)

// fromGopickle converts gopickle's result into this package's value model,
// for the kinds where both models align; ok is false otherwise.
func fromGopickle(v any, depth int) (any, bool) {
	if depth > 50 {
		return nil, false
	}
	switch x := v.(type) {
	case nil:
		return nil, true
	case bool, string, float64:
		return x, true
	case int:
		return int64(x), true
	case *big.Int:
		return x, true
	case []byte:
		return x, true
	case *gtypes.List:
		out := make([]any, len(*x))
		for i, e := range *x {
			c, ok := fromGopickle(e, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case *gtypes.Tuple:
		out := make(Tuple, len(*x))
		for i, e := range *x {
			c, ok := fromGopickle(e, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case *gtypes.Dict:
		d := NewDict(len(*x))
		for _, e := range *x {
			k, ok1 := fromGopickle(e.Key, depth+1)
			val, ok2 := fromGopickle(e.Value, depth+1)
			if !ok1 || !ok2 || d.Set(k, val) != nil {
				return nil, false
			}
		}
		return d, true
	}
	return nil, false
}

func gopickleLoads(data []byte) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gopickle panicked: %v", r)
		}
	}()
	return gopickle.Loads(string(data))
}

func TestDifferentialGopickle(t *testing.T) {
	compared, skipped, gpFailed := 0, 0, 0
	gpWrong := map[string]bool{}
	for _, f := range snapshotFiles(t) {
		cf := loadCorpusFile(t, f)
		for _, e := range cf.Entries {
			if e.Name == "cyclic list" || e.Name == "cyclic dict" || e.Name == "recursive tuple" {
				continue // gopickle cannot represent these
			}
			for proto, h := range e.Pickles {
				if h == "" {
					continue
				}
				data, _ := hex.DecodeString(h)
				var ours any
				if err := Unmarshal(data, &ours); err != nil {
					t.Errorf("%s p%d %s: %v", cf.Python, proto, e.Name, err)
					continue
				}
				theirs, err := gopickleLoads(data)
				if err != nil {
					gpFailed++
					continue
				}
				conv, ok := fromGopickle(theirs, 0)
				if !ok {
					skipped++
					continue
				}
				compared++
				if !Equal(conv, ours) {
					// The description from CPython decides who is right.
					err := (&checker{ids: map[int]any{}}).check("$", e.Value, ours)
					assert.NoError(t, err, "%s p%d %s: gopickle %#v, ours %#v", cf.Python, proto, e.Name, conv, ours)
					if err == nil {
						gpWrong[e.Name] = true
					}
				}
			}
		}
	}
	t.Logf("gopickle decoded these wrongly (ours match CPython): %v", gpWrong)
	t.Logf("compared %d values with gopickle; %d outside the common model; gopickle failed or panicked on %d", compared, skipped, gpFailed)
	assert.Greater(t, compared, 500)
}
