package pickle

import "reflect"

// Equal reports whether a and b are equal the way Python's == sees the values
// they stand for: 1 == 1.0 == True == Decimal('1'), a list never equals a
// tuple, dicts and sets ignore order (OrderedDicts compared with each
// other do not), a set equals a frozenset of the same members, bytes equal
// a bytearray of the same bytes but never a str, NaN equals nothing. A nil
// pointer stands for None, as Marshal writes it. Instances (*Object) are
// compared field by field, which Python does only for classes that define
// __eq__. Cycles and shared references are handled. Go values outside the
// value model are compared with reflect.DeepEqual.
func Equal(a, b any) bool {
	return equal(a, b, visited{})
}

// visited holds the pairs of containers being compared.
type visited map[[2]uintptr]bool

func equal(a, b any, seen visited) bool {
	a, b = noneIfNil(a), noneIfNil(b)
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if f := formOf(a); f != nil {
		return f.equal(a, b, seen)
	}
	return reflect.DeepEqual(a, b)
}

// noneIfNil turns a nil pointer into nil: Marshal writes both as None.
func noneIfNil(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil
	}
	return v
}

func equalSeq[S ~[]any](x, y S, seen visited) bool {
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

// visit records that the pair is being compared; a pair met again is inside
// a cycle and is taken as equal so far.
func visit[T any](seen visited, x, y *T) bool {
	key := [2]uintptr{reflect.ValueOf(x).Pointer(), reflect.ValueOf(y).Pointer()}
	if seen[key] {
		return true
	}
	seen[key] = true
	return false
}
