package connection

import (
	"fmt"
	"strings"
)

// resolveNetwork checks network and rewrites a Linux abstract unix name as
// Python writes it ("\x00name") into Go's spelling ("@name").
func resolveNetwork(network, address string) (string, string, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		return network, address, nil
	case "unix":
		if strings.HasPrefix(address, "\x00") {
			address = "@" + address[1:]
		}
		return network, address, nil
	}
	return "", "", fmt.Errorf("connection: unsupported network %q (want tcp, tcp4, tcp6 or unix)", network)
}
