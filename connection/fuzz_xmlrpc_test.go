package connection

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzXMLRPCUnmarshal feeds arbitrary messages to the XMLRPC codec: it must
// never panic, fail only with ErrXMLRPC, and whatever it decodes must encode
// again to a message that decodes to the same bytes once more (the encoder
// writes one canonical form). Typed decoding must not panic either.
func FuzzXMLRPCUnmarshal(f *testing.F) {
	for _, seed := range []string{
		xmlParams("<value><nil/></value>"),
		xmlParams("<value><boolean>1</boolean></value>\n"),
		xmlParams("<value><int>-2147483648</int></value>\n"),
		xmlParams("<value><i8>9223372036854775807</i8></value>\n"),
		xmlParams("<value><double>1e+16</double></value>\n"),
		xmlParams("<value><string>a&lt;b&amp;c€&#13;</string></value>\n"),
		xmlParams("<value><base64>\nAAE=\n</base64></value>\n"),
		xmlParams("<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n"),
		xmlParams("<value><array><data>\n<value><int>1</int></value>\n<value><array><data>\n<value><string>x</string></value>\n</data></array></value>\n</data></array></value>\n"),
		xmlParams("<value><struct>\n<member>\n<name>id</name>\n<value><int>7</int></value>\n</member>\n<member>\n<name>args</name>\n<value><array><data>\n<value><double>0.5</double></value>\n</data></array></value>\n</member>\n</struct></value>\n"),
		xmlParams("<value>untyped</value>"),
		"<?xml version='1.0'?>\n<methodResponse>\n<params><param><value><int>1</int></value></param></params>\n</methodResponse>\n",
		"<methodCall><methodName>f</methodName><params><param><value>1</value></param></params></methodCall>",
		"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>",
		`<!DOCTYPE x [<!ENTITY a "aaaa">]>` + xmlParams("<value>&a;</value>"),
		xmlParams(strings.Repeat("<value><array><data>", 30) + strings.Repeat("</data></array></value>", 30)),
		"<params><param><value><string><![CDATA[<x>]]></string></value></param></params>",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		codec := XMLRPC{MaxDepth: 50}
		var v any
		err := codec.Unmarshal(msg, &v)
		if err != nil {
			if !errors.Is(err, ErrXMLRPC) {
				t.Fatalf("error does not match ErrXMLRPC: %v", err)
			}
			return
		}
		again, err := codec.Marshal(v)
		if err != nil {
			t.Fatalf("decoded %#v, which does not encode: %v", v, err)
		}
		var w any
		if err := codec.Unmarshal(again, &w); err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%s", err, again)
		}
		third, err := codec.Marshal(w)
		if err != nil || !bytes.Equal(again, third) {
			t.Fatalf("not canonical (%v):\n%s\n%s", err, again, third)
		}
		var typed struct {
			ID   int               `pickle:"id"`
			Args []float64         `pickle:"args"`
			Tags map[string]string `pickle:"tags"`
			When time.Time         `pickle:"when"`
		}
		_ = codec.Unmarshal(msg, &typed)
	})
}
