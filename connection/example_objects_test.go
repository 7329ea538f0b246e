package connection_test

import (
	"fmt"
	"log"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// Send and Recv exchange objects as Python's send and recv do. Here both
// ends are Go; on the other end of a real connection, Python's conn.recv()
// gets ['a', 2.5, None, <class 'int'>] and conn.send({'ok': True}) arrives
// as a *pickle.Dict.
func ExampleConn_Send() {
	goSide, pySide, err := connection.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer goSide.Close()
	defer pySide.Close()

	goSide.Send([]any{"a", 2.5, nil, pickle.Global{Module: "builtins", Name: "int"}})
	v, _ := pySide.Recv()
	fmt.Printf("%v\n", v)

	reply := pickle.NewDict(1)
	reply.Set("ok", true)
	pySide.Send(reply)
	v, _ = goSide.Recv()
	fmt.Printf("%v\n", v)
	// Output:
	// [a 2.5 <nil> builtins.int]
	// {'ok': True}
}

// RecvInto decodes straight into Go types: a dict fills a struct by key, a
// tuple fills it by position.
func ExampleConn_RecvInto() {
	a, b, err := connection.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()

	type Job struct {
		ID   int       `pickle:"id"`
		Args []float64 `pickle:"args"`
	}
	a.Send(map[string]any{"id": 7, "args": []any{0.5, 1.5}}) // {'id': 7, 'args': [0.5, 1.5]}
	var job Job
	if err := b.RecvInto(&job); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", job)

	a.Send(pickle.Tuple{8, []float64{2.5}}) // (8, [2.5])
	job, _ = connection.RecvAs[Job](b)
	fmt.Printf("%+v\n", job)
	// Output:
	// {ID:7 Args:[0.5 1.5]}
	// {ID:8 Args:[2.5]}
}

// The codec of Python's XmlListener and XmlClient: Dial(...,
// WithCodec(XMLRPC{})) talks to XmlListener(address, authkey=key) as Dial
// alone talks to Listener. Here both ends are Go.
func ExampleXMLRPC() {
	a, b, err := connection.Pipe(connection.WithCodec(connection.XMLRPC{}))
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()

	a.Send(map[string]any{"method": "add", "args": []int{1, 2}})
	raw, _ := b.RecvBytes()
	fmt.Printf("%s", raw)

	err = a.Send(pickle.Global{Module: "builtins", Name: "int"})
	fmt.Println(err)
	// Output:
	// <params>
	// <param>
	// <value><struct>
	// <member>
	// <name>args</name>
	// <value><array><data>
	// <value><int>1</int></value>
	// <value><int>2</int></value>
	// </data></array></value>
	// </member>
	// <member>
	// <name>method</name>
	// <value><string>add</string></value>
	// </member>
	// </struct></value>
	// </param>
	// </params>
	// xmlrpc: cannot carry the class or function builtins.int
}
