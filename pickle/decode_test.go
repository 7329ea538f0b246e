package pickle

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

func decodeAny(t testing.TB, data []byte, opts ...Option) any {
	t.Helper()
	var v any
	require.NoError(t, Unmarshal(data, &v, opts...))
	return v
}

func TestGoldenSpec(t *testing.T) {
	big2_31 := int64(1 << 31)
	neg2_64, _ := new(big.Int).SetString("-18446744073709551616", 10)
	set12, _ := NewSet(int64(1), int64(2))
	fs12, _ := NewFrozenSet(int64(1), int64(2))
	x := []any{int64(1)}
	tests := []struct {
		name string
		hex  string
		want any
	}{
		{"1.8 send list p4", "80049516000000000000005d94284b018c0374776f9443057468726565944e652e", []any{int64(1), "two", []byte("three"), nil}},
		{"1.8 send list p3", "80035d7100284b01580300000074776f71014305746872656571024e652e", []any{int64(1), "two", []byte("three"), nil}},
		{"1.8 send list p5", "80059516000000000000005d94284b018c0374776f9443057468726565944e652e", []any{int64(1), "two", []byte("three"), nil}},
		{"1.8 send list 2.7", "80025d7101284b01580300000074776f71025505746872656571034e652e", []any{int64(1), "two", "three", nil}},
		{"1.8 None p4", "80044e2e", nil},
		{"None 2.7", "80024e2e", nil},
		{"256", "80049504000000000000004d00012e", int64(256)},
		{"-1", "80049506000000000000004affffffff2e", int64(-1)},
		{"2**31", "80049508000000000000008a0500000080002e", big2_31},
		{"-2**64", "8004950c000000000000008a090000000000000000ff2e", neg2_64},
		{"1.5", "8004950a00000000000000473ff80000000000002e", 1.5},
		{"abc", "80049507000000000000008c03616263942e", "abc"},
		{"abc p3", "8003580300000061626371002e", "abc"},
		{"b'abc'", "80049507000000000000004303616263942e", []byte("abc")},
		{"b'abc' p3", "8003430361626371002e", []byte("abc")},
		{"bytearray p5", "8005950e00000000000000960300000000000000616263942e", ByteArray("abc")},
		{"{1,2}", "80049509000000000000008f94284b014b02902e", set12},
		{"frozenset{1,2}", "8004950800000000000000284b014b0291942e", fs12},
		{"[x,x]", "8004950c000000000000005d94285d944b01616801652e", []any{x, x}},
		{"int", "80049514000000000000008c086275696c74696e73948c03696e749493942e", Global{"builtins", "int"}},
		{"int p3", "8003636275696c74696e730a696e740a71002e", Global{"builtins", "int"}},
		{"int 2.7", "8002635f5f6275696c74696e5f5f0a696e740a71012e", Global{"builtins", "int"}},
		{"date", "80049520000000000000008c086461746574696d65948c0464617465949394430407e8010294859452942e", Date{2024, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAny(t, unhex(t, tt.hex))
			assert.True(t, Equal(tt.want, got), "want %#v, got %#v", tt.want, got)
			assert.IsType(t, tt.want, got)
		})
	}
}

