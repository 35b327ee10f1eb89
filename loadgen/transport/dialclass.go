package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
)

// Classes of a failed dial or connection setup, spelled as the result's
// "errors" keys. Every engine classifies its dial errors with DialClass, so
// the HTTP/1.1 openers and the frame-level HTTP/2 engine report the same keys.
const (
	ClassDial       = "dial"        // TCP connect failed (refused, unreachable, no route)
	ClassTimeout    = "timeout"     // the connection or its answer took too long
	ClassProtocol   = "protocol"    // the exchange failed in another way
	ClassFDLimit    = "fd_limit"    // the client ran out of file descriptors (a client limit)
	ClassLocalPorts = "local_ports" // the client ran out of local ports or addresses (a client limit)
)

// DialClass classifies an error of dialling or setting up a connection,
// telling the client's own limits (descriptors, local ports) apart from the
// server's refusals and from timeouts. A Classified error keeps its class.
func DialClass(err error) string {
	if c, ok := classOf(err); ok {
		return c
	}
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return ClassFDLimit
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		// EADDRNOTAVAIL: connect found no free ephemeral port (or, with
		// --source-ips, bind was given an address this host lacks).
		// EADDRINUSE can only come from the local bind of a dial. Both
		// are the client's limits, never the server's failure.
		return ClassLocalPorts
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ClassTimeout
	}
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Op == "dial" {
		return ClassDial
	}
	return ClassProtocol
}
