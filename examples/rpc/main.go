// Command rpc is a small request/response service in Go that Python calls
// with nothing but multiprocessing.connection:
//
//	from multiprocessing.connection import Client
//
//	conn = Client(('localhost', 6001), authkey=b'secret password')
//
//	def call(method, *args):
//	    conn.send((method, args))
//	    reply = conn.recv()
//	    if isinstance(reply, Exception):
//	        raise reply
//	    return reply
//
//	call('add', 1, 2)       # 3
//	call('upper', 'abc')    # 'ABC'
//	call('divide', 1, 0)    # raises ZeroDivisionError: division by zero
//
// A request is a tuple (method, args) or a dict {'method': ..., 'args': ...}.
// A result comes back as a plain value, a failure as a Python exception
// instance, which the client can raise. Each client is served by its own
// goroutine, so a slow client holds up nobody else.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"os/signal"
	"strings"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

var authKey = []byte("secret password")

func main() {
	addr := flag.String("addr", "localhost:6001", "address to listen on")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	logger := log.New(os.Stderr, "", log.LstdFlags)
	l, err := listen(*addr, logger)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	logger.Printf("serving on %s", l.Addr())
	if err := serve(ctx, l, logger); err != nil && !errors.Is(err, context.Canceled) {
		logger.Print(err)
	}
}

// listen serves addr. MatchPeerProtocol makes every reply go out in the
// pickle protocol its client writes, so Python 2.7 (which writes protocol 2
// and reads nothing newer), 3.6 and 3.7 (protocol 3) and 3.8+ (protocol 4)
// are all served by the same listener. A client with the wrong key is
// logged; the others are served.
func listen(addr string, logger *log.Logger) (*connection.Listener, error) {
	return connection.Listen(context.Background(), "tcp", addr, connection.WithAuthKey(authKey), connection.MatchPeerProtocol(),
		connection.OnHandshakeError(func(err *connection.HandshakeError) { logger.Print(err) }))
}

// serve answers clients, each in its own goroutine, until ctx is done; it
// returns once every handler has finished.
func serve(ctx context.Context, l *connection.Listener, logger *log.Logger) error {
	return l.Serve(ctx, func(_ context.Context, c *connection.Conn) { handle(c, logger) })
}

// handle answers one client's requests until it hangs up (or Serve closes
// the connection at shutdown).
func handle(c *connection.Conn, logger *log.Logger) {
	for {
		var req request
		err := c.RecvInto(&req)
		var reply any
		switch {
		case errors.Is(err, connection.ErrDecode):
			reply = pyErr("TypeError", "a request is (method, args) or {'method': ..., 'args': ...}")
		case err != nil:
			// A hang-up, or our own Close at shutdown, is the normal end.
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				logger.Printf("%s: %v", c.RemoteAddr(), err)
			}
			return
		default:
			if reply, err = call(req); err != nil {
				reply = asException(err)
			}
		}
		if err := c.Send(reply); err != nil {
			logger.Printf("%s: %v", c.RemoteAddr(), err)
			return
		}
	}
}

// request is a call. Unmarshal fills a struct from a tuple by position, or
// from a dict by key, so (method, args) and {'method': ..., 'args': ...}
// both arrive here.
type request struct {
	Method string `pickle:"method"`
	Args   []any  `pickle:"args"`
}

var methods = map[string]func(args []any) (any, error){
	"add":    add,
	"divide": divide,
	"upper":  upper,
}

// call runs a request. A *pickle.Exception it returns is sent as is, so
// Python gets exactly that exception.
func call(req request) (any, error) {
	method, ok := methods[req.Method]
	if !ok {
		return nil, pyErr("AttributeError", fmt.Sprintf("no method %q", req.Method))
	}
	return method(req.Args)
}

func add(args []any) (any, error) {
	if err := wantArgs("add", args, 2); err != nil {
		return nil, err
	}
	// Python ints have no size limit: add them as big.Ints, which go back
	// as ordinary ints.
	a, aok := toInt(args[0])
	b, bok := toInt(args[1])
	if aok && bok {
		return new(big.Int).Add(a, b), nil
	}
	x, xok := toFloat(args[0])
	y, yok := toFloat(args[1])
	if !xok || !yok {
		return nil, pyErr("TypeError", "add() needs two numbers")
	}
	return x + y, nil
}

func divide(args []any) (any, error) {
	if err := wantArgs("divide", args, 2); err != nil {
		return nil, err
	}
	x, xok := toFloat(args[0])
	y, yok := toFloat(args[1])
	if !xok || !yok {
		return nil, pyErr("TypeError", "divide() needs two numbers")
	}
	if y == 0 {
		// Go would return +Inf; Python raises, and so does the service.
		return nil, pyErr("ZeroDivisionError", "division by zero")
	}
	return x / y, nil
}

func upper(args []any) (any, error) {
	if err := wantArgs("upper", args, 1); err != nil {
		return nil, err
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, pyErr("TypeError", "upper() needs a str")
	}
	return strings.ToUpper(s), nil
}

func wantArgs(name string, args []any, n int) error {
	if len(args) != n {
		return pyErr("TypeError", fmt.Sprintf("%s() takes %d arguments (%d given)", name, n, len(args)))
	}
	return nil
}

// toInt and toFloat accept what a Python number decodes to: int64, or
// *big.Int for an int beyond 64 bits, and float64.
func toInt(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x), true
	case *big.Int:
		return x, true
	}
	return nil, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

// pyErr makes a Python exception of a builtin class. Sent to Python, it
// unpickles as a real instance: ZeroDivisionError('division by zero').
func pyErr(class, msg string) *pickle.Exception {
	return &pickle.Exception{Class: pickle.Global{Module: "builtins", Name: class}, Args: pickle.Tuple{msg}}
}

// asException passes Python exceptions through and wraps any other Go
// error in a RuntimeError.
func asException(err error) *pickle.Exception {
	var e *pickle.Exception
	if errors.As(err, &e) {
		return e
	}
	return pyErr("RuntimeError", err.Error())
}
