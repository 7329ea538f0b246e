package pickle

import (
	"fmt"
	"math"
	"math/big"
	"time"
	"unicode/utf8"
)

// reduce applies callable(*args) for the callables with a native meaning and
// records everything else as an *Object. Nothing is executed.
func (m *machine) reduce(pos int, callable val, args []val, inst bool) (val, error) {
	g, isGlobal := m.globalOf(callable)
	id := gidUnknown
	if isGlobal {
		id = classify(g)
		if id == gidUnknown && m.cfg.registry.isException(g) {
			id = gidException
		}
	}
	set := func(k nkind, x any) val {
		v := m.newNode(k, pos)
		m.nodes[v.n].x = x
		return v
	}
	switch id {
	case gidSet, gidFrozenset:
		k := nSet
		if id == gidFrozenset {
			k = nFrozenSet
		}
		if len(args) == 0 {
			return m.newNode(k, pos), nil
		}
		if len(args) == 1 {
			if nd := m.nodeOf(args[0]); nd != nil && (nd.k == nList || nd.k == nTuple || nd.k == nSet || nd.k == nFrozenSet) {
				v := m.newNode(k, pos)
				m.nodes[v.n].items = append([]val(nil), nd.items...)
				return v, nil
			}
		}
	case gidBytearray, gidBytes:
		if b, ok := m.bytesArgs(args); ok {
			if id == gidBytes {
				m.blobs = append(m.blobs, b)
				return val{k: kBytesX, off: off32(pos), n: int64(len(m.blobs) - 1)}, nil
			}
			return set(nValue, ByteArray(b)), nil
		}
	case gidCodecsEncode:
		if len(args) == 2 {
			s, ok1 := m.str(args[0])
			enc, ok2 := m.str(args[1])
			if ok1 && ok2 {
				b, err := encodeString(s, enc)
				if err != nil {
					return val{}, m.errAt(pos, "%v", err)
				}
				m.blobs = append(m.blobs, b)
				return val{k: kBytesX, off: off32(pos), n: int64(len(m.blobs) - 1)}, nil
			}
		}
	case gidComplex:
		if len(args) <= 2 {
			var parts [2]float64
			ok := true
			for i, a := range args {
				f, isNum := m.floatOf(a)
				ok = ok && isNum
				parts[i] = f
			}
			if ok {
				return set(nValue, complex(parts[0], parts[1])), nil
			}
		}
	case gidOrderedDict, gidDefaultdict:
		v := m.newNode(nDict, pos)
		if id == gidOrderedDict && len(args) == 1 {
			nd := m.nodeOf(args[0])
			if nd == nil || (nd.k != nList && nd.k != nTuple) {
				break
			}
			var items []val
			for _, p := range nd.items {
				pn := m.nodeOf(p)
				if pn == nil || (pn.k != nList && pn.k != nTuple) || len(pn.items) != 2 {
					return val{}, m.errAt(pos, "OrderedDict items must be pairs")
				}
				items = append(items, pn.items...)
			}
			m.nodes[v.n].items = items
			return v, nil
		}
		if len(args) == 0 || id == gidDefaultdict && len(args) == 1 {
			return v, nil
		}
	case gidDatetime, gidDate, gidTime:
		if x, ok := m.datetimeArgs(id, args); ok {
			return set(nValue, x), nil
		}
	case gidTimedelta:
		if len(args) <= 3 {
			var dsu [3]int64
			ok := true
			for i, a := range args {
				n, isInt := m.intOf(a)
				ok = ok && isInt
				dsu[i] = n
			}
			if d, fits := durationOf(dsu[0], dsu[1], dsu[2]); ok && fits {
				return set(nValue, d), nil
			}
		}
	case gidDecimal:
		if len(args) == 1 {
			if s, ok := m.text(args[0]); ok {
				return set(nValue, Decimal(s)), nil
			}
		}
	case gidReconstructor:
		if len(args) == 3 {
			var a []val
			if args[2].k != kNone {
				a = []val{args[2]}
				// tuple subclasses (namedtuples) at protocols 0-1: the
				// state is the tuple itself; cls.__new__ takes its items.
				if g, _ := m.globalOf(args[1]); g == (Global{"builtins", "tuple"}) {
					if sn := m.nodeOf(args[2]); sn != nil && sn.k == nTuple {
						a = append([]val(nil), sn.items...)
					}
				}
			}
			return m.newObj(pos, args[0], a, nil, false)
		}
	case gidNewobj:
		if len(args) >= 1 {
			return m.newObj(pos, args[0], append([]val(nil), args[1:]...), nil, false)
		}
	case gidNewobjEx:
		if len(args) == 3 {
			an, kn := m.nodeOf(args[1]), m.nodeOf(args[2])
			if an != nil && an.k == nTuple && kn != nil && kn.k == nDict {
				return m.newObj(pos, args[0], an.items, kn.items, true)
			}
		}
	case gidException:
		v := m.newNode(nException, pos)
		m.nodes[v.n].obj = &objData{class: callable, args: args}
		return v, nil
	}
	if !isGlobal {
		if nd := m.nodeOf(callable); nd == nil || nd.k != nObject && nd.k != nValue {
			return val{}, m.errAt(pos, "REDUCE of a value that is not callable")
		}
	}
	v := m.newNode(nObject, pos)
	m.nodes[v.n].obj = &objData{class: callable, args: args}
	return v, nil
}

