package pickle_test

import (
	"bytes"
	"fmt"

	"github.com/mpconn/mpconn/pickle"
)

func ExampleMarshal() {
	// What Python's pickle.dumps([1, 'two', b'three', None]) gives (protocol 4).
	data, err := pickle.Marshal([]any{1, "two", []byte("three"), nil})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", data)

	// For a Python 2.7 peer.
	data, err = pickle.Marshal(map[string]int{"answer": 42}, pickle.WithProtocol(2))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", data)
	// Output:
	// 80049516000000000000005d94284b018c0374776f9443057468726565944e652e
	// 80027d71005806000000616e7377657271014b2a732e
}

func ExampleNewEncoder() {
	var buf bytes.Buffer
	enc := pickle.NewEncoder(&buf, pickle.Deterministic())
	for _, v := range []any{
		pickle.Tuple{"#RETURN", map[string]any{"b": 2, "a": 1}},
		pickle.Tuple{"#ERROR", &pickle.Exception{Class: pickle.Global{Module: "builtins", Name: "KeyError"}, Args: pickle.Tuple{"k"}}},
	} {
		buf.Reset()
		if err := enc.Encode(v); err != nil { // one complete pickle per call
			panic(err)
		}
		fmt.Printf("%x\n", buf.Bytes())
	}
	// Output:
	// 8004951d000000000000008c072352455455524e947d94288c0161944b018c0162944b027586942e
	// 8004952c000000000000008c06234552524f52948c086275696c74696e73948c084b65794572726f729493948c016b948594529486942e
}

// Point is pickled as an instance of the Python class geometry.Point:
//
//	class Point:
//	    def __init__(self, x, y):
//	        self.x, self.y = x, y
type Point struct {
	X int `pickle:"x"`
	Y int `pickle:"y"`
}

func ExampleRegistry() {
	reg := pickle.NewRegistry()
	if err := reg.Register("geometry", "Point", Point{}); err != nil {
		panic(err)
	}
	// pickle.loads(data) in Python gives geometry.Point with p.x == 1 and
	// p.y == 2, built as pickle builds any instance: Point.__new__(Point),
	// then its __dict__ is set. The same pointer twice is one object.
	p := &Point{1, 2}
	data, err := pickle.Marshal([]*Point{p, p}, pickle.WithRegistry(reg))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", data)
	// Output:
	// 80049530000000000000005d94288c0867656f6d65747279948c05506f696e749493942981947d94288c0178944b018c0179944b0275626804652e
}
