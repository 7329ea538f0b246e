//go:build !linux

package managers

import "net"

const canQuickAck = false

// quickAck does nothing where TCP_QUICKACK does not exist.
func quickAck(net.Conn) {}
