package pickle

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type rec struct {
	ID    int      `pickle:"id"`
	Name  string   `pickle:"name"`
	Score float64  `pickle:"score"`
	Tag   *string  `pickle:"tag"`
	OK    bool     `pickle:"ok"`
	Extra []string `pickle:"extra"`
}

type point struct {
	X int
	Y string
}

type level int

func (l *level) UnmarshalPickle(v any) error {
	s, _ := v.(string)
	*l = level(len(s))
	return nil
}

func TestUnmarshalTyped(t *testing.T) {
	// [{'id': 1, 'name': 'a', 'score': 0.5, 'tag': None, 'ok': True}], protocol 4 as 3.13 writes it.
	recs := unhex(t, "80 04 95 38 00 00 00 00 00 00 00 5d 94 7d 94 28 8c 02 69 64 94 4b 01 8c 04 6e 61 6d 65 94 8c 01 61 94 8c 05 73 63 6f 72 65 94 47 3f e0 00 00 00 00 00 00 8c 03 74 61 67 94 4e 8c 02 6f 6b 94 88 75 61 2e")
	var rs []rec
	require.NoError(t, Unmarshal(recs, &rs))
	assert.Equal(t, []rec{{ID: 1, Name: "a", Score: 0.5, OK: true}}, rs)

	var maps []map[string]any
	require.NoError(t, Unmarshal(recs, &maps))
	assert.Equal(t, int64(1), maps[0]["id"])

	// tuple -> struct positionally; object state -> struct
	var p point
	require.NoError(t, Unmarshal([]byte("K\x05X\x01\x00\x00\x00y\x86."), &p))
	assert.Equal(t, point{5, "y"}, p)
	require.NoError(t, Unmarshal([]byte("c__main__\nPoint\n)\x81}(X\x01\x00\x00\x00XK\x01X\x01\x00\x00\x00YX\x01\x00\x00\x00zub."), &p))
	assert.Equal(t, point{1, "z"}, p)
	// namedtuple: NEWOBJ args positionally
	require.NoError(t, Unmarshal([]byte("c__main__\nPair\nK\x07X\x01\x00\x00\x00w\x86\x81."), &p))
	assert.Equal(t, point{7, "w"}, p)

	// map with int and tuple keys
	var mi map[int]string
	require.NoError(t, Unmarshal([]byte("}(K\x01X\x01\x00\x00\x00aK\x02X\x01\x00\x00\x00bu."), &mi))
	assert.Equal(t, map[int]string{1: "a", 2: "b"}, mi)
	var mt map[[2]int]bool
	require.NoError(t, Unmarshal([]byte("}K\x01K\x02\x86\x88s."), &mt))
	assert.Equal(t, map[[2]int]bool{{1, 2}: true}, mt)
	var ms map[point]int
	require.NoError(t, Unmarshal([]byte("}K\x01X\x01\x00\x00\x00a\x86K\x09s."), &ms))
	assert.Equal(t, map[point]int{{1, "a"}: 9}, ms)

	// sets
	var set map[string]struct{}
	require.NoError(t, Unmarshal([]byte("\x8f(X\x01\x00\x00\x00aX\x01\x00\x00\x00b\x90."), &set))
	assert.Len(t, set, 2)
	var sl []int
	require.NoError(t, Unmarshal([]byte("(K\x01K\x02\x91."), &sl))
	assert.ElementsMatch(t, []int{1, 2}, sl)

	// bytes, arrays, big ints, pointers
	var bs []byte
	require.NoError(t, Unmarshal([]byte("C\x02hi."), &bs))
	assert.Equal(t, []byte("hi"), bs)
	var arr [2]byte
	require.NoError(t, Unmarshal([]byte("C\x02hi."), &arr))
	var bi *big.Int
	require.NoError(t, Unmarshal([]byte("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01."), &bi))
	assert.Equal(t, "18446744073709551616", bi.String())
	var u64 uint64
	require.NoError(t, Unmarshal([]byte("\x8a\x09\xff\xff\xff\xff\xff\xff\xff\xff\x00."), &u64))
	assert.Equal(t, uint64(1<<64-1), u64)
	var pi *int
	require.NoError(t, Unmarshal([]byte("K\x03."), &pi))
	assert.Equal(t, 3, *pi)
	require.NoError(t, Unmarshal([]byte("N."), &pi))
	assert.Nil(t, pi)

	// time, duration, Date, Decimal, UUID
	var tm time.Time
	require.NoError(t, Unmarshal([]byte("cdatetime\ndatetime\nC\x0a\x07\xe8\x01\x02\x03\x04\x05\x00\x00\x06\x85R."), &tm))
	assert.Equal(t, 2024, tm.Year())
	var dur time.Duration
	require.NoError(t, Unmarshal([]byte("cdatetime\ntimedelta\nK\x00K\x02K\x00\x87R."), &dur))
	assert.Equal(t, 2*time.Second, dur)
	var dt Date
	require.NoError(t, Unmarshal([]byte("cdatetime\ndate\nC\x04\x07\xe8\x01\x02\x85R."), &dt))
	assert.Equal(t, Date{2024, 1, 2}, dt)
	var dec Decimal
	require.NoError(t, Unmarshal([]byte("cdecimal\nDecimal\nX\x01\x00\x00\x001\x85R."), &dec))
	assert.Equal(t, Decimal("1"), dec)

	// Unmarshaler and interfaces
	var lv level
	require.NoError(t, Unmarshal([]byte("X\x03\x00\x00\x00abc."), &lv))
	assert.Equal(t, level(3), lv)
	var e error
	require.NoError(t, Unmarshal([]byte("cbuiltins\nKeyError\nX\x01\x00\x00\x00k\x85R."), &e))
	assert.EqualError(t, e, "KeyError: 'k'")
}

