package pickle

import (
	"bytes"
	"math/big"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A manager's reply: the kind first, the payload decoded once the kind
// says into what.
func TestRawValueDecodesLater(t *testing.T) {
	data, err := Marshal(Tuple{"#RETURN", map[string]any{"a": []any{1, 2}}}, Deterministic())
	require.NoError(t, err)
	var reply struct {
		Kind    string
		Payload RawValue
	}
	require.NoError(t, Unmarshal(data, &reply))
	assert.Equal(t, "#RETURN", reply.Kind)
	assert.Equal(t, "dict", reply.Payload.PyType())
	var m map[string][]int
	require.NoError(t, reply.Payload.Unmarshal(&m))
	assert.Equal(t, map[string][]int{"a": {1, 2}}, m)
	var anyv any
	require.NoError(t, reply.Payload.Unmarshal(&anyv))
	assert.True(t, Equal(mustDict(t, "a", []any{int64(1), int64(2)}), anyv))

	var parts []RawValue
	require.NoError(t, Unmarshal(data, &parts))
	require.Len(t, parts, 2)
	assert.Equal(t, "str", parts[0].PyType())

	var whole RawValue
	require.NoError(t, Unmarshal(data, &whole))
	assert.Equal(t, "tuple", whole.PyType())
	require.NoError(t, whole.Unmarshal(&reply))
	assert.Equal(t, "#RETURN", reply.Kind)
}

// What a RawValue refers to through the memo (the same list twice, a cycle
// back to its container) comes with it.
func TestRawValueResolvesMemo(t *testing.T) {
	shared := []any{"s"}
	cyc := []any{nil, shared, shared}
	cyc[0] = cyc
	for proto := 0; proto <= HighestProtocol; proto++ {
		data, err := Marshal(cyc, WithProtocol(proto))
		require.NoError(t, err)
		var parts []RawValue
		require.NoError(t, Unmarshal(data, &parts))
		var second, third []string
		require.NoError(t, parts[2].Unmarshal(&third))
		require.NoError(t, parts[1].Unmarshal(&second))
		assert.Equal(t, []string{"s"}, third, "protocol %d: a memo reference to an earlier element", proto)
		var self []any
		require.NoError(t, parts[0].Unmarshal(&self))
		require.Len(t, self, 3)
		assert.Same(t, &self[0].([]any)[0], &self[0].([]any)[0].([]any)[0], "the cycle is kept")
	}
}

func TestRawValueOutlivesTheBuffer(t *testing.T) {
	huge := new(big.Int).Lsh(big.NewInt(1), 70)
	first, _ := Marshal([]any{"first", huge})
	second, _ := Marshal([]any{"second", huge})
	buf := append(append([]byte{}, first...), second...)
	dec := NewDecoder(bytes.NewReader(buf))
	var a, b RawValue
	require.NoError(t, dec.Decode(&a))
	require.NoError(t, dec.Decode(&b))
	clear(buf)
	var got []any
	require.NoError(t, a.Unmarshal(&got))
	assert.Equal(t, "first", got[0])

	// Each decode gives fresh values: changing one changes no other.
	got[1].(*big.Int).SetInt64(100)
	var again []any
	require.NoError(t, a.Unmarshal(&again))
	assert.Equal(t, huge, again[1])

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v []any
			assert.NoError(t, b.Unmarshal(&v))
			assert.Equal(t, "second", v[0])
		}()
	}
	wg.Wait()
}

func TestRawValueEncodesAsItsValue(t *testing.T) {
	reg := NewRegistry()
	require.NoError(t, reg.Register("geometry", "Point", goPoint{}))
	pt, _ := Marshal(&goPoint{1, 2}, WithRegistry(reg))
	var raw RawValue
	require.NoError(t, Unmarshal(pt, &raw, WithRegistry(reg)))
	data, err := Marshal(map[string]any{"p": raw})
	require.NoError(t, err)
	var v any
	require.NoError(t, Unmarshal(data, &v))
	p, _ := v.(*Dict).Get("p")
	obj, ok := p.(*Object)
	require.True(t, ok, "the class is written back as it came: %#v", p)
	assert.Equal(t, Global{"geometry", "Point"}, obj.Class)

	var zero RawValue
	data, err = Marshal(zero)
	require.NoError(t, err)
	assert.Equal(t, "\x80\x04N.", string(data))
	assert.Equal(t, "NoneType", zero.PyType())
	n := 5
	require.NoError(t, zero.Unmarshal(&n))
	assert.Equal(t, 5, n, "None leaves a number alone")
	require.Error(t, zero.Unmarshal(n))
}

// pair decodes itself from a 2-tuple without going through the value model.
type pair struct {
	Name  string
	Count int
}

func (p *pair) UnmarshalPickleRaw(raw RawValue) error {
	var parts [2]RawValue
	if err := raw.Unmarshal(&parts); err != nil {
		return err
	}
	if err := parts[0].Unmarshal(&p.Name); err != nil {
		return err
	}
	return parts[1].Unmarshal(&p.Count)
}

func TestRawUnmarshaler(t *testing.T) {
	data, _ := Marshal([]any{Tuple{"a", 1}, Tuple{"b", 2}})
	var ps []pair
	require.NoError(t, Unmarshal(data, &ps))
	assert.Equal(t, []pair{{"a", 1}, {"b", 2}}, ps)
	bad, _ := Marshal([]any{Tuple{"a", "not a number"}})
	var te *UnmarshalTypeError
	require.ErrorAs(t, Unmarshal(bad, &ps), &te)
}

// A bytes fetched again from the memo is the same Go []byte, as the same
// Python object is one bytes: into `any` and into [][]byte, by the direct
// decoder and the machine. A RawValue's decodes each get their own.
func TestFetchedBytesAreShared(t *testing.T) {
	data, err := Marshal(func() any { b := []byte("shared"); return []any{b, b, Tuple{b}} }())
	require.NoError(t, err)
	same := func(a, b []byte) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }
	for _, direct := range []bool{true, false} {
		var v any
		require.NoError(t, unmarshal(data, &v, nil, direct))
		l := v.([]any)
		assert.True(t, same(l[0].([]byte), l[1].([]byte)), "direct %v", direct)
		assert.True(t, same(l[0].([]byte), l[2].(Tuple)[0].([]byte)), "direct %v", direct)
		var bs []any
		require.NoError(t, unmarshal(data, &bs, nil, direct))
		assert.True(t, same(bs[0].([]byte), bs[1].([]byte)), "direct %v", direct)
	}
	b2, err := Marshal(func() any { b := []byte("shared"); return [][]byte{b, b} }())
	require.NoError(t, err)
	for _, direct := range []bool{true, false} {
		var bs [][]byte
		require.NoError(t, unmarshal(b2, &bs, nil, direct))
		assert.True(t, same(bs[0], bs[1]), "[][]byte, direct %v", direct)
	}
	var r RawValue
	require.NoError(t, Unmarshal(data, &r))
	var x, y any
	require.NoError(t, r.Unmarshal(&x))
	require.NoError(t, r.Unmarshal(&y))
	bx, by := x.([]any), y.([]any)
	assert.True(t, same(bx[0].([]byte), bx[1].([]byte)), "shared within one decode")
	assert.False(t, same(bx[0].([]byte), by[0].([]byte)), "not shared between two decodes")
}
