//go:build !linux

package managers

import "net"

// quickAck does nothing where TCP_QUICKACK does not exist.
func quickAck(*net.TCPConn) {}