func TestUnmarshalTypeErrors(t *testing.T) {
	type inner struct {
		B []int8 `pickle:"b"`
	}
	type outer struct {
		A inner `pickle:"a"`
	}
	var o outer
	// {'a': {'b': [1, 2, 3, 300]}}
	err := Unmarshal([]byte("}X\x01\x00\x00\x00a}X\x01\x00\x00\x00b(K\x01K\x02K\x03M\x2c\x01lss."), &o)
	var te *UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "a.b[3]", te.Path)
	assert.Equal(t, "int", te.Value)
	assert.Equal(t, reflect.TypeFor[int8](), te.Type)
	assert.Equal(t, int64(21), te.Offset)

	var s string
	err = Unmarshal([]byte("K\x01."), &s)
	require.ErrorAs(t, err, &te)
	var u uint
	require.ErrorAs(t, Unmarshal([]byte("J\xff\xff\xff\xff."), &u), &te)
	var f float64
	require.ErrorAs(t, Unmarshal([]byte("X\x01\x00\x00\x00a."), &f), &te)
	var arr [3]int
	require.ErrorAs(t, Unmarshal([]byte("(K\x01l."), &arr), &te)
	require.Error(t, Unmarshal([]byte("N."), nil))
	require.Error(t, Unmarshal([]byte("N."), s))
}

type regPoint struct {
	X, Y int
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, r.Register("__main__", "Point", regPoint{}))
	data := []byte("c__main__\nPoint\n)\x81}(X\x01\x00\x00\x00XK\x01X\x01\x00\x00\x00YK\x02ub.")
	var v any
	require.NoError(t, Unmarshal(data, &v, WithRegistry(r)))
	assert.Equal(t, &regPoint{1, 2}, v)
	var p regPoint
	require.NoError(t, Unmarshal(data, &p, WithRegistry(r)))
	assert.Equal(t, regPoint{1, 2}, p)
	require.NoError(t, Unmarshal(data, &v, WithRegistry(r), Strict()))
}

func TestTypedCycleThroughPointers(t *testing.T) {
	type node struct {
		Next *node `pickle:"next"`
		V    int   `pickle:"v"`
	}
	// d = {'v': 1}; d['next'] = d
	var n node
	require.NoError(t, Unmarshal([]byte("}q\x00(X\x01\x00\x00\x00vK\x01X\x04\x00\x00\x00nexth\x00u."), &n))
	assert.Equal(t, 1, n.V)
	require.NotNil(t, n.Next)
	assert.Same(t, n.Next, n.Next.Next)
}