func TestOpcodes(t *testing.T) {
	tests := []struct {
		name string
		in   string // raw pickle bytes (Go string escapes)
		want any
	}{
		{"INT", "I42\n.", int64(42)},
		{"INT neg", "I-7\n.", int64(-7)},
		{"INT true", "I01\n.", true},
		{"INT false", "I00\n.", false},
		{"INT big", "I123456789012345678901234567890\n.", mustBig("123456789012345678901234567890")},
		{"LONG L", "L12L\n.", int64(12)},
		{"LONG big", "L-99999999999999999999L\n.", mustBig("-99999999999999999999")},
		{"FLOAT", "F1.25\n.", 1.25},
		{"FLOAT inf", "Finf\n.", math.Inf(1)},
		{"STRING", "S'abc'\n.", "abc"},
		{"STRING dq", "S\"it's\"\n.", "it's"},
		{"STRING escapes", `S'a\n\t\\\'\x41\101\q'` + "\n.", "a\n\t\\'AA\\q"},
		{"STRING high", `S'\xff\x00'` + "\n.", "\xff\x00"},
		{"UNICODE", "Vh\xe9\\u20ac\\U0001f600\n.", "hé€😀"},
		{"UNICODE backslashes", "V\\\\u0041\n.", "\\\\u0041"},
		{"UNICODE surrogates", "V\\ud83d\\ude00\n.", "😀"},
		{"BINSTRING", "T\x03\x00\x00\x00abc.", "abc"},
		{"SHORT_BINSTRING", "U\x02hi.", "hi"},
		{"BINUNICODE8", "\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi.", "hi"},
		{"BINBYTES", "B\x02\x00\x00\x00hi.", []byte("hi")},
		{"BINBYTES8", "\x8e\x01\x00\x00\x00\x00\x00\x00\x00x.", []byte("x")},
		{"BININT1", "K\xff.", int64(255)},
		{"BININT2", "M\xff\xff.", int64(65535)},
		{"BININT", "J\x00\x00\x00\x80.", int64(math.MinInt32)},
		{"LONG1 empty", "\x8a\x00.", int64(0)},
		{"LONG1 -1", "\x8a\x01\xff.", int64(-1)},
		{"LONG1 2^63", "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00.", mustBig("9223372036854775808")},
		{"LONG1 -2^63", "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.", int64(math.MinInt64)},
		{"LONG4", "\x8b\x02\x00\x00\x00\x00\x01.", int64(256)},
		{"LIST", "(K\x01K\x02l.", []any{int64(1), int64(2)}},
		{"TUPLE", "(K\x01t.", Tuple{int64(1)}},
		{"TUPLE2", "K\x01K\x02\x86.", Tuple{int64(1), int64(2)}},
		{"DICT", "(K\x01K\x02d.", mustDict(t, int64(1), int64(2))},
		{"SETITEM", "}K\x01K\x02s.", mustDict(t, int64(1), int64(2))},
		{"APPEND", "]K\x01a.", []any{int64(1)}},
		{"POP", "K\x01K\x020.", int64(1)},
		{"DUP", "]2\x86.", nil},
		{"POP_MARK", "K\x01(K\x02K\x031.", int64(1)},
		{"PUT GET", "K\x07p5\n0g5\n.", int64(7)},
		{"LONG_BINPUT max", "K\x07r\xff\xff\xff\xff0j\xff\xff\xff\xff.", int64(7)},
		{"MEMOIZE", "K\x07\x94\x94h\x01.", int64(7)},
		{"FRAME mid", "\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00K\x01\x95\x01\x00\x00\x00\x00\x00\x00\x00.", int64(1)},
		{"INST", "(K\x01imod\nCls\n.", &Object{Class: Global{"mod", "Cls"}, Args: Tuple{int64(1)}}},
		{"OBJ", "(cmod\nCls\nK\x01o.", &Object{Class: Global{"mod", "Cls"}, Args: Tuple{int64(1)}}},
		{"NEWOBJ_EX", "cmod\nCls\n)}U\x01kK\x01s\x92.", &Object{Class: Global{"mod", "Cls"}, New: true, Args: Tuple{}, Kwargs: mustDict(t, "k", int64(1))}},
		{"BUILD", "cmod\nCls\n)\x81}U\x01aK\x01sb.", &Object{Class: Global{"mod", "Cls"}, New: true, Args: Tuple{}, State: mustDict(t, "a", int64(1))}},
		{"list subclass", "cmod\nL\n)\x81K\x01a.", &Object{Class: Global{"mod", "L"}, New: true, Args: Tuple{}, ListItems: []any{int64(1)}}},
		{"reconstructor", "ccopy_reg\n_reconstructor\n(cmod\nC\nc__builtin__\nobject\nNtR.", &Object{Class: Global{"mod", "C"}, New: true, Args: Tuple{}}},
		{"complex", "cbuiltins\ncomplex\nG?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00\x86R.", complex(1, 2)},
		{"bytes via codecs", "c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xbfX\x06\x00\x00\x00latin1\x86R.", []byte{0xff}},
		{"empty bytes p2", "c__builtin__\nbytes\n)R.", []byte{}},
		{"bytearray p2", "c__builtin__\nbytearray\nX\x01\x00\x00\x00aX\x06\x00\x00\x00latin1\x86R.", ByteArray("a")},
		{"exception", "cexceptions\nKeyError\nX\x01\x00\x00\x00k\x85R.", &Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"k"}}},
		{"RemoteError", "cmultiprocessing.managers\nRemoteError\nX\x01\x00\x00\x00k\x85R.", &Exception{Class: Global{"multiprocessing.managers", "RemoteError"}, Args: Tuple{"k"}}},
		{"OrderedDict 2.7", "ccollections\nOrderedDict\n]](U\x01aK\x01ea\x85R.", mustDict(t, "a", int64(1))},
		{"timedelta", "cdatetime\ntimedelta\nK\x01K\x02K\x03\x87R.", 24*time.Hour + 2*time.Second + 3*time.Microsecond},
		{"Decimal", "cdecimal\nDecimal\nX\x04\x00\x00\x001.10\x85R.", Decimal("1.10")},
		{"PERSID fails later", "K\x01.", int64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAny(t, []byte(tt.in))
			if tt.name == "DUP" {
				tu := got.(Tuple)
				require.Len(t, tu, 2)
				return
			}
			assert.True(t, Equal(tt.want, got), "want %#v, got %#v", tt.want, got)
		})
	}
}

