package pickle_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/mpconn/mpconn/pickle"
)

func ExampleUnmarshal() {
	// What Python 3.13 sends for conn.send({'name': 'ada', 'age': 36}).
	data, _ := hex.DecodeString("8004951a000000000000007d94288c046e616d65948c03616461948c03616765944b24752e")

	var v any
	if err := pickle.Unmarshal(data, &v); err != nil {
		panic(err)
	}
	d := v.(*pickle.Dict)
	name, _ := d.Get("name")
	fmt.Println(d.Len(), name)

	var person struct {
		Name string `pickle:"name"`
		Age  int    `pickle:"age"`
	}
	if err := pickle.Unmarshal(data, &person); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", person)
	// Output:
	// 2 ada
	// {Name:ada Age:36}
}

func ExampleNewDecoder() {
	// Two pickles back to back: [1, 'two', b'three', None] and None.
	stream, _ := hex.DecodeString("80049516000000000000005d94284b018c0374776f9443057468726565944e652e" + "80044e2e")
	dec := pickle.NewDecoder(bytes.NewReader(stream))
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			break // io.EOF at the end
		}
		fmt.Printf("%#v (offset %d)\n", v, dec.InputOffset())
	}
	// Output:
	// []interface {}{1, "two", []uint8{0x74, 0x68, 0x72, 0x65, 0x65}, interface {}(nil)} (offset 33)
	// <nil> (offset 37)
}

func ExampleDisassemble() {
	// What Python 3.13 sends for conn.send(('#RETURN', [1, 1.5])).
	data, _ := hex.DecodeString("8004951c000000000000008c072352455455524e945d94284b01473ff80000000000006586942e")
	if err := pickle.Disassemble(os.Stdout, data); err != nil {
		panic(err)
	}
	// Output:
	//     0: \x80 PROTO      4
	//     2: \x95 FRAME      28
	//    11: \x8c SHORT_BINUNICODE '#RETURN'
	//    20: \x94 MEMOIZE    (as 0)
	//    21: ]    EMPTY_LIST
	//    22: \x94 MEMOIZE    (as 1)
	//    23: (    MARK
	//    24: K        BININT1    1
	//    26: G        BINFLOAT   1.5
	//    35: e        APPENDS    (MARK at 23)
	//    36: \x86 TUPLE2
	//    37: \x94 MEMOIZE    (as 2)
	//    38: .    STOP
	// highest protocol among opcodes = 4
}
