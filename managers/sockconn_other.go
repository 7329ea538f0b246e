//go:build !unix

package managers

import (
	"net"
	"os"
)

// blockingFile reports that channels stay on the network poller here.
func blockingFile(net.Conn) *os.File { return nil }

func shutdown(*os.File) {}
