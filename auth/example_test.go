package auth_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/mpconn/mpconn/auth"
)

// framed is a minimal multiprocessing framing for the examples: a 4-byte
// big-endian length, then the payload. (Package connection does this for
// real, with the long form for huge messages.)
type framed struct{ rw io.ReadWriter }

func (f framed) SendMessage(p []byte) error {
	buf := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(p)), uint32(len(p)))
	_, err := f.rw.Write(append(buf, p...))
	return err
}

func (f framed) RecvMessage(max int) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(f.rw, h[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(h[:]))
	if n < 0 || int(n) > max {
		return nil, errors.New("bad message length")
	}
	p := make([]byte, n)
	_, err := io.ReadFull(f.rw, p)
	return p, err
}

// handshake runs both sides over net.Pipe and returns their errors.
func handshake(serverKey, clientKey []byte) (serverErr, clientErr error) {
	lc, cc := net.Pipe()
	done := make(chan error, 1)
	go func() {
		defer lc.Close()
		done <- auth.ServerHandshake(framed{lc}, serverKey)
	}()
	clientErr = auth.ClientHandshake(framed{cc}, clientKey)
	cc.Close()
	return <-done, clientErr
}

// Both sides share the key: each proves it to the other.
func ExampleServerHandshake() {
	serverErr, clientErr := handshake([]byte("secret"), []byte("secret"))
	fmt.Println("listener:", serverErr)
	fmt.Println("client:", clientErr)
	// Output:
	// listener: <nil>
	// client: <nil>
}

// With different keys the listener sends #FAILURE# and both sides fail with
// CPython's messages; errors.Is recognises both as authentication failures.
func ExampleClientHandshake_wrongKey() {
	serverErr, clientErr := handshake([]byte("secret"), []byte("wrong"))
	fmt.Println("listener:", serverErr)
	fmt.Println("client:", clientErr)
	fmt.Println(errors.Is(serverErr, auth.ErrAuthentication), errors.Is(clientErr, auth.ErrAuthentication))
	// Output:
	// listener: authentication failed: digest received was wrong
	// client: authentication failed: digest sent was rejected: message=b'#FAILURE#'
	// true true
}

// Answer on its own, against a peer that is not a multiprocessing listener.
func ExampleAnswer() {
	lc, cc := net.Pipe()
	go func() {
		defer lc.Close()
		_ = framed{lc}.SendMessage([]byte("hello"))
	}()
	err := auth.Answer(framed{cc}, []byte("secret"))
	var ae *auth.Error
	if errors.As(err, &ae) {
		fmt.Println(ae.Reason)
		fmt.Println(err)
	}
	// Output:
	// protocol error, expected challenge
	// authentication failed: protocol error, expected challenge: message=b'hello'
}

// RefuseMD5 on a side that meets a CPython <= 3.11 peer (emulated here with
// WithLegacyChallenge) fails clearly instead of answering with HMAC-MD5.
func ExampleRefuseMD5() {
	lc, cc := net.Pipe()
	go func() {
		defer lc.Close()
		_ = auth.ServerHandshake(framed{lc}, []byte("secret"), auth.WithLegacyChallenge())
	}()
	err := auth.ClientHandshake(framed{cc}, []byte("secret"), auth.RefuseMD5())
	cc.Close()
	fmt.Println(err)
	// Output:
	// authentication failed: MD5 refused: peer sent a legacy challenge (CPython <= 3.11) that only HMAC-MD5 answers
}
