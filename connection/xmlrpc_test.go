package connection

import (
	"bytes"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
)

// xmlParams wraps one value as xmlrpc.client.dumps((v,), allow_none=True)
// does.
func xmlParams(value string) string { return "<params>\n<param>\n" + value + "</param>\n</params>\n" }

// What CPython 3.13 writes for each value (xmlrpc.client.dumps((v,), None,
// None, None, 1)); interop_test compares with every CPython directly.
func TestXMLRPCMarshalAsCPython(t *testing.T) {
	t.Parallel()
	d := pickle.NewDict(0)
	require.NoError(t, d.Set("k", []any{int64(1)}))
	require.NoError(t, d.Set("a<b", nil))
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "<value><nil/></value>"},
		{true, "<value><boolean>1</boolean></value>\n"},
		{false, "<value><boolean>0</boolean></value>\n"},
		{1, "<value><int>1</int></value>\n"},
		{int64(math.MaxInt32), "<value><int>2147483647</int></value>\n"},
		{int64(math.MinInt32), "<value><int>-2147483648</int></value>\n"},
		{uint8(7), "<value><int>7</int></value>\n"},
		{1.5, "<value><double>1.5</double></value>\n"},
		{100.0, "<value><double>100.0</double></value>\n"},
		{1e16, "<value><double>1e+16</double></value>\n"},
		{1e-5, "<value><double>1e-05</double></value>\n"},
		{0.0001, "<value><double>0.0001</double></value>\n"},
		{123456789012345.6, "<value><double>123456789012345.6</double></value>\n"},
		{math.Inf(-1), "<value><double>-inf</double></value>\n"},
		{math.NaN(), "<value><double>nan</double></value>\n"},
		{float32(0.5), "<value><double>0.5</double></value>\n"},
		{"", "<value><string></string></value>\n"},
		{"a<b&c>€ \"'\t\n", "<value><string>a&lt;b&amp;c&gt;€ \"'\t\n</string></value>\n"},
		{[]byte{}, "<value><base64>\n</base64></value>\n"},
		{[]byte{0, 1}, "<value><base64>\nAAE=\n</base64></value>\n"},
		{pickle.ByteArray("abc"), "<value><base64>\nYWJj\n</base64></value>\n"},
		{bytes.Repeat([]byte{0xff}, 58), "<value><base64>\n" + strings.Repeat("/", 76) + "\n/w==\n</base64></value>\n"},
		{time.Date(2024, 1, 2, 3, 4, 5, 999, time.UTC), "<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), "<value><dateTime.iso8601>00010101T00:00:00</dateTime.iso8601></value>\n"},
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.Local), "<value><dateTime.iso8601>00000101T00:00:00</dateTime.iso8601></value>\n"},
		{[]any{}, "<value><array><data>\n</data></array></value>\n"},
		{[]any{1, pickle.Tuple{"x"}}, "<value><array><data>\n<value><int>1</int></value>\n<value><array><data>\n<value><string>x</string></value>\n</data></array></value>\n</data></array></value>\n"},
		{[]int{1, 2}, "<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value>\n"},
		{d, "<value><struct>\n<member>\n<name>k</name>\n<value><array><data>\n<value><int>1</int></value>\n</data></array></value>\n</member>\n<member>\n<name>a&lt;b</name>\n<value><nil/></value></member>\n</struct></value>\n"},
		{map[string]int{"z": 1, "a": 2}, "<value><struct>\n<member>\n<name>a</name>\n<value><int>2</int></value>\n</member>\n<member>\n<name>z</name>\n<value><int>1</int></value>\n</member>\n</struct></value>\n"},
		{struct {
			ID   int    `pickle:"id"`
			Name string `pickle:"name"`
		}{7, "x"}, "<value><struct>\n<member>\n<name>id</name>\n<value><int>7</int></value>\n</member>\n<member>\n<name>name</name>\n<value><string>x</string></value>\n</member>\n</struct></value>\n"},
	} {
		got, err := XMLRPC{}.Marshal(tc.v)
		require.NoError(t, err, "%#v", tc.v)
		assert.Equal(t, xmlParams(tc.want), string(got), "%#v", tc.v)
	}
}

