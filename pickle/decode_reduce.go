package pickle

// reduce builds callable(*args) (REDUCE, INST, OBJ): what the callable's
// class description makes of it, or else an *Object that records the call.
// Nothing is executed.
func (m *machine) reduce(pos int, callable val, args []val) (val, error) {
	nd := m.nodeOf(callable)
	switch {
	case nd == nil:
		return val{}, m.errAt(pos, "REDUCE of a value that is not callable")
	case nd.k == nGlobal:
		if c := nd.cls; c != nil && c.reduce != nil {
			v, ok, err := c.reduce(m, pos, callable, args)
			if err != nil || ok {
				m.keepCall(v, callable, args)
				return v, err
			}
		}
	case nd.k != nObject && nd.k != nValue:
		return val{}, m.errAt(pos, "REDUCE of a value that is not callable")
	}
	v := m.newNode(nObject, pos)
	m.nodes[v.n].obj = &objData{class: callable, args: args}
	return v, nil
}

// keepCall records, on a value a class description built, the call that
// built it: should BUILD later give it state the value cannot hold, it
// becomes the *Object of that call (see build).
func (m *machine) keepCall(v, callable val, args []val) {
	nd := m.nodeOf(v)
	if nd == nil || nd.k == nObject || nd.k == nException {
		return
	}
	if nd.obj == nil {
		nd.obj = &objData{}
	}
	nd.obj.class, nd.obj.args = callable, args
}

// newObj builds cls.__new__(cls, *args, **kwargs) (NEWOBJ, NEWOBJ_EX and
// copyreg's equivalents).
func (m *machine) newObj(pos int, cls val, args, kwargs []val, ex bool) (val, error) {
	if nd := m.nodeOf(cls); !ex && nd != nil && nd.k == nGlobal && nd.cls != nil && nd.cls.newobj != nil {
		if v, ok, err := nd.cls.newobj(m, pos, cls, args); err != nil || ok {
			return v, err
		}
	}
	v := m.newNode(nObject, pos)
	m.nodes[v.n].obj = &objData{class: cls, new: true, args: args, kwargs: kwargs, hasKw: ex}
	return v, nil
}

// build applies BUILD state. An instance keeps it; a class description
// may turn an instance with its state into a value (a uuid.UUID). A value
// built whole (a datetime, an OrderedDict) that gets state becomes the
// *Object of the call that built it, so that nothing the pickle says is
// lost; state on a plain container, which CPython cannot load either, is
// ignored.
func (m *machine) build(pos int, target, state val) error {
	nd := m.nodeOf(target)
	if nd == nil {
		return m.errAt(pos, "BUILD on a value that has no state")
	}
	switch nd.k {
	case nObject:
		nd.obj.state, nd.obj.hasState = state, true
		if c := m.classOfVal(nd.obj.class); c != nil && c.build != nil {
			if x, ok := c.build(m, state); ok {
				nd.k, nd.x, nd.obj = nValue, x, nil
			}
		}
	case nException:
		nd.obj.state, nd.obj.hasState = state, true
	default:
		if nd.obj == nil || nd.obj.class.k == kUnset {
			return nil
		}
		if nd.k == nDict {
			nd.obj.dict = nd.items[nd.obj.argItems:]
		}
		nd.k, nd.x, nd.items, nd.cls = nObject, nil, nil, nil
		nd.obj.state, nd.obj.hasState = state, true
	}
	return nil
}

// classOfVal returns the class description of a class val.
func (m *machine) classOfVal(v val) *pyClass {
	if nd := m.nodeOf(v); nd != nil && nd.k == nGlobal {
		return nd.cls
	}
	return nil
}

// itemUnits is what a class call that copies a list's items (set(l),
// OrderedDict(pairs)) spends per item: the item's node value, and the
// item of the set or dict it becomes.
const itemUnits = 2

// spendCall counts the work a class call does on its arguments (itemUnits
// per item copied, one unit per 16 bytes copied or read): a pickle can
// make the call on one shared value from many places, a few bytes each
// (set(l), bytearray(b), Decimal(s) of one long list, bytes or str).
func (m *machine) spendCall(pos int, units int64) error { return m.expand(pos, units) }

// expand spends n units of the one budget WithMaxExpansion sets for a
// pickle, which everything shared references can multiply draws on: the
// values and copies typed targets make, hashing tuple keys, class calls on
// shared arguments. One budget, so that an input combining them stays
// within the bound SECURITY.md states.
func (m *machine) expand(pos int, n int64) error {
	m.budget = m.expansionLeft() - n
	if m.budget < 0 {
		max := m.cfg.expansionBudget(len(m.data))
		return m.limitErr(LimitExpansion, max, max-m.budget, pos)
	}
	return nil
}

// expansionLeft is what remains of the expansion budget.
func (m *machine) expansionLeft() int64 {
	if !m.budgetSet {
		m.budget, m.budgetSet = m.cfg.expansionBudget(len(m.data)), true
	}
	return m.budget
}
