package managers

import (
	"fmt"

	"github.com/mpconn/mpconn/pickle"
)

// The messages of the protocol: every request is the 4-tuple
// (ident, methodname, args, kwds); every reply the 2-tuple (kind, value).

// request is a decoded (ident, methodname, args, kwds).
type request struct {
	ident  any
	id     string // ident as text, "" when it is not a str
	method string
	named  bool // method is a str (else nothing can match it)
	args   []any
	kwargs *pickle.Dict // nil when empty
	// argsErr is the TypeError Python raises when it spreads args and kwds
	// into the call (non-iterable args, non-mapping kwds): the request still
	// reaches the object lookup first, as in CPython.
	argsErr *Error
}

// parseRequest unpacks a request as CPython's server does with
// "ident, methodname, args, kwds = request". A request that cannot be
// unpacked is the error the server reports as a traceback.
func parseRequest(v any) (request, *Error) {
	items, ok := iterate(v)
	if !ok {
		return request{}, raisef(ErrTypeError, "cannot unpack non-iterable %s object", typeName(v))
	}
	switch {
	case len(items) < 4:
		return request{}, raisef(ErrValueError, "not enough values to unpack (expected 4, got %d)", len(items))
	case len(items) > 4:
		return request{}, raisef(ErrValueError, "too many values to unpack (expected 4)")
	}
	r := request{ident: items[0]}
	r.id, _ = asText(items[0])
	r.method, r.named = asText(items[1])
	if args, ok := iterate(items[2]); ok {
		r.args = args
	} else {
		r.argsErr = raisef(ErrTypeError, "%s() argument after * must be an iterable, not %s", r.method, typeName(items[2]))
	}
	switch kw := items[3].(type) {
	case *pickle.Dict:
		for k := range kw.All() {
			if _, ok := asText(k); !ok {
				r.argsErr = raisef(ErrTypeError, "keywords must be strings")
			}
		}
		if kw.Len() > 0 {
			r.kwargs = kw
		}
	default:
		r.argsErr = raisef(ErrTypeError, "%s() argument after ** must be a mapping, not %s", r.method, typeName(items[3]))
	}
	return r, nil
}

// iterate lists the items Python would iterate over in v, for the values
// the server may meet where Python iterates (unpacking, *args).
func iterate(v any) ([]any, bool) {
	switch x := v.(type) {
	case pickle.Tuple:
		return x, true
	case []any:
		return x, true
	case string:
		items := make([]any, 0, len(x))
		for _, r := range x {
			items = append(items, string(r))
		}
		return items, true
	case []byte:
		items := make([]any, len(x))
		for i, c := range x {
			items[i] = int64(c)
		}
		return items, true
	case *pickle.Dict:
		return x.Keys(), true
	case *pickle.Set:
		return x.Items(), true
	case *pickle.FrozenSet:
		return x.Items(), true
	}
	return nil, false
}

// reply is a decoded (kind, value).
type reply struct {
	kind  string
	value any
}

// parseReply unpacks "kind, result = c.recv()".
func parseReply(v any) (reply, error) {
	items, ok := v.(pickle.Tuple)
	if !ok || len(items) != 2 {
		return reply{}, fmt.Errorf("managers: a reply must be a (kind, value) pair, got %s", repr(v))
	}
	kind, ok := asText(items[0])
	if !ok {
		return reply{}, &Error{Kind: repr(items[0]), Type: ErrValueError, Value: items[1]}
	}
	return reply{kind: kind, value: items[1]}, nil
}

// emptyArgs and emptyKwargs are what a request without arguments carries.
var (
	emptyArgs   = pickle.Tuple{}
	emptyKwargs = map[string]any{}
)

// newRequest builds the 4-tuple a client sends.
func newRequest(ident any, method string, args []any, kwargs map[string]any) pickle.Tuple {
	a := emptyArgs
	if len(args) > 0 {
		a = pickle.Tuple(args)
	}
	kw := emptyKwargs
	if len(kwargs) > 0 {
		kw = kwargs
	}
	return pickle.Tuple{ident, method, a, kw}
}
