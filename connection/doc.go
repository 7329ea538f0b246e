// Package connection speaks the wire protocol of Python's
// multiprocessing.connection byte for byte, so that a Go program can be the
// peer of an unmodified Python Listener, Client, Pipe or Connection.
//
// # Messages
//
// A Conn carries messages: SendBytes sends one, RecvBytes and RecvBytesInto
// receive one, exactly as Python's send_bytes, recv_bytes and
// recv_bytes_into do. On the wire each message is a 4-byte big-endian
// signed length and the payload; a payload longer than 0x7fffffff bytes is
// announced by the length -1 and an 8-byte unsigned length, as CPython 3.8+
// does, and that long form is accepted for any length. Empty messages are
// legal. As in CPython, a payload of up to 16384 bytes goes out in one write
// together with its header, and a larger one in a vectored write.
//
// Receiving never trusts the header: memory grows only as payload bytes
// arrive, so a header claiming 2^62 bytes costs nothing. A payload larger
// than WithMaxMessageSize (DefaultMaxMessageSize, 64 MiB, unless set) fails
// with a *MessageTooLargeError naming the size and the limit, without reading
// it; a negative length other than -1 fails with ErrProtocol (CPython would
// silently read an empty message and lose sync).
//
// # Objects and codecs
//
// Send, Recv, RecvInto and RecvAs exchange Go values with Python's send and
// recv: each message is one value, encoded by the Conn's Codec. By default
// that is pickle, written and read by package pickle: Send writes protocol
// 4 unless WithPickleOptions(pickle.WithProtocol(p)) says otherwise (a
// Python 2.7 peer needs 2), or MatchPeerProtocol answers each peer in the
// protocol it writes; Recv gives package pickle's value model and RecvInto
// fills typed Go values. WithCodec(XMLRPC{}) speaks with Python's
// XmlListener and XmlClient instead, and any type implementing Codec can
// replace both (msgpack, say). A message that arrives whole but does not
// decode is a *DecodeError that keeps its bytes, and the connection stays
// usable; a value the codec cannot encode sends nothing. The decoders
// execute nothing, and their options bound what a message can make them
// allocate.
//
// # Poisoning
//
// After an oversize or malformed header the stream can no longer be parsed,
// so the receive side of the Conn is poisoned: every later RecvBytes,
// RecvBytesInto or Poll returns the same error. Sending still works, as it
// does in CPython, which makes such a connection write-only. A peer that
// closes in the middle of a message poisons it likewise with
// io.ErrUnexpectedEOF; a close between messages is io.EOF.
//
// The send side is poisoned the same way when a frame is cut short (by a
// write deadline, a reset): the peer is left inside it and would read
// whatever follows as the rest of it, so every later send returns the
// error that cut it, as crypto/tls does after a write timeout. CPython
// poisons nothing and sends the next message into the broken frame.
//
// An expired deadline that has consumed nothing, or written nothing, does
// not poison anything: the next receive resumes the message where the last
// one stopped, and the next send may try again.
//
// # Connecting
//
// Listen and NewListener accept connections, Dial makes them, and Server and
// Client run the same handshakes over a net.Conn made some other way. With
// WithAuthKey both sides run CPython's mutual HMAC handshake (package auth):
// CPython 3.12+'s digest-prefixed form, falling back to HMAC-MD5 with 2.7 and
// 3.x up to 3.11, so any CPython can connect. A Listener refuses to start
// without a key unless InsecureSkipAuth is given: whatever arrives on a
// multiprocessing connection is usually unpickled, and unpickling data from
// anyone runs code chosen by anyone. A Conn dialled without a key whose peer
// starts the handshake all the same fails its first receive with
// ErrPeerRequiresAuth.
//
// A Listener authenticates every new connection in its own goroutine, each
// bounded by WithHandshakeTimeout, so a silent peer delays nobody. Serve runs
// a handler per authenticated connection, reports failed handshakes to
// OnHandshakeError rather than stop, and on shutdown unblocks and waits for
// every handler. Accept, for servers that want their own loop, returns a
// failed handshake as a *HandshakeError and keeps serving. NetConn gives the
// socket underneath, for keepalive or the peer's credentials.
//
// # Options
//
// Every setting has one option. Those that belong to package pickle or
// package auth are passed through WithPickleOptions and WithAuthOptions,
// where the last one given for a setting wins. A zero number or duration
// selects the default. An option the operation cannot honour (WithAuthKey on
// Pipe, InsecureSkipAuth on Dial, pickle options beside another codec) or
// that contradicts another fails the operation with ErrInvalidOption before
// anything is opened.
//
// Pipe makes a connected pair, as multiprocessing.Pipe does; ChildPipe makes
// one whose other end is a file for a child process, which a Python child
// wraps with Connection(fd); FileConn wraps a descriptor inherited from a
// Python parent (a socket or a pipe end, as Connection(fd) does).
//
// # Passing descriptors
//
// On a unix socket, SendHandle and RecvHandle pass an open file, a memfd or a
// socket to the peer as multiprocessing.reduction's send_handle and
// recv_handle do. CPython 3.14 added an acknowledgement to that exchange,
// which nothing on the wire announces, so every call says which form the
// peer speaks: AckNone or AckByte. A Conn on a unix socket reads with
// recvmsg, so a descriptor that arrives behind a message is kept for
// RecvHandle however far the buffered reader has read ahead.
//
// # Waiting
//
// Poll reports whether a Conn has something to receive, and Wait watches
// several, like multiprocessing.connection.wait. Both count bytes already in
// the Conn's read buffer as well as the descriptor's state, and end when
// their timeout passes, their context is done, or a Conn is closed. On Linux
// they ask the kernel with ppoll(2) and park in the runtime's netpoller;
// elsewhere they peek into the read buffer.
//
// # Concurrency
//
// One goroutine may send while another receives on the same Conn. Poll and
// Wait are receive operations; SendHandle and RecvHandle with AckByte are
// both. Close may be called at any time from any goroutine and unblocks a
// receive, Poll or Wait in progress.
//
// Reads are buffered, so a Conn owns its descriptor: unlike a CPython
// Connection, which reads exactly one message at a time, it may read ahead,
// and the descriptor must not be handed to another reader.
package connection
