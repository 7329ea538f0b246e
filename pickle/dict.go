package pickle

import (
	"fmt"
	"iter"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DictItem is one key/value pair of a Dict.
type DictItem struct {
	Key, Value any
}

// Dict is a Python dict: insertion-ordered, with keys compared as Python
// compares them (1 == 1.0 == True, ("a", 1) is a valid key, b"a" != "a").
// The zero value is an empty dict ready to use.
type Dict struct {
	items []DictItem
	keys  []hashKey
	index map[hashKey]int // built once the dict outgrows a linear scan
}

// smallDict is the size up to which a linear scan beats a map.
const smallDict = 8

// NewDict returns an empty dict with room for n items.
func NewDict(n int) *Dict {
	return &Dict{items: make([]DictItem, 0, n), keys: make([]hashKey, 0, n)}
}

// Len returns the number of items.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.items)
}

// Get returns the value stored under key.
func (d *Dict) Get(key any) (any, bool) {
	if d == nil {
		return nil, false
	}
	k, err := keyOf(key)
	if err != nil {
		return nil, false
	}
	if i := d.find(k); i >= 0 {
		return d.items[i].Value, true
	}
	return nil, false
}

// Set stores value under key. As in Python, an existing equal key keeps its
// original form and position; only the value changes.
func (d *Dict) Set(key, value any) error {
	k, err := keyOf(key)
	if err != nil {
		return err
	}
	if i := d.find(k); i >= 0 {
		d.items[i].Value = value
		return nil
	}
	d.items = append(d.items, DictItem{key, value})
	d.keys = append(d.keys, k)
	if d.index != nil {
		d.index[k] = len(d.items) - 1
	} else if len(d.items) > smallDict {
		d.index = make(map[hashKey]int, 2*len(d.items))
		for i, k := range d.keys {
			d.index[k] = i
		}
	}
	return nil
}

// Delete removes key and reports whether it was present.
func (d *Dict) Delete(key any) bool {
	k, err := keyOf(key)
	if err != nil || d == nil {
		return false
	}
	i := d.find(k)
	if i < 0 {
		return false
	}
	d.items = append(d.items[:i], d.items[i+1:]...)
	d.keys = append(d.keys[:i], d.keys[i+1:]...)
	if d.index != nil {
		delete(d.index, k)
		for j := i; j < len(d.keys); j++ {
			d.index[d.keys[j]] = j
		}
	}
	return true
}

