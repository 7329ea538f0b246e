package pickle

import (
	"math/big"
	"reflect"
	"time"
)

// Types the encoder and the decoder both treat specially.
var (
	timeType      = reflect.TypeFor[time.Time]()
	bytesType     = reflect.TypeFor[[]byte]()
	bigIntType    = reflect.TypeFor[big.Int]()
	bigIntPtrType = reflect.TypeFor[*big.Int]()
)

// modelStructs are the value-model types that are structs. A typed target
// of one of these types, or a pointer to one, is filled exactly as an `any`
// target would be: its fields are the model's own, not Python's.
var modelStructs = map[reflect.Type]bool{
	reflect.TypeFor[Dict]():      true,
	reflect.TypeFor[Set]():       true,
	reflect.TypeFor[FrozenSet](): true,
	reflect.TypeFor[Object]():    true,
	reflect.TypeFor[Exception](): true,
}

// isModelTarget reports whether t is a value-model struct or a pointer to one.
func isModelTarget(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return modelStructs[t]
	case reflect.Pointer:
		return t.Elem().Kind() == reflect.Struct && modelStructs[t.Elem()]
	}
	return false
}