func (m *machine) floatOf(v val) (float64, bool) {
	switch v.k {
	case kFloat:
		return math.Float64frombits(uint64(v.n)), true
	case kInt, kBool:
		return float64(v.n), true
	case kBig:
		f, _ := new(big.Float).SetInt(m.bigs[v.n]).Float64()
		return f, true
	}
	return 0, false
}

// bytesArgs reads the arguments of bytes(...) / bytearray(...) as CPython
// pickles them: (), (bytes,), (str, encoding) or (list of ints,).
func (m *machine) bytesArgs(args []val) ([]byte, bool) {
	switch len(args) {
	case 0:
		return []byte{}, true
	case 1:
		switch args[0].k {
		case kBytes, kBytesX:
			b, _ := m.rawBytes(args[0])
			return append([]byte{}, b...), true
		}
		if nd := m.nodeOf(args[0]); nd != nil && (nd.k == nList || nd.k == nTuple) {
			out := make([]byte, 0, len(nd.items))
			for _, it := range nd.items {
				if it.k != kInt || it.n < 0 || it.n > 255 {
					return nil, false
				}
				out = append(out, byte(it.n))
			}
			return out, true
		}
	case 2:
		s, ok1 := m.text(args[0])
		enc, ok2 := m.text(args[1])
		if ok1 && ok2 {
			b, err := encodeString(s, enc)
			return b, err == nil
		}
	}
	return nil, false
}

func encodeString(s, enc string) ([]byte, error) {
	switch enc {
	case "latin1", "latin-1", "latin_1", "iso-8859-1", "iso8859-1", "l1":
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, fmt.Errorf("'latin-1' codec can't encode character %U", r)
			}
			out = append(out, byte(r))
		}
		return out, nil
	case "utf-8", "utf8", "ascii":
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("invalid %s string", enc)
		}
		return []byte(s), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q in _codecs.encode", enc)
}

// durationOf converts timedelta(days, seconds, microseconds); false when it
// does not fit a time.Duration.
func durationOf(d, s, us int64) (time.Duration, bool) {
	const lim = math.MaxInt64 / 1000
	if d > 106751 || d < -106752 || s > lim/1000000 || s < -lim/1000000 || us > lim || us < -lim {
		return 0, false
	}
	total := new(big.Int).SetInt64(d)
	total.Mul(total, big.NewInt(86400))
	total.Add(total, big.NewInt(s))
	total.Mul(total, big.NewInt(1e6))
	total.Add(total, big.NewInt(us))
	total.Mul(total, big.NewInt(1000))
	if !total.IsInt64() {
		return 0, false
	}
	return time.Duration(total.Int64()), true
}

// location converts a datetime.timezone object (or None) to a Location.
// ok is false for any other tzinfo.
func (m *machine) location(v val) (loc *time.Location, ok bool) {
	if v.k == kNone {
		return nil, true
	}
	if key, ok := m.zoneInfoKey(v); ok {
		loc, err := loadZone(key)
		return loc, err == nil // else the datetime stays an *Object, unchanged
	}
	nd := m.nodeOf(v)
	if nd == nil || nd.k != nObject || nd.obj.hasState || len(nd.obj.list) > 0 || len(nd.obj.dict) > 0 {
		return nil, false
	}
	if g, _ := m.globalOf(nd.obj.class); classify(g) != gidTimezone {
		return nil, false
	}
	args := nd.obj.args
	if len(args) < 1 || len(args) > 2 {
		return nil, false
	}
	on := m.nodeOf(args[0])
	if on == nil || on.k != nValue {
		return nil, false
	}
	d, isDur := on.x.(time.Duration)
	if !isDur || d%time.Second != 0 || d <= -24*time.Hour || d >= 24*time.Hour {
		return nil, false
	}
	secs := int(d / time.Second)
	if len(args) == 2 {
		name, isStr := m.str(args[1])
		if !isStr {
			return nil, false
		}
		return time.FixedZone(name, secs), true
	}
	if secs == 0 {
		return time.UTC, true
	}
	sign, a := '+', secs
	if a < 0 {
		sign, a = '-', -a
	}
	name := fmt.Sprintf("UTC%c%02d:%02d", sign, a/3600, a/60%60)
	if a%60 != 0 {
		name += fmt.Sprintf(":%02d", a%60)
	}
	return time.FixedZone(name, secs), true
}

