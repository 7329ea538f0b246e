package managers

import (
	"fmt"
	"net"
	"strconv"

	"github.com/mpconn/mpconn/pickle"
)

// Token names a shared object, as Python's multiprocessing.managers.Token
// does: the typeid it was registered under, the manager's address, and the
// object's ident in that manager. It pickles as Python's Token.
type Token struct {
	Typeid  string
	Address any // the manager's address as Python writes it: (host, port) or a socket path
	ID      string
}

var (
	tokenClass        = pickle.Global{Module: "multiprocessing.managers", Name: "Token"}
	rebuildProxyClass = pickle.Global{Module: "multiprocessing.managers", Name: "RebuildProxy"}
	autoProxyClass    = pickle.Global{Module: "multiprocessing.managers", Name: "AutoProxy"}
)

// MarshalPickle writes the token as CPython pickles a Token: its class,
// an empty NEWOBJ, and the (typeid, address, id) state for __setstate__.
func (t Token) MarshalPickle() (any, error) {
	return &pickle.Object{Class: tokenClass, New: true, Args: pickle.Tuple{},
		State: pickle.Tuple{t.Typeid, t.Address, t.ID}}, nil
}

// UnmarshalPickle reads a pickled Token.
func (t *Token) UnmarshalPickle(v any) error {
	tok, err := tokenOf(v)
	if err != nil {
		return err
	}
	*t = tok
	return nil
}

func (t Token) String() string {
	return fmt.Sprintf("Token(typeid=%s, address=%s, id=%s)", strRepr(t.Typeid), repr(t.Address), strRepr(t.ID))
}

// tokenOf reads a Token from its decoded pickle.
func tokenOf(v any) (Token, error) {
	switch x := v.(type) {
	case Token:
		return x, nil
	case *Token:
		return *x, nil
	}
	o, ok := v.(*pickle.Object)
	if !ok || o.Class != tokenClass {
		return Token{}, fmt.Errorf("managers: %s is not a multiprocessing.managers.Token", repr(v))
	}
	state, ok := o.State.(pickle.Tuple)
	if !ok || len(state) != 3 {
		return Token{}, fmt.Errorf("managers: Token state %s is not (typeid, address, id)", repr(o.State))
	}
	typeid, ok1 := asText(state[0])
	id, ok2 := asText(state[2])
	if !ok1 || !ok2 {
		return Token{}, fmt.Errorf("managers: Token state %s: typeid and id must be str", repr(o.State))
	}
	return Token{Typeid: typeid, Address: state[1], ID: id}, nil
}

// PythonAddress returns the address a Python peer uses for a Go network
// address: (host, port) for TCP, the path for a unix socket, and
// '\x00name' for a Linux abstract socket written "@name" or "\x00name".
func PythonAddress(network, address string) (any, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("managers: port %q: %w", port, err)
		}
		return pickle.Tuple{host, p}, nil
	case "unix":
		if len(address) > 0 && address[0] == '@' {
			return "\x00" + address[1:], nil
		}
		return address, nil
	}
	return nil, fmt.Errorf("managers: network %q: want tcp or unix", network)
}

// goAddress is the inverse of PythonAddress.
func goAddress(addr any) (network, address string, err error) {
	switch x := addr.(type) {
	case pickle.Tuple:
		if len(x) == 2 {
			host, ok := asText(x[0])
			port, ok2 := asInt(x[1])
			if ok && ok2 {
				return "tcp", net.JoinHostPort(host, strconv.FormatInt(port, 10)), nil
			}
		}
	case string:
		return "unix", x, nil
	case []byte:
		return "unix", string(x), nil
	}
	return "", "", fmt.Errorf("managers: %s is not a manager address", repr(addr))
}

// sameAddress reports whether two Python addresses are equal as Python
// compares them.
func sameAddress(a, b any) bool { return pickle.Equal(a, b) }
