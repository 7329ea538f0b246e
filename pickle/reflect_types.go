package pickle

import (
	"math/big"
	"reflect"
	"time"
)

// Types the encoder and the decoder both treat specially.
var (
	timeType      = reflect.TypeFor[time.Time]()
	bigIntType    = reflect.TypeFor[big.Int]()
	bigIntPtrType = reflect.TypeFor[*big.Int]()
)
