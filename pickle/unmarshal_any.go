package pickle

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"reflect"
)

// toAny materializes a val into the value model. Nodes are materialized once
// and cached, so shared references and cycles come back shared.
func (m *machine) toAny(v val) (any, error) {
	switch v.k {
	case kNone:
		return nil, nil
	case kBool:
		return v.n != 0, nil
	case kInt:
		return m.boxInt(v.n), nil
	case kBig:
		if m.copyLeaves {
			return new(big.Int).Set(m.bigs[v.n]), nil
		}
		return m.bigs[v.n], nil
	case kFloat:
		return m.boxFloat(math.Float64frombits(uint64(v.n))), nil
	case kStr:
		return m.boxString(m.newString(m.data[v.n : v.n+v.m])), nil
	case kStrX:
		return m.boxString(m.strs[v.n]), nil
	case kBytes:
		b := make([]byte, v.m)
		copy(b, m.data[v.n:v.n+v.m])
		return b, nil
	case kBytesX:
		return m.blob(v.n), nil
	case kNode:
		return m.nodeAny(v)
	}
	return nil, &SyntaxError{Offset: m.base + int64(v.off), Msg: "invalid value"}
}

func (m *machine) nodeAny(v val) (any, error) {
	if int(v.n) < len(m.anyCache) {
		if x := m.anyCache[v.n]; x != nil {
			return x, nil
		}
	} else {
		m.anyCache = append(m.anyCache, make([]any, len(m.nodes)-len(m.anyCache))...)
	}
	m.depth++
	defer func() { m.depth-- }()
	if m.depth > m.cfg.maxDepth {
		return nil, m.limitErr(LimitDepth, int64(m.cfg.maxDepth), int64(m.depth), int(v.off))
	}
	nd := &m.nodes[v.n]
	switch nd.k {
	case nList, nTuple:
		s := make([]any, len(nd.items))
		if nd.k == nList {
			m.anyCache[v.n] = s
		} else {
			m.anyCache[v.n] = Tuple(s)
		}
		for i, it := range nd.items {
			x, err := m.toAny(it)
			if err != nil {
				return nil, err
			}
			s[i] = x
		}
		return m.anyCache[v.n], nil
	case nDict:
		d := NewDict(len(nd.items) / 2)
		m.anyCache[v.n] = d
		if kind, ok := nd.x.(dictKind); ok {
			d.kind = kind
			if kind == defaultDict && len(nd.obj.args) == 1 {
				f, err := m.toAny(nd.obj.args[0])
				if err != nil {
					return nil, err
				}
				d.factory = f
			}
		}
		if err := m.fillDict(d, nd.items); err != nil {
			return nil, err
		}
		return d, nil
	case nSet, nFrozenSet:
		s := &Set{d: Dict{items: make([]DictItem, 0, len(nd.items)), keys: make([]hashKey, 0, len(nd.items))}}
		var res any = s
		if nd.k == nFrozenSet {
			f := &FrozenSet{}
			res = f
			m.anyCache[v.n] = f
			defer func() { f.s = *s }()
		} else {
			m.anyCache[v.n] = s
		}
		for _, it := range nd.items {
			x, err := m.toAny(it)
			if err != nil {
				return nil, err
			}
			if err := m.checkKey(it); err != nil {
				return nil, err
			}
			if err := s.Add(x); err != nil {
				return nil, m.wrapAt(it, err)
			}
		}
		return res, nil
	case nGlobal, nValue:
		if b, ok := nd.x.(ByteArray); ok && m.copyLeaves {
			m.anyCache[v.n] = bytes.Clone(b)
			return m.anyCache[v.n], nil
		}
		m.anyCache[v.n] = nd.x
		if nd.x == nil {
			return nil, nil
		}
		return nd.x, nil
	case nException:
		e := &Exception{}
		m.anyCache[v.n] = e
		g, _ := m.globalOf(nd.obj.class)
		e.Class = g
		args, err := m.anyList(nd.obj.args)
		if err != nil {
			return nil, err
		}
		e.Args = Tuple(args)
		if nd.obj.hasState {
			if e.State, err = m.toAny(nd.obj.state); err != nil {
				return nil, err
			}
		}
		return e, nil
	case nObject:
		if g, ok := m.globalOf(nd.obj.class); ok && m.cfg.registry != nil {
			if t, ok := m.cfg.registry.TypeFor(g); ok {
				p := reflect.New(t)
				if t.Kind() != reflect.Struct { // an enum member: its value, not a pointer
					if err := m.newTyped().fillRegistered(v, p.Elem()); err != nil {
						return nil, err
					}
					m.anyCache[v.n] = p.Elem().Interface()
					return p.Elem().Interface(), nil
				}
				m.anyCache[v.n] = p.Interface()
				if err := m.newTyped().fillRegistered(v, p.Elem()); err != nil {
					return nil, err
				}
				return p.Interface(), nil
			}
		}
		o := &Object{New: nd.obj.new}
		m.anyCache[v.n] = o
		var err error
		if o.Class, err = m.toAny(nd.obj.class); err != nil {
			return nil, err
		}
		args, err := m.anyList(nd.obj.args)
		if err != nil {
			return nil, err
		}
		o.Args = Tuple(args)
		if o.Args == nil {
			o.Args = Tuple{}
		}
		if nd.obj.hasKw {
			o.Kwargs = NewDict(len(nd.obj.kwargs) / 2)
			if err := m.fillDict(o.Kwargs, nd.obj.kwargs); err != nil {
				return nil, err
			}
		}
		if nd.obj.hasState {
			if o.State, err = m.toAny(nd.obj.state); err != nil {
				return nil, err
			}
		}
		if len(nd.obj.list) > 0 {
			if o.ListItems, err = m.anyList(nd.obj.list); err != nil {
				return nil, err
			}
		}
		if len(nd.obj.dict) > 0 {
			o.DictItems = NewDict(len(nd.obj.dict) / 2)
			if err := m.fillDict(o.DictItems, nd.obj.dict); err != nil {
				return nil, err
			}
		}
		return o, nil
	}
	return nil, &SyntaxError{Offset: m.base + int64(nd.off), Msg: "invalid node"}
}

