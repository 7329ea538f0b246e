package pickle

import (
	"reflect"
	"strconv"
)

func indexSeg(i int) string { return "[" + strconv.Itoa(i) + "]" }

func keySeg(k any) string {
	switch x := k.(type) {
	case string:
		return "[" + strconv.Quote(x) + "]"
	case reflect.Value:
		if x.Kind() == reflect.String {
			return "[" + strconv.Quote(x.String()) + "]"
		}
		if x.CanInterface() {
			return "[" + pyRepr(x.Interface()) + "]"
		}
		return "[?]"
	default:
		return "[" + pyRepr(k) + "]"
	}
}
