package pickle

import (
	"bytes"
	"math"
	"math/big"
	"reflect"
	"time"
)

// Equal reports whether a and b are equal the way Python's == sees the values
// they stand for: 1 == 1.0 == True, a list never equals a tuple, dicts and
// sets ignore order, bytes never equal str, NaN equals nothing. Instances
// (*Object) are compared field by field, which Python does only for classes
// that define __eq__. Cycles and shared references are handled.
func Equal(a, b any) bool {
	return equal(a, b, map[[2]uintptr]bool{})
}

func equal(a, b any, seen map[[2]uintptr]bool) bool {
	if ka, kb, ok := numberKeys(a, b); ok {
		return ka == kb && !isNaN(a)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		if !ok {
			if ba, isBA := b.(ByteArray); isBA {
				y, ok = []byte(ba), true
			}
		}
		return ok && bytes.Equal(x, y)
	case ByteArray:
		return equal([]byte(x), b, seen)
	case []any:
		y, ok := b.([]any)
		return ok && equalSeq(x, y, seen)
	case Tuple:
		y, ok := b.(Tuple)
		return ok && equalSeq(x, y, seen)
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || x.Len() != y.Len() {
			return false
		}
		if visit(seen, x, y) {
			return true
		}
		for _, it := range x.Items() {
			v, found := y.Get(it.Key)
			if !found || !equal(it.Value, v, seen) {
				return false
			}
		}
		return true
	case *Set:
		y, ok := b.(*Set)
		return ok && equalMembers(x.Items(), y.Has, y.Len())
	case *FrozenSet:
		y, ok := b.(*FrozenSet)
		return ok && equalMembers(x.Items(), y.Has, y.Len())
	case *Object:
		y, ok := b.(*Object)
		if !ok {
			return false
		}
		if x == y || visit(seen, x, y) {
			return true
		}
		return x.New == y.New && equal(x.Class, y.Class, seen) && equal(x.Args, y.Args, seen) &&
			equalDictOrNil(x.Kwargs, y.Kwargs, seen) && equal(x.State, y.State, seen) &&
			equalSeq(x.ListItems, y.ListItems, seen) && equalDictOrNil(x.DictItems, y.DictItems, seen)
	case *Exception:
		y, ok := b.(*Exception)
		return ok && x.Class == y.Class && equal(x.Args, y.Args, seen) && equal(x.State, y.State, seen)
	case time.Time:
		y, ok := b.(time.Time)
		if !ok || (x.Location() == time.Local) != (y.Location() == time.Local) {
			return false
		}
		if x.Location() == time.Local {
			return hashKeyEqual(x, y)
		}
		return x.Equal(y)
	default:
		return reflect.DeepEqual(a, b)
	}
}

func numberKeys(a, b any) (hashKey, hashKey, bool) {
	if !isNumber(a) || !isNumber(b) {
		return hashKey{}, hashKey{}, false
	}
	ka, _ := keyOf(a)
	kb, _ := keyOf(b)
	return ka, kb, true
}

func isNumber(v any) bool {
	switch v.(type) {
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int, float32, float64, complex128:
		return true
	}
	return false
}

func isNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsNaN(x)
	case float32:
		return math.IsNaN(float64(x))
	case complex128:
		return math.IsNaN(real(x)) || math.IsNaN(imag(x))
	}
	return false
}

func hashKeyEqual(a, b any) bool {
	ka, errA := keyOf(a)
	kb, errB := keyOf(b)
	return errA == nil && errB == nil && ka == kb
}

func equalSeq[S ~[]any](x, y S, seen map[[2]uintptr]bool) bool {
	if len(x) != len(y) {
		return false
	}
	if len(x) > 0 && visit(seen, &x[0], &y[0]) {
		return true
	}
	for i := range x {
		if !equal(x[i], y[i], seen) {
			return false
		}
	}
	return true
}

func equalMembers(items []any, has func(any) bool, n int) bool {
	if len(items) != n {
		return false
	}
	for _, it := range items {
		if !has(it) {
			return false
		}
	}
	return true
}

func equalDictOrNil(x, y *Dict, seen map[[2]uintptr]bool) bool {
	if x.Len() == 0 && y.Len() == 0 {
		return true
	}
	return equal(x, y, seen)
}

// visit records that the pair is being compared; a pair met again is inside
// a cycle and is taken as equal so far.
func visit[T any](seen map[[2]uintptr]bool, x, y *T) bool {
	key := [2]uintptr{reflect.ValueOf(x).Pointer(), reflect.ValueOf(y).Pointer()}
	if seen[key] {
		return true
	}
	seen[key] = true
	return false
}