// Items returns the items in insertion order. The slice is the dict's own:
// read it, do not change it.
func (d *Dict) Items() []DictItem {
	if d == nil {
		return nil
	}
	return d.items
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []any {
	keys := make([]any, d.Len())
	for i, it := range d.Items() {
		keys[i] = it.Key
	}
	return keys
}

// All iterates over the items in insertion order.
func (d *Dict) All() iter.Seq2[any, any] {
	return func(yield func(any, any) bool) {
		for _, it := range d.Items() {
			if !yield(it.Key, it.Value) {
				return
			}
		}
	}
}

func (d *Dict) find(k hashKey) int {
	if d.index != nil {
		if i, ok := d.index[k]; ok {
			return i
		}
		return -1
	}
	for i := range d.keys {
		if d.keys[i] == k {
			return i
		}
	}
	return -1
}

func (d *Dict) String() string { return pyRepr(d) }

// GoString makes %#v show the dict as Python's repr rather than its
// internals.
func (d *Dict) GoString() string { return "pickle.Dict" + pyRepr(d) }

// Set is a Python set. The zero value is an empty set ready to use.
type Set struct {
	d Dict
}

// NewSet returns a set holding items, or ErrUnhashable.
func NewSet(items ...any) (*Set, error) {
	s := &Set{d: Dict{items: make([]DictItem, 0, len(items)), keys: make([]hashKey, 0, len(items))}}
	for _, it := range items {
		if err := s.Add(it); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add inserts v.
func (s *Set) Add(v any) error { return s.d.Set(v, nil) }

// Has reports whether v is in the set.
func (s *Set) Has(v any) bool {
	if s == nil {
		return false
	}
	_, ok := s.d.Get(v)
	return ok
}

// Remove deletes v and reports whether it was present.
func (s *Set) Remove(v any) bool { return s != nil && s.d.Delete(v) }

// Len returns the number of members.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.d.Len()
}

// Items returns the members in insertion order (a new slice).
func (s *Set) Items() []any {
	if s == nil {
		return nil
	}
	return s.d.Keys()
}

// String renders the set as Python does: {1, 'a'}.
func (s *Set) String() string { return pyRepr(s) }

// GoString makes %#v show the set as Python's repr.
func (s *Set) GoString() string { return "pickle.Set" + pyRepr(s) }

// FrozenSet is a Python frozenset: like Set, but immutable and hashable.
type FrozenSet struct {
	s Set
}

// NewFrozenSet returns a frozenset holding items, or ErrUnhashable.
func NewFrozenSet(items ...any) (*FrozenSet, error) {
	s, err := NewSet(items...)
	if err != nil {
		return nil, err
	}
	return &FrozenSet{s: *s}, nil
}

// Has reports whether v is in the set.
func (f *FrozenSet) Has(v any) bool { return f != nil && f.s.Has(v) }

// Len returns the number of members.
func (f *FrozenSet) Len() int {
	if f == nil {
		return 0
	}
	return f.s.Len()
}

// Items returns the members in insertion order (a new slice).
func (f *FrozenSet) Items() []any {
	if f == nil {
		return nil
	}
	return f.s.Items()
}

// String renders the set as Python does: frozenset({1, 'a'}).
func (f *FrozenSet) String() string { return pyRepr(f) }

// GoString makes %#v show the set as Python's repr.
func (f *FrozenSet) GoString() string { return "pickle." + pyRepr(f) }

// hashKey is a comparable stand-in for a Python value: two values are equal
// as dict keys exactly when their hashKeys are ==.
type hashKey struct {
	kind byte
	n    int64
	s    string
}

func keyOf(v any) (hashKey, error) {
	switch x := v.(type) {
	case nil:
		return hashKey{kind: 'N'}, nil
	case bool:
		if x {
			return hashKey{kind: 'i', n: 1}, nil
		}
		return hashKey{kind: 'i'}, nil
	case int:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case int8:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case int16:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case int32:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case int64:
		return hashKey{kind: 'i', n: x}, nil
	case uint:
		return uintKey(uint64(x)), nil
	case uint8:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case uint16:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case uint32:
		return hashKey{kind: 'i', n: int64(x)}, nil
	case uint64:
		return uintKey(x), nil
	case *big.Int:
		if x.IsInt64() {
			return hashKey{kind: 'i', n: x.Int64()}, nil
		}
		return hashKey{kind: 'I', s: x.String()}, nil
	case float32:
		return floatKey(float64(x)), nil
	case float64:
		return floatKey(x), nil
	case complex128:
		if imag(x) == 0 {
			return floatKey(real(x)), nil
		}
		return hashKey{kind: 'c', n: int64(math.Float64bits(real(x))), s: strconv.FormatUint(math.Float64bits(imag(x)), 16)}, nil
	case string:
		return hashKey{kind: 's', s: x}, nil
	case []byte:
		return hashKey{kind: 'b', s: string(x)}, nil
	case Tuple:
		var b strings.Builder
		for _, e := range x {
			k, err := keyOf(e)
			if err != nil {
				return hashKey{}, err
			}
			writeKey(&b, k)
		}
		return hashKey{kind: 'T', n: int64(len(x)), s: b.String()}, nil
	case *FrozenSet:
		parts := make([]string, 0, x.Len())
		for _, k := range x.s.d.keys {
			var b strings.Builder
			writeKey(&b, k)
			parts = append(parts, b.String())
		}
		sort.Strings(parts)
		return hashKey{kind: 'F', n: int64(len(parts)), s: strings.Join(parts, "")}, nil
	case Global:
		return hashKey{kind: 'g', s: x.Module + "\x00" + x.Name}, nil
	case Decimal:
		return hashKey{kind: 'd', s: string(x)}, nil
	case UUID:
		return hashKey{kind: 'u', s: string(x[:])}, nil
	case Date:
		return hashKey{kind: 'D', n: int64(x.Year)<<16 | int64(x.Month)<<8 | int64(x.Day)}, nil
	case time.Duration:
		return hashKey{kind: 'r', n: int64(x)}, nil
	case time.Time:
		if x.Location() == time.Local {
			// Naive datetimes compare by wall clock, never equal to aware ones.
			return hashKey{kind: 'W', s: x.Format("2006-01-02T15:04:05.999999999")}, nil
		}
		return hashKey{kind: 'A', n: x.UnixNano(), s: strconv.FormatInt(x.Unix(), 10)}, nil
	case TimeOfDay:
		return hashKey{kind: 't', s: fmt.Sprintf("%d:%d:%d.%d@%v", x.Hour, x.Minute, x.Second, x.Microsecond, x.Location)}, nil
	case *Object, *Exception:
		// Instances without __eq__ hash by identity in Python.
		return hashKey{kind: 'p', s: fmt.Sprintf("%p", x)}, nil
	case []any, *Dict, *Set, ByteArray:
		return hashKey{}, fmt.Errorf("%w: %s", ErrUnhashable, pyTypeName(v))
	default:
		return hashKey{kind: '?', s: fmt.Sprintf("%T:%#v", v, v)}, nil
	}
}

func uintKey(u uint64) hashKey {
	if u <= math.MaxInt64 {
		return hashKey{kind: 'i', n: int64(u)}
	}
	return hashKey{kind: 'I', s: strconv.FormatUint(u, 10)}
}

// floatKey makes integral floats equal to the ints they equal, as Python does.
func floatKey(f float64) hashKey {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		if f >= -(1<<63) && f < 1<<63 {
			return hashKey{kind: 'i', n: int64(f)}
		}
		i, _ := big.NewFloat(f).Int(nil)
		return hashKey{kind: 'I', s: i.String()}
	}
	return hashKey{kind: 'f', n: int64(math.Float64bits(f))}
}

func writeKey(b *strings.Builder, k hashKey) {
	b.WriteByte(k.kind)
	b.WriteString(strconv.FormatInt(k.n, 36))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(len(k.s)))
	b.WriteByte(':')
	b.WriteString(k.s)
}

// pyTypeName names the Python type a value stands for, for error messages.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int:
		return "int"
	case float32, float64:
		return "float"
	case complex64, complex128:
		return "complex"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case ByteArray:
		return "bytearray"
	case []any:
		return "list"
	case Tuple:
		return "tuple"
	case *Dict:
		return "dict"
	case *Set:
		return "set"
	case *FrozenSet:
		return "frozenset"
	case Global:
		return "type"
	case *Object:
		if g, ok := v.(*Object).Class.(Global); ok {
			return g.String()
		}
		return "object"
	case *Exception:
		return v.(*Exception).Class.String()
	case time.Time:
		return "datetime.datetime"
	case time.Duration:
		return "datetime.timedelta"
	case Date:
		return "datetime.date"
	case TimeOfDay:
		return "datetime.time"
	case Decimal:
		return "decimal.Decimal"
	case UUID:
		return "uuid.UUID"
	default:
		return fmt.Sprintf("%T", v)
	}
}
