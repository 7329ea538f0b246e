package pickle

import (
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarshalErrors(t *testing.T) {
	type withFunc struct {
		Name string
		F    func() `pickle:"callback"`
	}
	type key struct{ A int }
	selfTuple := Tuple{nil}
	selfTuple[0] = selfTuple
	tests := []struct {
		name     string
		v        any
		opts     []Option
		typeErr  reflect.Type // *UnsupportedTypeError of this type
		valueErr bool         // *UnsupportedValueError
		limit    Limit        // *LimitError of this limit
		path     string
	}{
		{name: "chan", v: make(chan int), typeErr: reflect.TypeOf(make(chan int))},
		{name: "func field", v: withFunc{Name: "x", F: func() {}}, typeErr: reflect.TypeOf(func() {}), path: ".callback"},
		{name: "nested", v: []any{1, map[string]any{"k": []any{0, make(chan bool)}}}, typeErr: reflect.TypeOf(make(chan bool)), path: `[1]["k"][1]`},
		{name: "struct map key", v: map[key]int{{1}: 1}, typeErr: reflect.TypeOf(key{})},
		{name: "dict map key", v: map[any]int{NewDict(0): 1}, typeErr: dictPtrType, path: "[{}]"},
		{name: "invalid utf-8", v: []any{"ok", "\xff"}, valueErr: true, path: "[1]"},
		{name: "year 0", v: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), valueErr: true},
		{name: "year 10000", v: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), valueErr: true},
		{name: "bad date", v: Date{2023, 2, 29}, valueErr: true},
		{name: "bad time", v: TimeOfDay{Hour: 24}, valueErr: true},
		{name: "bad decimal", v: Decimal("1.2.3"), valueErr: true},
		{name: "object without class", v: &Object{}, valueErr: true},
		{name: "empty global", v: Global{Module: "builtins"}, valueErr: true},
		{name: "non-ascii global p2", v: Global{"modé", "X"}, opts: []Option{WithProtocol(2)}, valueErr: true},
		{name: "tuple cycle", v: selfTuple, opts: []Option{WithMaxDepth(100)}, limit: LimitDepth},
		{name: "int digits p0", v: new(big.Int).Exp(big.NewInt(10), big.NewInt(5000), nil), opts: []Option{WithProtocol(0)}, limit: LimitIntDigits},
		{name: "persistent id p0 non-ascii", v: "x", opts: []Option{WithProtocol(0), WithPersistentID(func(any) (any, bool) { return "é", true })}, valueErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Marshal(tt.v, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, data)
			assert.True(t, strings.HasPrefix(err.Error(), "pickle: "), err.Error())
			switch {
			case tt.typeErr != nil:
				var te *UnsupportedTypeError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, tt.typeErr, te.Type)
				assert.Equal(t, tt.path, te.Path)
			case tt.valueErr:
				var ve *UnsupportedValueError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tt.path, ve.Path)
			default:
				var le *LimitError
				require.ErrorAs(t, err, &le)
				assert.Equal(t, tt.limit, le.Limit)
				assert.ErrorIs(t, err, ErrLimit)
			}
		})
	}
}

func TestMarshalProtocolRange(t *testing.T) {
	for _, p := range []int{6, -1} {
		_, err := Marshal(1, WithProtocol(p))
		require.ErrorContains(t, err, "the protocols are 0 to 5", "WithProtocol(%d)", p)
		require.ErrorContains(t, NewEncoder(io.Discard, WithProtocol(p)).Encode(1), "the protocols are 0 to 5")
	}
	got, err := Marshal(nil, WithProtocol(HighestProtocol))
	require.NoError(t, err)
	assert.Equal(t, []byte{opProto, 5, opNone, opStop}, got)
	got, err = Marshal(nil, WithProtocol(0))
	require.NoError(t, err)
	assert.Equal(t, "N.", string(got))
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalPickle() (any, error) { return nil, errors.New("boom") }

type selfMarshaler struct{}

func (s selfMarshaler) MarshalPickle() (any, error) { return s, nil }

func TestMarshalerErrors(t *testing.T) {
	_, err := Marshal([]any{failingMarshaler{}})
	require.ErrorContains(t, err, "boom")
	_, err = Marshal(selfMarshaler{}, WithMaxDepth(50))
	var le *LimitError
	require.ErrorAs(t, err, &le)
}

func TestDeterministicMaps(t *testing.T) {
	m := map[string]any{}
	mi := map[any]any{}
	for i := 0; i < 200; i++ {
		m[strings.Repeat("k", i%7)+string(rune('a'+i%26))+hex.EncodeToString([]byte{byte(i)})] = i
		mi[i] = i
		mi[float64(i)+0.5] = i
		mi[hex.EncodeToString([]byte{byte(i)})] = i
	}
	first, err := Marshal([]any{m, mi}, Deterministic())
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		again, err := Marshal([]any{m, mi}, Deterministic())
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func TestEncoderWritesOnePicklePerCall(t *testing.T) {
	var w strings.Builder
	enc := NewEncoder(&w, WithProtocol(2))
	s := "shared"
	require.NoError(t, enc.Encode([]any{s, s}))
	first := w.String()
	w.Reset()
	require.NoError(t, enc.Encode([]any{s, s}))
	// A fresh memo each time: the second pickle is the same bytes.
	assert.Equal(t, first, w.String())
	assert.Equal(t, "80025d7100285806000000736861726564710168016"+"52e", hex.EncodeToString([]byte(w.String())))
}

func TestPersistentIDMatchesCPython(t *testing.T) {
	in := python313(t)
	code := `
class P(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, str) and obj.startswith('ref:'):
            return obj[4:]
        return None
v = [1, 'ref:abc', 'x', ('ref:abc',)]
`
	var reqs []dumpsCase
	for _, p := range allProtos {
		reqs = append(reqs, dumpsCase{Code: code, Proto: p})
	}
	want := cpythonDumps(t, in, reqs)
	pid := func(v any) (any, bool) {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "ref:") {
			return strings.Clone(s[4:]), true
		}
		return nil, false
	}
	for i, p := range allProtos {
		got, err := Marshal([]any{1, "ref:abc", "x", Tuple{"ref:abc"}}, WithProtocol(p), WithPersistentID(pid))
		require.NoError(t, err)
		assert.Equal(t, want[i], hex.EncodeToString(got), "protocol %d", p)
	}
}