// Beyond CPython's own writer: wide integers as <i8>, which every CPython
// reads, and a carriage return that survives.
func TestXMLRPCMarshalBeyondCPython(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    any
		want string
	}{
		{int64(math.MaxInt32) + 1, "<value><i8>2147483648</i8></value>\n"},
		{int64(math.MinInt64), "<value><i8>-9223372036854775808</i8></value>\n"},
		{uint64(math.MaxInt64), "<value><i8>9223372036854775807</i8></value>\n"},
		{big.NewInt(-5), "<value><int>-5</int></value>\n"},
		{"a\rb\r\n", "<value><string>a&#13;b&#13;\n</string></value>\n"},
	} {
		got, err := XMLRPC{}.Marshal(tc.v)
		require.NoError(t, err, "%#v", tc.v)
		assert.Equal(t, xmlParams(tc.want), string(got))
		var back any
		require.NoError(t, XMLRPC{}.Unmarshal(got, &back))
		assert.True(t, pickle.Equal(tc.v, back) || tc.v == back, "%#v came back as %#v", tc.v, back)
	}
}

func TestXMLRPCCannotCarry(t *testing.T) {
	t.Parallel()
	set, err := pickle.NewSet(1)
	require.NoError(t, err)
	loop := []any{nil}
	loop[0] = loop
	selfMap := map[string]any{}
	selfMap["me"] = selfMap
	deep := any("bottom")
	for range 5 {
		deep = []any{deep}
	}
	for _, tc := range []struct {
		v     any
		codec XMLRPC
		want  string
	}{
		{set, XMLRPC{}, "cannot carry a set"},
		{complex(1, 2), XMLRPC{}, "cannot carry a complex number"},
		{pickle.Global{Module: "builtins", Name: "int"}, XMLRPC{}, "the class or function builtins.int"},
		{&pickle.Exception{Class: pickle.Global{Module: "builtins", Name: "KeyError"}}, XMLRPC{}, "an exception (builtins.KeyError)"},
		{pickle.Date{Year: 2024, Month: 1, Day: 2}, XMLRPC{}, "a datetime.date"},
		{time.Second, XMLRPC{}, "a datetime.timedelta"},
		{map[int]string{1: "x"}, XMLRPC{}, "a dict key that is an int: struct member names are str"},
		{new(big.Int).Lsh(big.NewInt(1), 64), XMLRPC{}, "XML-RPC integers end at 64 bits"},
		{uint64(math.MaxUint64), XMLRPC{}, "XML-RPC integers end at 64 bits"},
		{"nul\x00", XMLRPC{}, "U+0000"},
		{"bell\a", XMLRPC{}, "U+0007"},
		{"\xff", XMLRPC{}, "not valid UTF-8"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), XMLRPC{}, "the year 10000"},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), XMLRPC{}, "the year -1"},
		{loop, XMLRPC{}, "recursive value"},
		{selfMap, XMLRPC{}, "recursive value"},
		{[]any{"ok", map[string]any{"k": set}}, XMLRPC{}, `cannot carry a set (at value[1]["k"])`},
		{make(chan int), XMLRPC{}, "chan"},
		{deep, XMLRPC{MaxDepth: 3}, "nesting deeper than 3 levels"},
	} {
		_, err := tc.codec.Marshal(tc.v)
		require.ErrorIs(t, err, ErrXMLRPC, "%#v", tc.v)
		assert.ErrorContains(t, err, tc.want)
	}
}

