package pickle

// uuid.UUID: UUID. CPython writes an instance (UUID.__new__, then BUILD
// with {'int': n}, plus 'is_safe' when the generator said, which is not
// kept: UUIDs compare by value).

import (
	"fmt"
	"math/big"
)

// UUID is a uuid.UUID.
type UUID [16]byte

func (u UUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

var globalUUID = Global{"uuid", "UUID"}

func init() {
	form[UUID]{
		name:   "uuid.UUID",
		encode: (*encoder).saveUUID,
		hash:   func(u UUID, _ int) (hashKey, error) { return hashKey{kind: 'u', s: string(u[:])}, nil },
		repr:   func(u UUID, _ int) string { return "UUID('" + u.String() + "')" },
		equal:  func(a UUID, b any, _ visited) bool { return b == any(a) },
	}.declare()
	declareClass(&pyClass{build: func(m *machine, state val) (any, bool) { return m.uuidFromState(state) }}, globalUUID)
}

// saveUUID writes a uuid.UUID as CPython 3.13 pickles one: UUID.__new__
// (copyreg._reconstructor below protocol 2) and BUILD {'int': n}. Python
// 2.7 and every 3.x load this form.
func (e *encoder) saveUUID(u UUID) error {
	if err := e.instanceHeader(globalUUID); err != nil {
		return err
	}
	e.memoPut()
	e.boundary()
	e.writeEmptyDict()
	e.memoPut()
	if err := e.saveInterned("int"); err != nil {
		return err
	}
	e.boundary()
	if err := e.writeBigInt(new(big.Int).SetBytes(u[:])); err != nil {
		return err
	}
	e.op(opSetitem)
	e.op(opBuild)
	return nil
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