func mustBig(s string) *big.Int {
	b, _ := new(big.Int).SetString(s, 10)
	return b
}

func TestSharedAndCycles(t *testing.T) {
	// l = [l]
	v := decodeAny(t, []byte("]q\x00h\x00a."))
	l := v.([]any)
	require.Len(t, l, 1)
	assert.Equal(t, &l[0], &l[0].([]any)[0])
	// recursive tuple via POP_MARK + GET: t = ([t],)
	v = decodeAny(t, []byte("(]q\x00(h\x00h\x00\x85q\x011h\x01a\x85q\x02."))
	_ = v
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		is   error
		msg  string
	}{
		{"empty", "", io.ErrUnexpectedEOF, "truncated"},
		{"bad opcode", "\xff", nil, "invalid load key"},
		{"huge declared string", "\x8d\x00\x00\x00\x00\x00\x01\x00\x00", io.ErrUnexpectedEOF, "truncated"},
		{"huge declared bytearray", "\x96\xff\xff\xff\xff\xff\xff\xff\xff", io.ErrUnexpectedEOF, "truncated"},
		{"missing memo", "h\x05.", nil, "memo key 5 not found"},
		{"odd SETITEMS", "}(K\x01u.", nil, "odd number"},
		{"underflow", "a.", nil, "underflow"},
		{"no mark", "t.", nil, "MARK"},
		{"stop empty", ".", nil, "underflow"},
		{"protocol 6", "\x80\x06N.", nil, "unsupported pickle protocol"},
		{"EXT1", "\x82\x05.", nil, "extension code 5"},
		{"EXT2", "\x83\x01\x02.", nil, "extension code 513"},
		{"NEXT_BUFFER", "\x97.", nil, "out-of-band"},
		{"READONLY_BUFFER", "N\x98.", nil, "out-of-band"},
		{"PERSID", "Pabc\n.", nil, "WithPersistentLoad"},
		{"BINPERSID", "K\x01Q.", nil, "WithPersistentLoad"},
		{"STRING unquoted", "Sabc\n.", nil, "quoted"},
		{"STRING bad \\x", "S'\\x4'\n.", nil, "\\x"},
		{"STRING trailing backslash", "S'a\\'\n.", nil, "Trailing"},
		{"UNICODE truncated escape", "V\\u12\n.", nil, "truncated"},
		{"int digits", "I" + strings.Repeat("9", 5000) + "\n.", ErrLimit, "int digits"},
		{"bad int", "Iabc\n.", nil, "invalid literal"},
		{"set of list", "\x8f(]\x90.", ErrUnhashable, "unhashable"},
		{"dict list key", "}]K\x01s.", ErrUnhashable, "unhashable"},
		{"frozenset of bytes ok, of dict not", "(}\x91.", ErrUnhashable, "unhashable"},
		{"REDUCE non-tuple", "cmod\nf\nK\x01R.", nil, "tuple"},
		{"STACK_GLOBAL ints", "K\x01K\x02\x93.", nil, "str"},
		{"LONG4 negative", "\x8b\xff\xff\xff\xff.", nil, "negative"},
		{"APPEND to dict", "}K\x01a.", nil, "non-list"},
		// CPython: "pickle data was truncated" (found by the hostile-peer suite).
		{"FRAME longer than the pickle", "\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x40N.", io.ErrUnexpectedEOF, "truncated"},
		{"FRAME one byte too long", "\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00N.", io.ErrUnexpectedEOF, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			err := Unmarshal([]byte(tt.in), &v)
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	var v any
	err := Unmarshal([]byte("\x80\x04K\x01h\x09."), &v)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, int64(4), se.Offset)
}

