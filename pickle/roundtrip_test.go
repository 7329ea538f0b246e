package pickle

import (
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueGen makes random values of the value model, already in the form the
// decoder gives back (int64 not int, []any not []string), so that a round
// trip must reproduce them exactly: same Go types, Python-equal contents.
type valueGen struct {
	r     *rand.Rand
	proto int
}

var astral = []rune("aé世🐍\x00\n'\"\\\u2028\U0010ffff")

func (g *valueGen) str() string {
	var b strings.Builder
	for i, n := 0, g.r.Intn(12); i < n; i++ {
		b.WriteRune(astral[g.r.Intn(len(astral))])
	}
	return b.String()
}

func (g *valueGen) bytes() []byte {
	b := make([]byte, g.r.Intn(20))
	g.r.Read(b)
	return b
}

func (g *valueGen) int() any {
	switch g.r.Intn(6) {
	case 0:
		return int64(g.r.Intn(256))
	case 1:
		return int64(g.r.Int31()) - int64(g.r.Int31())
	case 2:
		return []int64{math.MaxInt64, math.MinInt64, 1 << 31, -1 << 31, 65535, 65536}[g.r.Intn(6)]
	case 3:
		n := new(big.Int).Lsh(big.NewInt(1), uint(64+g.r.Intn(2100)))
		if g.r.Intn(2) == 0 {
			n.Neg(n)
		}
		return n.Add(n, big.NewInt(g.r.Int63()))
	default:
		return g.r.Int63() - g.r.Int63()
	}
}

// scalar returns a hashable value.
func (g *valueGen) scalar() any {
	switch g.r.Intn(14) {
	case 0:
		return nil
	case 1:
		return g.r.Intn(2) == 0
	case 2, 3:
		return g.int()
	case 4:
		return []float64{0, math.Copysign(0, -1), 1.5, -2.25e-300, 1e308, math.Inf(1), math.Inf(-1), g.r.NormFloat64()}[g.r.Intn(8)]
	case 5:
		return complex(g.r.NormFloat64(), 1+g.r.NormFloat64())
	case 6, 7:
		return g.str()
	case 8:
		return g.bytes()
	case 9:
		return Global{"builtins", []string{"int", "sum", "len", "ValueError"}[g.r.Intn(4)]}
	case 10:
		return time.Duration(g.r.Int63n(1<<50)-1<<49) / time.Microsecond * time.Microsecond
	case 11:
		return Date{Year: 1 + g.r.Intn(9999), Month: time.Month(1 + g.r.Intn(12)), Day: 1 + g.r.Intn(28)}
	case 12:
		var u UUID
		g.r.Read(u[:])
		return u
	default:
		return Decimal([]string{"1.10", "-0", "1E+5", "Infinity", "3.14159265358979323846"}[g.r.Intn(5)]) // not NaN: it equals nothing, itself included
	}
}

func (g *valueGen) value(depth int) any {
	if depth <= 0 {
		return g.scalar()
	}
	switch g.r.Intn(12) {
	case 0:
		l := make([]any, g.r.Intn(5))
		for i := range l {
			l[i] = g.value(depth - 1)
		}
		return l
	case 1:
		t := make(Tuple, g.r.Intn(5))
		for i := range t {
			t[i] = g.value(depth - 1)
		}
		return t
	case 2:
		d := NewDict(0)
		for i, n := 0, g.r.Intn(6); i < n; i++ {
			_ = d.Set(g.scalar(), g.value(depth-1))
		}
		return d
	case 3:
		s := &Set{}
		for i, n := 0, g.r.Intn(5); i < n; i++ {
			_ = s.Add(g.scalar())
		}
		return s
	case 4:
		items := make([]any, g.r.Intn(4))
		for i := range items {
			items[i] = g.scalar()
		}
		f, _ := NewFrozenSet(items...)
		return f
	case 5:
		return ByteArray(g.bytes())
	case 6:
		return &Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{g.str()}}
	case 7:
		state := NewDict(0)
		_ = state.Set("x", g.value(depth-1))
		return &Object{Class: Global{"mymodule", "Thing"}, New: true, Args: Tuple{}, State: state}
	case 8:
		loc := []*time.Location{time.UTC, time.Local, time.FixedZone("", 5*3600+30*60)}[g.r.Intn(3)]
		return time.Date(1+g.r.Intn(9998), time.Month(1+g.r.Intn(12)), 1+g.r.Intn(28),
			g.r.Intn(24), g.r.Intn(60), g.r.Intn(60), g.r.Intn(1e6)*1000, loc)
	default:
		return g.scalar()
	}
}

