package pickle

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gen makes random values together with the Python expression for them.
type gen struct {
	r *rand.Rand
}

func (g gen) value(depth int) (any, string) {
	n := 12
	if depth <= 0 {
		n = 8 // scalars only
	}
	switch g.r.Intn(n) {
	case 0:
		return nil, "None"
	case 1:
		b := g.r.Intn(2) == 0
		if b {
			return true, "True"
		}
		return false, "False"
	case 2:
		var v int64
		switch g.r.Intn(4) {
		case 0:
			v = int64(g.r.Intn(300))
		case 1:
			v = int64(g.r.Int31()) - math.MaxInt32/2
		default:
			v = int64(g.r.Uint64())
		}
		return v, strconv.FormatInt(v, 10)
	case 3:
		x := new(big.Int).Rand(g.r, new(big.Int).Lsh(big.NewInt(1), uint(g.r.Intn(3000))))
		if g.r.Intn(2) == 0 {
			x.Neg(x)
		}
		return x, "int('" + x.String() + "')"
	case 4:
		f := math.Float64frombits(g.r.Uint64())
		if math.IsNaN(f) {
			f = 0.25
		}
		if g.r.Intn(2) == 0 {
			f = g.r.NormFloat64() * 1e3
		}
		return f, "float.fromhex('" + strconv.FormatFloat(f, 'x', -1, 64) + "')"
	case 5:
		s := g.str()
		return s, pyStrLiteral(s)
	case 6:
		b := make([]byte, g.r.Intn(300))
		g.r.Read(b)
		return b, "binascii.unhexlify('" + hex.EncodeToString(b) + "')"
	case 7:
		c := complex(g.r.NormFloat64(), g.r.NormFloat64())
		return c, fmt.Sprintf("complex(float.fromhex('%s'), float.fromhex('%s'))",
			strconv.FormatFloat(real(c), 'x', -1, 64), strconv.FormatFloat(imag(c), 'x', -1, 64))
	case 8, 9:
		k := g.r.Intn(6)
		items := make([]any, k)
		exprs := make([]string, k)
		for i := range items {
			items[i], exprs[i] = g.value(depth - 1)
		}
		if g.r.Intn(2) == 0 {
			return items, "[" + strings.Join(exprs, ", ") + "]"
		}
		if k == 1 {
			return Tuple(items), "(" + exprs[0] + ",)"
		}
		return Tuple(items), "(" + strings.Join(exprs, ", ") + ")"
	case 10:
		d := NewDict(0)
		var parts []string
		for i := g.r.Intn(5); i > 0; i-- {
			var k any
			var ke string
			if g.r.Intn(2) == 0 {
				s := g.str()
				k, ke = s, pyStrLiteral(s)
			} else {
				v := int64(g.r.Intn(1000))
				k, ke = v, strconv.FormatInt(v, 10)
			}
			v, ve := g.value(depth - 1)
			if _, dup := d.Get(k); dup {
				continue
			}
			_ = d.Set(k, v) // str and int keys are hashable
			parts = append(parts, ke+": "+ve)
		}
		return d, "{" + strings.Join(parts, ", ") + "}"
	default:
		s := &Set{}
		var parts []string
		for i := g.r.Intn(5); i > 0; i-- {
			v := int64(g.r.Intn(50))
			if s.Has(v) {
				continue
			}
			_ = s.Add(v)
			parts = append(parts, strconv.FormatInt(v, 10))
		}
		return s, "set([" + strings.Join(parts, ", ") + "])"
	}
}

func (g gen) str() string {
	var b strings.Builder
	for i := g.r.Intn(20); i > 0; i-- {
		switch g.r.Intn(5) {
		case 0:
			b.WriteRune(rune(g.r.Intn(128)))
		case 1:
			b.WriteRune(rune(128 + g.r.Intn(128)))
		case 2:
			b.WriteRune(rune(0x100 + g.r.Intn(0xd800-0x100)))
		case 3:
			b.WriteRune(rune(0x10000 + g.r.Intn(0x10ffff-0x10000)))
		default:
			const special = "\\\n\r\x00\x1a'\" "
			b.WriteByte(special[g.r.Intn(len(special))])
		}
	}
	return b.String()
}

// pyStrLiteral writes s as a Python unicode literal of escapes only.
func pyStrLiteral(s string) string {
	var b strings.Builder
	b.WriteString("u'")
	for _, r := range s {
		fmt.Fprintf(&b, "\\U%08x", r)
	}
	b.WriteString("'")
	return b.String()
}

// TestMarshalRandomValuesLoadInCPython: random values, random protocols,
// all loaded by CPython 3.13 in one run and compared with == to the
// expression built alongside them.
func TestMarshalRandomValuesLoadInCPython(t *testing.T) {
	in := python313(t)
	g := gen{rand.New(rand.NewSource(1))}
	type req struct {
		Pickle string `json:"pickle"`
		Expect string `json:"expect"`
	}
	var reqs []req
	var descr []string
	for i := 0; i < 600; i++ {
		v, expr := g.value(4)
		p := g.r.Intn(6)
		data, err := Marshal(v, WithProtocol(p))
		require.NoError(t, err, "value %d: %s", i, expr)
		reqs = append(reqs, req{hex.EncodeToString(data), expr})
		descr = append(descr, fmt.Sprintf("value %d at protocol %d", i, p))
	}
	input, err := json.Marshal(reqs)
	require.NoError(t, err)
	res := runLoadScript(t, in, "import binascii\n"+loadScript, pyModuleDir(t), input, 50*time.Second)
	require.Len(t, res, len(reqs))
	for i, msg := range res {
		assert.Empty(t, msg, descr[i])
	}
}