func TestLimits(t *testing.T) {
	var v any
	deep := strings.Repeat("]", 200) + strings.Repeat("a", 199) + "."
	err := Unmarshal([]byte(deep), &v, WithMaxDepth(50))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, LimitDepth, le.Limit)
	require.NoError(t, Unmarshal([]byte(deep), &v))

	memo := &bytes.Buffer{}
	for i := 0; i < 20; i++ {
		memo.WriteString("Nr")
		memo.Write([]byte{byte(i), 0, 0, 1})
	}
	memo.WriteString(".")
	err = Unmarshal(memo.Bytes(), &v, WithMaxMemo(10))
	require.ErrorAs(t, err, &le)
	assert.Equal(t, LimitMemo, le.Limit)

	err = Unmarshal([]byte("N."), &v, WithMaxSize(1))
	require.ErrorAs(t, err, &le)
	assert.Equal(t, LimitSize, le.Limit)
	err = NewDecoder(bytes.NewReader([]byte("B\x00\x00\x10\x00"+strings.Repeat("x", 100))), WithMaxSize(1000)).Decode(&v)
	require.ErrorIs(t, err, ErrLimit)
}

// A list referencing the same 1000-element list 1000 times: the value model
// shares it; typed decoding must not expand it without bound.
func TestSharedBlowup(t *testing.T) {
	// outer = [inner]*1000
	var p bytes.Buffer
	p.WriteString("\x80\x02(")
	for i := 0; i < 1000; i++ {
		p.WriteString("K\x01")
	}
	p.WriteString("lq\x00(")
	for i := 0; i < 999; i++ {
		p.WriteString("h\x00")
	}
	p.WriteString("l.")
	var anyv any
	require.NoError(t, Unmarshal(p.Bytes(), &anyv))
	var typed [][]int
	err := Unmarshal(p.Bytes(), &typed) // ~10^6 elements from ~4 KB: over the budget
	require.ErrorIs(t, err, ErrLimit)
	assert.Contains(t, err.Error(), "WithMaxExpansion")
	require.NoError(t, Unmarshal(p.Bytes(), &typed, WithMaxExpansion(1000)), "the limit is the option's")
	assert.Equal(t, 999, len(typed), "the outer list holds 999 references")

	var q bytes.Buffer
	q.WriteString("\x80\x02(")
	for i := 0; i < 1000; i++ {
		q.WriteString("K\x01")
	}
	q.WriteString("lq\x00(")
	for i := 0; i < 1000; i++ {
		q.WriteString("h\x00")
	}
	q.WriteString("lq\x01(")
	for i := 0; i < 1000; i++ {
		q.WriteString("h\x01")
	}
	q.WriteString("l.")
	var typed3 [][][]int
	err = Unmarshal(q.Bytes(), &typed3)
	require.ErrorIs(t, err, ErrLimit)
	require.NoError(t, Unmarshal(q.Bytes(), &anyv))
	outer := anyv.([]any)
	assert.Len(t, outer, 1000)
}

