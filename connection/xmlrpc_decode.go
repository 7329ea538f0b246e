package connection

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mpconn/mpconn/pickle"
)

// xmlDecoder reads one XML-RPC message by recursive descent, one level of
// Go recursion per level of <array> or <struct>, which maxDepth bounds.
// encoding/xml expands no entity but XML's own five and character
// references, and everything it returns is a copy of bytes of the message,
// so memory follows the message size.
type xmlDecoder struct {
	d        *xml.Decoder
	maxDepth int
	depth    int
}

func decodeXMLRPC(msg []byte, maxDepth int) (any, error) {
	x := &xmlDecoder{d: xml.NewDecoder(bytes.NewReader(msg)), maxDepth: maxDepth}
	v, err := x.message()
	if err != nil {
		return nil, x.fail(err)
	}
	return v, nil
}

// fail puts the offset where decoding stopped into err.
func (x *xmlDecoder) fail(err error) error {
	if errors.Is(err, ErrXMLRPC) {
		return xmlErr("at byte %d: %s", x.d.InputOffset(), strings.TrimPrefix(err.Error(), "xmlrpc: "))
	}
	return xmlErr("at byte %d: %v", x.d.InputOffset(), err)
}

// message reads the document: <params>, or <methodResponse> or <methodCall>
// around it, as Python's loads accepts, holding exactly one value.
func (x *xmlDecoder) message() (any, error) {
	root, err := x.child("the message")
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, xmlErr("empty message")
	}
	var v any
	switch root.Name.Local {
	case "params":
		v, err = x.params()
	case "methodResponse":
		v, err = x.response()
	case "methodCall":
		v, err = x.call()
	default:
		return nil, xmlErr("a message is <params>, not <%s>", root.Name.Local)
	}
	if err != nil {
		return nil, err
	}
	if extra, err := x.child("the message"); err != nil || extra != nil {
		if err == nil {
			err = xmlErr("<%s> after the end of the message", extra.Name.Local)
		}
		return nil, err
	}
	return v, nil
}

// params reads <param><value>...</value></param> up to </params>: one, as
// XmlClient sends and recv() unpacks.
func (x *xmlDecoder) params() (any, error) {
	var v any
	n := 0
	err := x.each("params", "param", func() (err error) {
		v, err = x.wrappedValue("<param>")
		n++
		return err
	})
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, xmlErr("a message holds one <param>, not %d", n)
	}
	return v, nil
}

func (x *xmlDecoder) response() (any, error) {
	el, err := x.child("<methodResponse>")
	if err != nil || el == nil {
		return nil, orMissing(err, "<params> in <methodResponse>")
	}
	var v any
	switch el.Name.Local {
	case "params":
		v, err = x.params()
	case "fault":
		var f any
		if f, err = x.wrappedValue("<fault>"); err == nil {
			err = xmlErr("the message is a fault: %v", f)
		}
	default:
		err = xmlErr("<methodResponse> holds <params> or <fault>, not <%s>", el.Name.Local)
	}
	if err != nil {
		return nil, err
	}
	return v, x.end("<methodResponse>")
}

func (x *xmlDecoder) call() (any, error) {
	el, err := x.child("<methodCall>")
	if err != nil || el == nil || el.Name.Local != "methodName" {
		return nil, orMissing(err, "<methodName> in <methodCall>")
	}
	if _, err := x.text("<methodName>"); err != nil {
		return nil, err
	}
	if el, err = x.child("<methodCall>"); err != nil || el == nil || el.Name.Local != "params" {
		return nil, orMissing(err, "<params> in <methodCall>")
	}
	v, err := x.params()
	if err != nil {
		return nil, err
	}
	return v, x.end("<methodCall>")
}

func orMissing(err error, what string) error {
	if err != nil {
		return err
	}
	return xmlErr("missing %s", what)
}

// wrappedValue reads <value>...</value> and the end of the element in
// which it is the only child.
func (x *xmlDecoder) wrappedValue(in string) (any, error) {
	el, err := x.child(in)
	if err != nil || el == nil || el.Name.Local != "value" {
		return nil, orMissing(err, "<value> in "+in)
	}
	v, err := x.value()
	if err != nil {
		return nil, err
	}
	return v, x.end(in)
}

// value reads what follows <value>, up to and including </value>: a typed
// element, or text alone, which is a string.
func (x *xmlDecoder) value() (any, error) {
	var text []byte
	for {
		tok, err := x.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			return string(text), nil
		case xml.StartElement:
			if len(bytes.TrimSpace(text)) > 0 {
				return nil, xmlErr("text beside <%s> in <value>", t.Name.Local)
			}
			v, err := x.typed(t.Name.Local)
			if err != nil {
				return nil, err
			}
			return v, x.end("<value>")
		}
	}
}

