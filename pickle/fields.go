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

// typeCache remembers structFields per type. A Registry carries one so the
// work is done once per type for its lifetime; without a Registry the cache
// lives for one Marshal or Unmarshal call.
type typeCache struct {
	m sync.Map // reflect.Type -> *structFields
}

func (c *typeCache) fields(t reflect.Type) *structFields {
	if f, ok := c.m.Load(t); ok {
		return f.(*structFields)
	}
	f := buildFields(t)
	actual, _ := c.m.LoadOrStore(t, f)
	return actual.(*structFields)
}

// typeCache returns the cache to use for one encode or decode call.
func (c *config) typeCache() *typeCache {
	if c.registry != nil {
		return &c.registry.types
	}
	return &typeCache{}
}

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