// Tuple keys built from shared sub-tuples grow exponentially when hashed.
func TestTupleKeyBlowup(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("}N")
	for i := 0; i < 60; i++ {
		b.WriteString("2\x86") // t = (t, t)
	}
	b.WriteString("K\x01s.")
	var v any
	err := Unmarshal(b.Bytes(), &v)
	require.ErrorIs(t, err, ErrLimit)
}

func TestTruncationEverywhere(t *testing.T) {
	var samples [][]byte
	for _, f := range snapshotFiles(t) {
		cf := loadCorpusFile(t, f)
		for _, e := range cf.Entries {
			for _, h := range e.Pickles {
				if h != "" && len(h) < 3000 {
					samples = append(samples, unhex(t, h))
				}
			}
		}
		if len(samples) > 150 {
			break
		}
	}
	for _, data := range samples {
		for i := 0; i < len(data); i++ {
			var v any
			err := Unmarshal(data[:i], &v)
			require.Error(t, err, "%x truncated at %d", data, i)
			var st struct{ A int }
			_ = Unmarshal(data[:i], &st)
			err = NewDecoder(bytes.NewReader(data[:i])).Decode(&v)
			require.Error(t, err)
		}
	}
}

func TestDecoderStream(t *testing.T) {
	var b bytes.Buffer
	b.Write(unhex(t, "80049516000000000000005d94284b018c0374776f9443057468726565944e652e"))
	b.Write(unhex(t, "80044e2e"))
	b.Write(unhex(t, "80025d7101284b01580300000074776f71025505746872656571034e652e"))
	b.WriteString("I5\n.")
	dec := NewDecoder(&countingReader{data: b.Bytes()})
	var v any
	require.NoError(t, dec.Decode(&v))
	assert.Len(t, v, 4)
	require.NoError(t, dec.Decode(&v))
	assert.Nil(t, v)
	require.NoError(t, dec.Decode(&v))
	assert.Equal(t, "three", v.([]any)[2])
	var n int
	require.NoError(t, dec.Decode(&n))
	assert.Equal(t, 5, n)
	assert.Equal(t, int64(b.Len()), dec.InputOffset())
	assert.Equal(t, io.EOF, dec.Decode(&v))
	// a large payload arrives in chunks
	big := bytes.Repeat([]byte("z"), 3<<20)
	var p bytes.Buffer
	p.WriteString("\x80\x04\x8e")
	p.Write([]byte{0, 0, 0x30, 0, 0, 0, 0, 0})
	p.Write(big)
	p.WriteString(".")
	var got []byte
	require.NoError(t, NewDecoder(&countingReader{data: p.Bytes()}).Decode(&got))
	assert.Equal(t, big, got)
	err := NewDecoder(&countingReader{data: []byte("\x80\x04\x8e\x00\x00\x10\x00\x00\x00\x00\x00abc")}).Decode(&v)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF))
}

func TestPersistentLoad(t *testing.T) {
	var v any
	require.NoError(t, Unmarshal([]byte("Pabc\n."), &v, WithPersistentLoad(func(pid any) (any, error) {
		return "loaded:" + pid.(string), nil
	})))
	assert.Equal(t, "loaded:abc", v)
	require.NoError(t, Unmarshal([]byte("K\x05Q."), &v, WithPersistentLoad(func(pid any) (any, error) {
		return pid, nil
	})))
	assert.Equal(t, int64(5), v)
}

func TestStrictAndPy2Bytes(t *testing.T) {
	var v any
	err := Unmarshal([]byte("cmod\nCls\n)\x81."), &v, Strict())
	require.ErrorIs(t, err, ErrUnknownClass)
	require.NoError(t, Unmarshal([]byte("c__builtin__\nset\n]\x85R."), &v, Strict()))
	require.NoError(t, Unmarshal([]byte("U\x02hi."), &v, Py2StringsAsBytes()))
	assert.Equal(t, []byte("hi"), v)
	require.NoError(t, Unmarshal([]byte("S'h\\xffi'\n."), &v, Py2StringsAsBytes()))
	assert.Equal(t, []byte("h\xffi"), v)
}