// datetimeArgs decodes the arguments of datetime/date/time as CPython
// pickles them: packed state bytes (bytes, py2 str, or latin-1 str) plus
// an optional tzinfo; the keyword-less int form is accepted too.
func (m *machine) datetimeArgs(id gid, args []val) (any, bool) {
	if len(args) == 0 {
		return nil, false
	}
	state, isBytes := m.rawBytes(args[0])
	tz := val{k: kNone}
	if isBytes {
		if len(args) > 2 {
			return nil, false
		}
		if len(args) == 2 {
			tz = args[1]
		}
	}
	switch id {
	case gidDate:
		if isBytes {
			if len(state) != 4 || len(args) != 1 {
				return nil, false
			}
			return mkDate(int(state[0])<<8|int(state[1]), int(state[2]), int(state[3]))
		}
		f, ok := m.ints(args, 3, 3)
		if !ok {
			return nil, false
		}
		return mkDate(int(f[0]), int(f[1]), int(f[2]))
	case gidTime:
		var f [5]int
		if isBytes {
			if len(state) != 6 {
				return nil, false
			}
			f = [5]int{int(state[0]), int(state[1]), int(state[2]), int(state[3])<<16 | int(state[4])<<8 | int(state[5])}
		} else {
			n, ok := m.ints(args, 0, 4)
			if !ok {
				return nil, false
			}
			for i := range n {
				f[i] = int(n[i])
			}
		}
		loc, ok := m.location(tz)
		if !ok {
			return nil, false
		}
		fold := f[0] >> 7
		h := f[0] & 0x7f
		if h > 23 || f[1] > 59 || f[2] > 59 || f[3] > 999999 {
			return nil, false
		}
		return TimeOfDay{Hour: h, Minute: f[1], Second: f[2], Microsecond: f[3], Location: loc, Fold: fold}, true
	default: // datetime
		var f [7]int
		if isBytes {
			if len(state) != 10 {
				return nil, false
			}
			f = [7]int{int(state[0])<<8 | int(state[1]), int(state[2]) & 0x7f, int(state[3]), int(state[4]), int(state[5]), int(state[6]),
				int(state[7])<<16 | int(state[8])<<8 | int(state[9])}
		} else {
			n, ok := m.ints(args, 3, 7)
			if !ok {
				return nil, false
			}
			for i := range n {
				f[i] = int(n[i])
			}
		}
		if _, ok := mkDate(f[0], f[1], f[2]); !ok || f[3] > 23 || f[4] > 59 || f[5] > 59 || f[6] > 999999 {
			return nil, false
		}
		loc, ok := m.location(tz)
		if !ok {
			return nil, false
		}
		if loc == nil {
			loc = time.Local
		}
		fold := 0
		if isBytes && state[2]&0x80 != 0 {
			fold = 1
		}
		return wallTime(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, loc, fold), true
	}
}

// ints reads between min and max leading int arguments.
func (m *machine) ints(args []val, min, max int) ([]int64, bool) {
	if len(args) < min || len(args) > max {
		return nil, false
	}
	out := make([]int64, len(args))
	for i, a := range args {
		n, ok := m.intOf(a)
		if !ok || n < 0 || n > 1<<30 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func mkDate(y, mo, d int) (Date, bool) {
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return Date{}, false
	}
	if time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Day() != d {
		return Date{}, false
	}
	return Date{Year: y, Month: time.Month(mo), Day: d}, true
}

// uuidFromState reads a uuid.UUID's BUILD state: {'int': n} or (dict, slots).
func (m *machine) uuidFromState(state val) (UUID, bool) {
	var dicts []*node
	nd := m.nodeOf(state)
	if nd == nil {
		return UUID{}, false
	}
	switch nd.k {
	case nDict:
		dicts = append(dicts, nd)
	case nTuple:
		for _, it := range nd.items {
			if d := m.nodeOf(it); d != nil && d.k == nDict {
				dicts = append(dicts, d)
			}
		}
	}
	for _, d := range dicts {
		for i := 0; i+1 < len(d.items); i += 2 {
			if k, _ := m.text(d.items[i]); k != "int" {
				continue
			}
			v := d.items[i+1]
			var x *big.Int
			switch v.k {
			case kInt:
				if v.n < 0 {
					return UUID{}, false
				}
				x = big.NewInt(v.n)
			case kBig:
				x = m.bigs[v.n]
			default:
				return UUID{}, false
			}
			if x.Sign() < 0 || x.BitLen() > 128 {
				return UUID{}, false
			}
			var u UUID
			x.FillBytes(u[:])
			return u, true
		}
	}
	return UUID{}, false
}