// What Recv gives for each kind of XML-RPC value, including the forms
// CPython's loads reads but does not write.
func TestXMLRPCUnmarshal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  any
	}{
		{"<value><nil/></value>", nil},
		{"<value><boolean>0</boolean></value>", false},
		{"<value><int> 42 </int></value>", int64(42)},
		{"<value><i4>-7</i4></value>", int64(-7)},
		{"<value><i8>9223372036854775807</i8></value>", int64(math.MaxInt64)},
		{"<value><double>-1.5e3</double></value>", -1500.0},
		{"<value><double>1e400</double></value>", math.Inf(1)},
		{"<value><string>a&lt;b&#13;&#x41;<![CDATA[<c>]]></string></value>", "a<b\rA<c>"},
		{"<value>  untyped is a string </value>", "  untyped is a string "},
		{"<value></value>", ""},
		{"<value>\n<int>5</int>\n</value>", int64(5)},
		{"<value><base64>\nAA\nE=\n</base64></value>", []byte{0, 1}},
		{"<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>", time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)},
		{"<value><array><data></data></array></value>", []any{}},
		{"<value><array><data><value>x</value><value><int>1</int></value></data></array></value>", []any{"x", int64(1)}},
	} {
		var got any
		require.NoError(t, XMLRPC{}.Unmarshal([]byte(xmlParams(tc.value)), &got), tc.value)
		assert.True(t, pickle.Equal(tc.want, got), "%s gave %#v", tc.value, got)
	}

	// A struct keeps its order; a repeated name keeps its first place
	// and its last value, as a Python dict does.
	var got any
	msg := xmlParams("<value><struct><member><name>b</name><value>1</value></member>" +
		"<member><name>a</name><value>2</value></member><member><name>b</name><value>3</value></member></struct></value>")
	require.NoError(t, XMLRPC{}.Unmarshal([]byte(msg), &got))
	d, ok := got.(*pickle.Dict)
	require.True(t, ok, "%T", got)
	assert.Equal(t, []any{"b", "a"}, d.Keys())
	v, _ := d.Get("b")
	assert.Equal(t, "3", v)

	// The wrappers Python's loads accepts around <params>, a declaration,
	// comments.
	for _, doc := range []string{
		"<?xml version='1.0'?>\n<methodResponse>\n<params><param><value><int>1</int></value></param></params>\n</methodResponse>\n",
		"<methodCall><methodName>f</methodName><params><param><value><int>1</int></value></param></params></methodCall>",
		"<!-- hi --><params><param><value><int>1</int></value></param></params><!-- bye -->",
	} {
		var got any
		require.NoError(t, XMLRPC{}.Unmarshal([]byte(doc), &got), doc)
		assert.Equal(t, int64(1), got)
	}
}

// Typed targets follow pickle.Unmarshal's rules.
func TestXMLRPCUnmarshalTyped(t *testing.T) {
	t.Parallel()
	type job struct {
		ID   int       `pickle:"id"`
		Args []float64 `pickle:"args"`
		When time.Time `pickle:"when"`
		Data []byte    `pickle:"data"`
	}
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.Local)
	msg, err := XMLRPC{}.Marshal(map[string]any{"id": 3, "args": []any{0.5, 2}, "when": when, "data": []byte("x")})
	require.NoError(t, err)
	var j job
	require.NoError(t, XMLRPC{}.Unmarshal(msg, &j))
	assert.Equal(t, job{ID: 3, Args: []float64{0.5, 2}, When: when, Data: []byte("x")}, j)

	var n int8
	msg, err = XMLRPC{}.Marshal(300)
	require.NoError(t, err)
	err = XMLRPC{}.Unmarshal(msg, &n)
	require.ErrorIs(t, err, ErrXMLRPC)
	assert.ErrorContains(t, err, "int8")
}

