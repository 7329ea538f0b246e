package pickle

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitKinds(t *testing.T) {
	for l, want := range map[Limit][2]string{
		LimitDepth:     {"depth", "WithMaxDepth"},
		LimitMemo:      {"memo", "WithMaxMemo"},
		LimitIntDigits: {"int digits", "WithMaxIntDigits"},
		LimitSize:      {"size", "WithMaxSize"},
		LimitExpansion: {"expansion", "WithMaxExpansion"},
	} {
		assert.Equal(t, want[0], l.String())
		assert.Equal(t, want[1], l.Option())
		err := error(&LimitError{Limit: l, Max: 5, Offset: 3})
		assert.ErrorIs(t, err, ErrLimit)
		assert.Contains(t, err.Error(), "pickle."+want[1])
	}
}

// Each limit reports itself, where, and the option that raises it, which
// does raise it.
func TestLimitErrorsNameTheirOption(t *testing.T) {
	deep := []byte(strings.Repeat("]", 60) + strings.Repeat("a", 59) + ".")
	var keys bytes.Buffer // a tuple key of 2^40 elements through shared sub-tuples
	keys.WriteString("}N")
	for range 40 {
		keys.WriteString("2\x86")
	}
	keys.WriteString("K\x01s.")
	tests := []struct {
		name  string
		data  []byte
		into  any
		opts  []Option
		limit Limit
		raise Option // lets the same pickle decode
	}{
		{"depth", deep, new(any), []Option{WithMaxDepth(50)}, LimitDepth, WithMaxDepth(100)},
		{"memo", []byte("N\x94\x94\x94."), new(any), []Option{WithMaxMemo(2)}, LimitMemo, WithMaxMemo(3)},
		{"int digits", []byte("I" + strings.Repeat("7", 30) + "\n."), new(any), []Option{WithMaxIntDigits(20)}, LimitIntDigits, WithMaxIntDigits(30)},
		{"size", []byte("X\x05\x00\x00\x00hello."), new(any), []Option{WithMaxSize(8)}, LimitSize, WithMaxSize(11)},
		{"key expansion", keys.Bytes(), new(any), nil, LimitExpansion, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Unmarshal(tt.data, tt.into, tt.opts...)
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tt.limit, le.Limit)
			assert.Contains(t, err.Error(), tt.limit.Option())
			assert.GreaterOrEqual(t, le.Offset, int64(0))
			if tt.raise != nil {
				require.NoError(t, Unmarshal(tt.data, tt.into, append(tt.opts, tt.raise)...))
			}
		})
	}
	// What Unmarshal cannot know it does not make up.
	err := Unmarshal([]byte("X\x05\x00\x00\x00hello."), new(any), WithMaxSize(8))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Zero(t, le.Value, "the pickle's size beyond the limit is unknown")
	assert.Equal(t, "pickle: size limit of 8 exceeded at offset 8 (raise it with pickle.WithMaxSize)", err.Error())
}

func TestUnknownClassError(t *testing.T) {
	err := Unmarshal([]byte("\x80\x02cmod\nCls\n)\x81."), new(any), Strict())
	var uc *UnknownClassError
	require.ErrorAs(t, err, &uc)
	assert.Equal(t, Global{"mod", "Cls"}, uc.Class)
	assert.Equal(t, int64(2), uc.Offset)
	assert.ErrorIs(t, err, ErrUnknownClass)
}

type brokenMarshaler struct{}

var errBroken = errors.New("broken")

func (brokenMarshaler) MarshalPickle() (any, error) { return nil, errBroken }

func TestMarshalerError(t *testing.T) {
	_, err := Marshal(map[string]any{"k": []any{brokenMarshaler{}}})
	var me *MarshalerError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, reflect.TypeFor[brokenMarshaler](), me.Type)
	assert.Equal(t, `["k"][0]`, me.Path)
	assert.ErrorIs(t, err, errBroken)
}

// One rule for option values: 0 (or nil) is what leaving the option out
// gives, a value out of range is an error; a nil Option is skipped.
func TestOptionValues(t *testing.T) {
	deep := []byte(strings.Repeat("]", 200) + strings.Repeat("a", 199) + ".")
	for _, o := range []Option{WithMaxDepth(0), WithMaxMemo(0), WithMaxIntDigits(0), WithMaxSize(0), WithMaxExpansion(0), WithRegistry(nil), WithPersistentLoad(nil), nil} {
		var v any
		require.NoError(t, Unmarshal(deep, &v, o), "the default, as without the option")
		require.NoError(t, NewDecoder(bytes.NewReader(deep), o).Decode(&v))
		_, err := Marshal(v, o)
		require.NoError(t, err)
		require.NoError(t, NewEncoder(&bytes.Buffer{}, o).Encode(v))
	}
	for _, o := range []Option{WithMaxDepth(-1), WithMaxMemo(-1), WithMaxIntDigits(-1), WithMaxSize(-1), WithMaxExpansion(-1), WithProtocol(-1), WithProtocol(6)} {
		var v any
		err := Unmarshal([]byte("N."), &v, o)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "pickle: With")
		_, err = Marshal(nil, o)
		require.Error(t, err)
	}
	p0, err := Marshal(1, WithProtocol(0))
	require.NoError(t, err)
	assert.Equal(t, "I1\n.", string(p0), "WithProtocol(0) is protocol 0")
}

func TestZeroRegistry(t *testing.T) {
	var r Registry
	require.NoError(t, r.Register("geometry", "Point", goPoint{}))
	data, err := Marshal(goPoint{1, 2}, WithRegistry(&r))
	require.NoError(t, err)
	var v any
	require.NoError(t, Unmarshal(data, &v, WithRegistry(&r)))
	assert.Equal(t, &goPoint{1, 2}, v)
}

// Struct metadata is worked out once per type for the process, with or
// without a Registry: decoding without one allocated more (59 against 21
// for a 10-field struct) because the metadata was rebuilt on every call.
func TestTypedDecodingCachesMetadata(t *testing.T) {
	data, err := Marshal(map[string]any{"id": 7, "name": "alice", "score": 3.25, "ok": true, "tags": []any{"a"},
		"owner": "bob", "count": 3, "ratio": 0.5, "attrs": map[string]any{"k": "v"}, "comment": nil}, Deterministic())
	require.NoError(t, err)
	reg := NewRegistry()
	decode := func(opts ...Option) func() {
		return func() {
			var v tenFields
			if err := Unmarshal(data, &v, opts...); err != nil {
				panic(err)
			}
		}
	}
	decode()()
	without := testing.AllocsPerRun(50, decode())
	with := testing.AllocsPerRun(50, decode(WithRegistry(reg)))
	assert.Equal(t, with, without, "allocations without a Registry, and with one")
}