// sameTypes reports where two decoded trees differ in Go type; Equal has
// already compared their Python values.
func sameTypes(a, b any, path string) error {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return fmt.Errorf("%s: %T became %T", path, a, b)
	}
	switch x := a.(type) {
	case []any:
		for i := range x {
			if err := sameTypes(x[i], b.([]any)[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case Tuple:
		for i := range x {
			if err := sameTypes(x[i], b.(Tuple)[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case *Dict:
		for _, it := range x.Items() {
			v, _ := b.(*Dict).Get(it.Key)
			if err := sameTypes(it.Value, v, fmt.Sprintf("%s[%v]", path, it.Key)); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestRoundTripValueModel(t *testing.T) {
	for proto := 0; proto <= HighestProtocol; proto++ {
		t.Run(fmt.Sprintf("protocol %d", proto), func(t *testing.T) {
			g := &valueGen{r: rand.New(rand.NewSource(int64(proto) + 1)), proto: proto}
			for i := 0; i < 400; i++ {
				v := g.value(3)
				data, err := Marshal(v, WithProtocol(proto))
				require.NoError(t, err, "value %v", v)
				var back any
				require.NoError(t, Unmarshal(data, &back), "value %v, pickle %x", v, data)
				require.True(t, Equal(v, back), "sent %v\ngot  %v", v, back)
				require.NoError(t, sameTypes(v, back, "value"))
			}
		})
	}
}

func TestRoundTripNaNAndCycles(t *testing.T) {
	for proto := 0; proto <= HighestProtocol; proto++ {
		data, err := Marshal(math.NaN(), WithProtocol(proto))
		require.NoError(t, err)
		var f float64
		require.NoError(t, Unmarshal(data, &f))
		assert.True(t, math.IsNaN(f))

		cyclic := make([]any, 2)
		cyclic[0], cyclic[1] = cyclic, "x"
		data, err = Marshal(cyclic, WithProtocol(proto))
		require.NoError(t, err)
		var back any
		require.NoError(t, Unmarshal(data, &back))
		l := back.([]any)
		assert.Same(t, &l[0], &l[0].([]any)[0], "protocol %d: the list contains itself", proto)
	}
}

type rtInner struct {
	Name  string            `pickle:"name"`
	Tags  []string          `pickle:"tags"`
	Score float32           `pickle:"score"`
	Attrs map[string]int64  `pickle:"attrs"`
	Grid  [2][2]int8        `pickle:"grid"`
	Blob  []byte            `pickle:"blob"`
	Opt   *int              `pickle:"opt"`
	Keyed map[int32]float64 `pickle:"keyed"`
}

type rtRecord struct {
	ID       uint64        `pickle:"id"`
	When     time.Time     `pickle:"when"`
	Took     time.Duration `pickle:"took"`
	Big      *big.Int      `pickle:"big"`
	Inner    rtInner       `pickle:"inner"`
	Children []*rtInner    `pickle:"children"`
	Any      any           `pickle:"any"`
	Skipped  string        `pickle:"-"`
	Empty    string        `pickle:"empty,omitempty"`
}

func (g *valueGen) inner() rtInner {
	in := rtInner{
		Name:  g.str(),
		Score: float32(g.r.NormFloat64()),
		Attrs: map[string]int64{g.str(): g.r.Int63()},
		Grid:  [2][2]int8{{int8(g.r.Intn(256) - 128), 1}, {2, -3}},
		Blob:  g.bytes(),
		Keyed: map[int32]float64{g.r.Int31(): g.r.Float64()},
		Tags:  []string{},
	}
	for i, n := 0, g.r.Intn(4); i < n; i++ {
		in.Tags = append(in.Tags, g.str())
	}
	if g.r.Intn(2) == 0 {
		n := g.r.Int()
		in.Opt = &n
	}
	return in
}

func TestRoundTripTyped(t *testing.T) {
	for proto := 0; proto <= HighestProtocol; proto++ {
		t.Run(fmt.Sprintf("protocol %d", proto), func(t *testing.T) {
			g := &valueGen{r: rand.New(rand.NewSource(int64(proto) + 100)), proto: proto}
			for i := 0; i < 200; i++ {
				rec := rtRecord{
					ID:    g.r.Uint64(),
					When:  time.Date(2000+g.r.Intn(50), 3, 4, 5, 6, 7, g.r.Intn(1e6)*1000, time.UTC),
					Took:  time.Duration(g.r.Int63n(1e15)) / time.Microsecond * time.Microsecond,
					Big:   new(big.Int).Lsh(big.NewInt(g.r.Int63()), 80),
					Inner: g.inner(),
					Any:   g.value(2),
					// A nil slice goes out as an empty list, as Python has no nil list.
					Children: []*rtInner{},
				}
				for j, n := 0, g.r.Intn(3); j < n; j++ {
					c := g.inner()
					rec.Children = append(rec.Children, &c)
				}
				data, err := Marshal(rec, WithProtocol(proto))
				require.NoError(t, err)
				var back rtRecord
				require.NoError(t, Unmarshal(data, &back))
				require.True(t, Equal(rec.Any, back.Any), "any: sent %v got %v", rec.Any, back.Any)
				rec.Any, back.Any = nil, nil
				require.True(t, rec.When.Equal(back.When))
				rec.When, back.When = time.Time{}, time.Time{}
				require.Equal(t, rec, back)
			}
		})
	}
}