func (m *machine) anyList(items []val) ([]any, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]any, len(items))
	for i, it := range items {
		x, err := m.toAny(it)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (m *machine) fillDict(d *Dict, items []val) error {
	for i := 0; i+1 < len(items); i += 2 {
		k, err := m.toAny(items[i])
		if err != nil {
			return err
		}
		if err := m.checkKey(items[i]); err != nil {
			return err
		}
		x, err := m.toAny(items[i+1])
		if err != nil {
			return err
		}
		if err := d.Set(k, x); err != nil {
			return m.wrapAt(items[i], err)
		}
	}
	return nil
}

func (m *machine) wrapAt(v val, err error) error {
	return fmt.Errorf("%w (at offset %d)", err, m.base+int64(v.off))
}

// checkKey bounds the work of hashing keys: hashing a tuple key visits
// every element of its sub-tuples, and a tuple built from shared
// sub-tuples expands exponentially when flattened. What all the keys of a
// pickle expand to is bounded by WithMaxExpansion.
func (m *machine) checkKey(v val) error {
	nd := m.nodeOf(v)
	if nd == nil || (nd.k != nTuple && nd.k != nFrozenSet) {
		return nil
	}
	if m.keySizes == nil {
		m.keySizes = map[int64]int64{}
	}
	return m.expand(int(v.off), m.keySize(v, m.expansionLeft(), 0))
}

func (m *machine) keySize(v val, limit int64, depth int) int64 {
	nd := m.nodeOf(v)
	if nd == nil || (nd.k != nTuple && nd.k != nFrozenSet) {
		return 1
	}
	if s, ok := m.keySizes[v.n]; ok {
		return s
	}
	if depth > m.cfg.maxDepth {
		return limit + 1
	}
	m.keySizes[v.n] = limit + 1 // a cycle counts as too big
	var total int64 = 1
	for _, it := range nd.items {
		total += m.keySize(it, limit, depth+1)
		if total > limit {
			break
		}
	}
	m.keySizes[v.n] = total
	return total
}