// typed reads the element of a value whose start tag was just read.
func (x *xmlDecoder) typed(tag string) (any, error) {
	switch tag {
	case "array":
		return x.array()
	case "struct":
		return x.structure()
	}
	s, err := x.text("<" + tag + ">")
	if err != nil {
		return nil, err
	}
	switch tag {
	case "string":
		return s, nil
	case "nil":
		if strings.TrimSpace(s) != "" {
			return nil, xmlErr("text in <nil/>")
		}
		return nil, nil
	case "boolean":
		switch strings.TrimSpace(s) {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, xmlErr("bad boolean %q", s)
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, xmlErr("bad integer %q: %v", clip(s), errors.Unwrap(err))
		}
		return n, nil
	case "double", "float":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // Python reads 1e400 as inf
			return nil, xmlErr("bad double %q", clip(s))
		}
		return f, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, s))
		if err != nil {
			return nil, xmlErr("bad base64: %v", err)
		}
		return b, nil
	case "dateTime.iso8601":
		t, err := time.ParseInLocation("20060102T15:04:05", strings.TrimSpace(s), time.Local)
		if err != nil {
			return nil, xmlErr("bad dateTime.iso8601 %q (want YYYYMMDDTHH:MM:SS)", clip(s))
		}
		return t, nil
	}
	return nil, xmlErr("unknown type <%s> in <value>", tag)
}

// array reads <data><value>...</value>...</data></array>.
func (x *xmlDecoder) array() (any, error) {
	if err := x.nest(); err != nil {
		return nil, err
	}
	el, err := x.child("<array>")
	if err != nil || el == nil || el.Name.Local != "data" {
		return nil, orMissing(err, "<data> in <array>")
	}
	items := []any{}
	err = x.each("data", "value", func() error {
		v, err := x.value()
		if err != nil {
			return atPath(err, "["+strconv.Itoa(len(items))+"]")
		}
		items = append(items, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	x.depth--
	return items, x.end("<array>")
}

// structure reads <member><name>...</name><value>...</value></member>...
// up to </struct>. A name given twice keeps its first place and its last
// value, as a Python dict does.
func (x *xmlDecoder) structure() (any, error) {
	if err := x.nest(); err != nil {
		return nil, err
	}
	d := pickle.NewDict(0)
	err := x.each("struct", "member", func() error {
		el, err := x.child("<member>")
		if err != nil || el == nil || el.Name.Local != "name" {
			return orMissing(err, "<name> first in <member>")
		}
		name, err := x.text("<name>")
		if err != nil {
			return err
		}
		v, err := x.wrappedValue("<member>")
		if err != nil {
			return atPath(err, "["+strconv.Quote(name)+"]")
		}
		return d.Set(name, v)
	})
	if err != nil {
		return nil, err
	}
	x.depth--
	return d, nil
}

// each calls read for every child element of <in>, up to its end tag;
// every child must be a <want>, whose start tag has been read.
func (x *xmlDecoder) each(in, want string, read func() error) error {
	for {
		el, err := x.child("<" + in + ">")
		if err != nil || el == nil {
			return err
		}
		if el.Name.Local != want {
			return xmlErr("<%s> holds <%s>, not <%s>", in, want, el.Name.Local)
		}
		if err := read(); err != nil {
			return err
		}
	}
}

func (x *xmlDecoder) nest() error {
	x.depth++
	if x.depth > x.maxDepth {
		return xmlErr("nesting deeper than %d levels (XMLRPC.MaxDepth)", x.maxDepth)
	}
	return nil
}

// token returns the next token that matters: comments and processing
// instructions (the <?xml ...?> declaration) are skipped; a DTD is refused.
func (x *xmlDecoder) token() (xml.Token, error) {
	for {
		tok, err := x.d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, xmlErr("the message ends inside an element")
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.Directive:
			return nil, xmlErr("<!%s> in a message: no DTD is accepted", clip(string(t)))
		}
		return tok, nil
	}
}

// child returns the next child element of the element being read, or nil
// at its end tag (or, at the top, at the end of the message). Text between
// elements must be white space.
func (x *xmlDecoder) child(in string) (*xml.StartElement, error) {
	for {
		tok, err := x.d.Token()
		if err == io.EOF {
			if in == "the message" {
				return nil, nil
			}
			return nil, xmlErr("the message ends inside %s", in)
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, nil
		case xml.EndElement:
			return nil, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, xmlErr("text %q in %s", clip(string(t)), in)
			}
		case xml.Directive:
			return nil, xmlErr("<!%s> in a message: no DTD is accepted", clip(string(t)))
		}
	}
}

// end reads up to the end tag of the element being read, allowing only
// white space before it.
func (x *xmlDecoder) end(in string) error {
	el, err := x.child(in)
	if err == nil && el != nil {
		err = xmlErr("unexpected <%s> in %s", el.Name.Local, in)
	}
	return err
}

// text reads the text of a leaf element, up to its end tag.
func (x *xmlDecoder) text(in string) (string, error) {
	var b []byte
	for {
		tok, err := x.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.EndElement:
			return string(b), nil
		case xml.StartElement:
			return "", xmlErr("<%s> inside %s", t.Name.Local, in)
		}
	}
}

func dropSpace(r rune) rune {
	if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
		return -1
	}
	return r
}

// clip shortens text quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