// Messages that are not what XmlClient writes, hostile ones included: each
// a clear error, never a panic.
func TestXMLRPCUnmarshalErrors(t *testing.T) {
	t.Parallel()
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
		xmlParams("<value><string>&lol2;</string></value>")
	deep := xmlParams(strings.Repeat("<value><array><data>", 20) + "<value>x</value>" + strings.Repeat("</data></array></value>", 20))
	for _, tc := range []struct {
		msg   string
		codec XMLRPC
		want  string
	}{
		{"", XMLRPC{}, "empty message"},
		{"   ", XMLRPC{}, "empty message"},
		{"\x80\x04N.", XMLRPC{}, "invalid UTF-8"},
		{"<params>", XMLRPC{}, "unexpected EOF"},
		{"<params></params>", XMLRPC{}, "one <param>, not 0"},
		{xmlParams("<value>1</value>") + "<params/>", XMLRPC{}, "after the end of the message"},
		{"<params><param><value>1</value></param><param><value>2</value></param></params>", XMLRPC{}, "one <param>, not 2"},
		{"<fault/>", XMLRPC{}, "not <fault>"},
		{"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>", XMLRPC{}, "the message is a fault"},
		{xmlParams("<value><foo>1</foo></value>"), XMLRPC{}, "unknown type <foo>"},
		{xmlParams("<value>x<int>1</int></value>"), XMLRPC{}, "text beside <int>"},
		{xmlParams("<value><int>1</int><int>2</int></value>"), XMLRPC{}, "unexpected <int>"},
		{xmlParams("<value><int>1<b/></int></value>"), XMLRPC{}, "<b> inside <int>"},
		{xmlParams("<value><int>x</int></value>"), XMLRPC{}, `bad integer "x"`},
		{xmlParams("<value><int>9223372036854775808</int></value>"), XMLRPC{}, "value out of range"},
		{xmlParams("<value><boolean>2</boolean></value>"), XMLRPC{}, "bad boolean"},
		{xmlParams("<value><double>one</double></value>"), XMLRPC{}, "bad double"},
		{xmlParams("<value><bigdecimal>1.2</bigdecimal></value>"), XMLRPC{}, "unknown type <bigdecimal>"},
		{xmlParams("<value><base64>!!</base64></value>"), XMLRPC{}, "bad base64"},
		{xmlParams("<value><dateTime.iso8601>2024-01-02T03:04:05</dateTime.iso8601></value>"), XMLRPC{}, "bad dateTime.iso8601"},
		{xmlParams("<value><nil>x</nil></value>"), XMLRPC{}, "text in <nil/>"},
		{xmlParams("<value><array><value>1</value></array></value>"), XMLRPC{}, "missing <data> in <array>"},
		{xmlParams("<value><array><data><int>1</int></data></array></value>"), XMLRPC{}, "<data> holds <value>, not <int>"},
		{xmlParams("<value><struct><member><value>1</value></member></struct></value>"), XMLRPC{}, "missing <name> first in <member>"},
		{xmlParams("<value><array><data><value><foo/></value></data></array></value>"), XMLRPC{}, "unknown type <foo> in <value> (at value[0])"},
		{xmlParams("<value><string>&lol;</string></value>"), XMLRPC{}, "invalid character entity &lol;"},
		{laughs, XMLRPC{}, "no DTD is accepted"},
		{"<?xml version='1.0' encoding='latin-1'?>" + xmlParams("<value>x</value>"), XMLRPC{}, "CharsetReader"},
		{deep, XMLRPC{MaxDepth: 10}, "nesting deeper than 10 levels"},
	} {
		var got any
		err := tc.codec.Unmarshal([]byte(tc.msg), &got)
		require.ErrorIs(t, err, ErrXMLRPC, "%q", tc.msg)
		assert.ErrorContains(t, err, tc.want, "%q", tc.msg)
		assert.ErrorContains(t, err, "at byte ", "%q: the error says where", tc.msg)
	}
}

// Send and Recv with the codec over a real Conn, and what the Conn does
// around the codec: a value it cannot carry sends nothing, a message it
// cannot read is a *DecodeError that keeps the bytes, and the next message
// is read normally.
func TestXMLRPCOverAConn(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t, WithCodec(XMLRPC{}))
	require.NoError(t, a.Send([]any{"job", 1, 2.5, nil}))
	raw, err := b.RecvBytes()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(raw), "<params>\n"), "%q", raw)

	require.ErrorIs(t, a.Send(complex(1, 1)), ErrXMLRPC)
	require.NoError(t, a.SendBytes([]byte("<params>")))
	require.NoError(t, a.Send(map[string]any{"ok": true}))
	_, err = b.Recv()
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, []byte("<params>"), de.Message)
	require.ErrorIs(t, err, ErrDecode)
	require.ErrorIs(t, err, ErrXMLRPC)
	got, err := RecvAs[map[string]bool](b)
	require.NoError(t, err, "the connection stays usable")
	assert.Equal(t, map[string]bool{"ok": true}, got)
}

func TestXMLRPCErrorPath(t *testing.T) {
	t.Parallel()
	nested := func(depth int, leaf string) string {
		return xmlParams(strings.Repeat("<value><array><data>", depth) + leaf + strings.Repeat("</data></array></value>", depth))
	}
	var v any
	err := XMLRPC{}.Unmarshal([]byte(nested(3, "<value><foo/></value>")), &v)
	assert.ErrorContains(t, err, "(at value[0][0][0])")
	err = XMLRPC{}.Unmarshal([]byte(nested(100, "<value><foo/></value>")), &v)
	assert.ErrorContains(t, err, "(at value[0][0][0][0][0][0][0][0]...(84 levels)...[0][0][0][0][0][0][0][0])")
}
