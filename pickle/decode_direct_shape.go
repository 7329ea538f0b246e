package pickle

// The shapes of lists, tuples and dicts, for the direct decoder
// (decode_direct.go): which opcodes make and fill them, and what tells an
// empty one from one with a single item.

// seqItems decodes the items of a container just created (its memo puts
// read) with item, and reports the consuming opcode's batches: MARK items
// end, any number of times, or one item followed by single (CPython writes
// a one-item list as EMPTY_LIST item APPEND, a one-item dict as EMPTY_DICT
// key value SETITEM). itemAhead says whether the opcode at hand starts the
// container's single item rather than what follows the container, when
// that cannot be told from c alone.
func (d *direct) seqItems(item func(follows) bool, end, single byte, c follows, itemAhead func(op byte) (bool, bool), tuples func(n, mark int) bool) bool {
	first := true
	for {
		op, ok := d.peek()
		if !ok {
			return false
		}
		if op == opMark {
			d.pos++
			if !d.markItems(item, end, tuples) {
				return false
			}
			first = false
			continue
		}
		if !first {
			return true
		}
		first = false
		isItem, ok := itemAhead(op)
		if !ok {
			return false
		}
		if !isItem {
			return true
		}
		if !item(followsEnd) {
			return false
		}
		if op, ok := d.next(); !ok || op != single {
			return false
		}
		return true
	}
}

// markItems decodes the items after a MARK up to end (read too). tuples,
// when not nil, takes TUPLE1-3 among them as the machine does, making one
// tuple of the last n items, memoized as the puts from pending[mark:]
// say; false gives up.
func (d *direct) markItems(item func(follows) bool, end byte, tuples func(n, mark int) bool) bool {
	k := 0
	for {
		op, ok := d.peek()
		if !ok {
			return false
		}
		switch {
		case op == end:
			d.pos++
			return true
		case tuples != nil && op >= opTuple1 && op <= opTuple3:
			d.pos++
			n := int(op-opTuple1) + 1
			mark := len(d.pending)
			if n > k || !d.memo() || !tuples(n, mark) {
				return false
			}
			k -= n - 1
			continue
		}
		if !item(followsValue) {
			return false
		}
		k++
	}
}

// listItemAhead tells whether op, right after an EMPTY_LIST (and its memo
// puts), starts the list's single item; false, false when it cannot be
// told (the caller gives up).
func (d *direct) listItemAhead(op byte, c follows) (bool, bool) {
	if isContainerOp(op) {
		// What follows a list in a dict is a str key, at the end a
		// consuming opcode: there a container is the list's item. Among
		// items, only the end of the container would tell.
		return c != followsValue, c != followsValue
	}
	end, ok := d.scalarEnd(d.pos)
	if !ok {
		return false, true // no value: the list is empty
	}
	if c == followsEnd {
		return true, true
	}
	after, ok := d.opAt(end)
	return ok && after == opAppend, ok
}

// dictItemAhead tells whether the opcode at hand, right after an
// EMPTY_DICT (and its memo puts), starts the dict's single item (a scalar
// key, then its value).
func (d *direct) dictItemAhead(c follows) (bool, bool) {
	keyEnd, ok := d.scalarEnd(d.pos)
	if !ok {
		return false, true // no key: the dict is empty
	}
	if c == followsEnd {
		return true, true
	}
	end, ok := d.scalarEnd(keyEnd)
	if !ok {
		// The key, then a container: the dict's item, or the parent's
		// next key and its value; only the end of that value would tell.
		return false, false
	}
	after, ok := d.opAt(end)
	return ok && after == opSetitem, ok
}

// sequence decodes a list or a tuple with item: EMPTY_LIST and its
// batches, EMPTY_TUPLE, MARK items TUPLE, or one to three items then
// TUPLE1-3. count says how many items item has taken; tuples, when not
// nil, builds the tuples TUPLE1-3 make among a MARK's items (markItems).
func (d *direct) sequence(item func(follows) bool, c follows, count func() int, tuples func(n, mark int) bool) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	switch op {
	case opEmptyList:
		if !d.memo() {
			return false
		}
		return d.seqItems(item, opAppends, opAppend, c, func(op byte) (bool, bool) { return d.listItemAhead(op, c) }, tuples)
	case opEmptyTuple:
		return d.memo()
	case opMark:
		return d.markItems(item, opTuple, tuples) && d.memo()
	}
	d.pos--
	for k := 1; k <= 3; k++ {
		if !item(followsValue) {
			return false
		}
		op, ok := d.peek()
		if !ok {
			return false
		}
		if op >= opTuple1 && op <= opTuple3 {
			if int(op-opTuple1)+1 != count() {
				return false
			}
			d.pos++
			return d.memo()
		}
	}
	return false
}

// dictItems decodes a dict just created (EMPTY_DICT read) with pair, which
// reads one key and its value.
func (d *direct) dictItems(pair func(follows) bool, c follows) bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	if !d.memo() {
		return false
	}
	item := func(c follows) bool {
		if c == followsValue {
			c = followsKey // inside MARK ... SETITEMS
		}
		return pair(c)
	}
	return d.seqItems(item, opSetitems, opSetitem, c, func(byte) (bool, bool) { return d.dictItemAhead(c) }, nil)
}

// key reads a str key: its bytes, and its Go string when want says so.
func (d *direct) key(want bool) ([]byte, string, bool) {
	op, ok := d.next()
	if !ok {
		return nil, "", false
	}
	b, ok := d.strArg(op)
	if !ok {
		return nil, "", false
	}
	var s string
	if want {
		s = d.text(b)
	}
	return b, s, d.memoStr(b, s)
}
