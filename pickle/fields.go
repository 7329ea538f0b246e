package pickle

import (
	"reflect"
	"strings"
	"sync"
)

// field is one struct field as pickles see it.
type field struct {
	name      string // the Python-side key or attribute name
	index     []int  // path for reflect.Value.FieldByIndex
	typ       reflect.Type
	omitEmpty bool
}

// structFields lists a struct's pickled fields in declaration order, which is
// also the order a tuple maps onto them positionally.
type structFields struct {
	list   []field
	byName map[string]int
	folded map[string]int // lower-cased names, for a case-insensitive fallback as encoding/json does
}

// lookup finds the field for a key: exact name first, then ignoring case.
func (s *structFields) lookup(name string) (*field, bool) {
	if i, ok := s.byName[name]; ok {
		return &s.list[i], true
	}
	if i, ok := s.folded[strings.ToLower(name)]; ok {
		return &s.list[i], true
	}
	return nil, false
}

// typeInfo is what decoding into a Go type needs to know about it,
// worked out once per type for the life of the process, as encoding/json
// caches its own.
type typeInfo struct {
	unmarshal unmarshalKind
	fields    *structFields // structs only
}

type unmarshalKind uint8

const (
	unmarshalNone unmarshalKind = iota
	unmarshalAny                // *T implements Unmarshaler
	unmarshalRaw                // *T implements RawUnmarshaler
)

var (
	unmarshalerIface    = reflect.TypeFor[Unmarshaler]()
	rawUnmarshalerIface = reflect.TypeFor[RawUnmarshaler]()
)

var typeInfos sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{}
	if t.Kind() != reflect.Interface {
		switch pt := reflect.PointerTo(t); {
		case pt.Implements(rawUnmarshalerIface):
			ti.unmarshal = unmarshalRaw
		case pt.Implements(unmarshalerIface):
			ti.unmarshal = unmarshalAny
		}
	}
	if t.Kind() == reflect.Struct {
		ti.fields = buildFields(t)
	}
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// fieldsOf returns the pickled fields of struct type t.
func fieldsOf(t reflect.Type) *structFields { return infoOf(t).fields }

// buildFields reads `pickle:"name,omitempty"` tags; `pickle:"-"` skips a
// field. Untagged exported fields keep their Go name. Fields of embedded
// structs are promoted, the outer field winning a name clash.
func buildFields(t reflect.Type) *structFields {
	s := &structFields{byName: map[string]int{}, folded: map[string]int{}}
	type level struct {
		t     reflect.Type
		index []int
	}
	// Breadth first, so a shallower field shadows a promoted one.
	current := []level{{t, nil}}
	for depth := 0; len(current) > 0 && depth < 16; depth++ {
		var next []level
		for _, lv := range current {
			for i := 0; i < lv.t.NumField(); i++ {
				sf := lv.t.Field(i)
				tag, hasTag := sf.Tag.Lookup("pickle")
				if tag == "-" {
					continue
				}
				path := append(append([]int(nil), lv.index...), i)
				if sf.Anonymous && !hasTag && sf.Type.Kind() == reflect.Struct {
					next = append(next, level{sf.Type, path})
					continue
				}
				if !sf.IsExported() {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if name == "" {
					name = sf.Name
				}
				if _, dup := s.byName[name]; dup {
					continue
				}
				s.byName[name] = len(s.list)
				if _, dup := s.folded[strings.ToLower(name)]; !dup {
					s.folded[strings.ToLower(name)] = len(s.list)
				}
				s.list = append(s.list, field{
					name:      name,
					index:     path,
					typ:       sf.Type,
					omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
				})
			}
		}
		current = next
	}
	return s
}