func TestDatetimeForms(t *testing.T) {
	utc := "cdatetime\ntimezone\ncdatetime\ntimedelta\nK\x00K\x00K\x00\x87R\x85R"
	st := "C\x0a\x07\xe8\x01\x02\x03\x04\x05\x00\x00\x06"
	v := decodeAny(t, []byte("cdatetime\ndatetime\n"+st+utc+"\x86R."))
	assert.Equal(t, time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), v)
	assert.Equal(t, time.UTC, v.(time.Time).Location())
	v = decodeAny(t, []byte("cdatetime\ndatetime\n"+st+"\x85R."))
	assert.Equal(t, time.Local, v.(time.Time).Location())
	// 2.7 form: the state is a py2 str (SHORT_BINSTRING)
	v = decodeAny(t, []byte("cdatetime\ndatetime\nU\x0a\x07\xe8\x01\x02\x03\x04\x05\x00\x00\x06\x85R."))
	assert.Equal(t, 2024, v.(time.Time).Year())
	// +05:30 named
	v = decodeAny(t, []byte("cdatetime\ntime\nC\x06\x01\x02\x03\x00\x00\x04cdatetime\ntimezone\ncdatetime\ntimedelta\nK\x00M\x58\x4dK\x00\x87RX\x03\x00\x00\x00IST\x86R\x86R."))
	tod := v.(TimeOfDay)
	assert.Equal(t, 4, tod.Microsecond)
	_, off := time.Date(2000, 1, 1, 0, 0, 0, 0, tod.Location).Zone()
	assert.Equal(t, 19800, off)
	// an unknown tzinfo keeps the datetime as an object
	v = decodeAny(t, []byte("cdatetime\ndatetime\n"+st+"czoneinfo\nZoneInfo\nX\x03\x00\x00\x00UTC\x85R\x86R."))
	assert.IsType(t, &Object{}, v)
}

// A class call made on one shared value from many places (Decimal(s) of
// one 64 KiB str, 10,000 times: 640 MB read from a 125 KB pickle) stops
// at WithMaxExpansion, as the copies typed targets make do.
func TestClassCallsOnSharedValuesAreBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x03cdecimal\nDecimal\nq\x000X")
	require.NoError(t, binary.Write(&b, binary.LittleEndian, uint32(1<<16)))
	b.Write(bytes.Repeat([]byte("1"), 1<<16))
	b.WriteString("q\x010](")
	b.Write(bytes.Repeat([]byte("h\x00h\x01\x85R"), 10000))
	b.WriteString("e.")
	var v any
	require.ErrorIs(t, Unmarshal(b.Bytes(), &v), ErrLimit)

	small := []byte("\x80\x03cdecimal\nDecimal\nq\x000X\x02\x00\x00\x0012q\x010](h\x00h\x01\x85Rh\x00h\x01\x85Re.")
	require.NoError(t, Unmarshal(small, &v))
	assert.Equal(t, []any{Decimal("12"), Decimal("12")}, v)
}

// The work shared references multiply draws on one budget per pickle: 200
// calls of _codecs.encode on one 64 KiB str take 70 % of it, and copying
// their 200 results into strings as much again, which together is past
// it.
func TestExpansionIsOneBudget(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x03c_codecs\nencode\nq\x000X")
	require.NoError(t, binary.Write(&b, binary.LittleEndian, uint32(1<<16)))
	b.Write(bytes.Repeat([]byte("a"), 1<<16))
	b.WriteString("q\x010X\x06\x00\x00\x00latin1q\x020](")
	b.Write(bytes.Repeat([]byte("h\x00h\x01h\x02\x86R"), 200))
	b.WriteString("e.")
	var v any
	require.NoError(t, Unmarshal(b.Bytes(), &v), "the calls alone")
	require.Len(t, v, 200)
	require.ErrorIs(t, Unmarshal(b.Bytes(), new([]string)), ErrLimit, "the calls and the copies")
}
