package h2sub

import (
	"errors"
	"os"

	"github.com/ssebench/ssebench/loadgen/sse"
	"github.com/ssebench/ssebench/loadgen/transport"
)

// Failure classes. They are spelled exactly as loadgen's Class constants
// (loadgen/errors.go, reconnect.go), so that a subscriber driven by this
// package reports the same keys in the result's "errors" map; this package
// does not import loadgen, whose subscriber will import it.
const (
	ClassDial             = transport.ClassDial       // TCP connect failed
	ClassTimeout          = transport.ClassTimeout    // no connection, SETTINGS or response headers within Config.HeaderTimeout
	ClassStatus           = "status"                  // a response status other than 200 (and 204)
	ClassNoContent        = "no_content"              // HTTP 204: the server asked the client to stop reconnecting
	ClassContentType      = "content_type"            // a 200 response that is not text/event-stream
	ClassProtocol         = transport.ClassProtocol   // the exchange failed before response headers (reset, GOAWAY, malformed frames)
	ClassRead             = "read"                    // the stream failed after its headers (reset, connection lost, flow-control error)
	ClassEOF              = "eof"                     // the server ended the stream (END_STREAM)
	ClassTooLarge         = "too_large"               // an event exceeded Config.MaxEventBytes
	ClassFDLimit          = transport.ClassFDLimit    // the client ran out of file descriptors
	ClassLocalPorts       = transport.ClassLocalPorts // the client ran out of local ports or addresses
	ClassTLS              = "tls"                     // the TLS handshake failed
	ClassProtocolMismatch = "protocol_mismatch"       // ALPN did not choose h2, or an h2c preface was answered in HTTP/1
)

// ErrClosed is the error OnEnd reports for streams that the Client's Close
// ended. It is not a failure of the server: a run that stops is not an
// error, as in loadgen.
var ErrClosed = errors.New("h2sub: client closed")

// Error is one stream's failure, classified for a report. It mirrors
// loadgen.ConnError one to one: Class is one of the Class constants.
type Error struct {
	// Class is one of the Class constants.
	Class string
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string { return "h2sub: " + e.Class + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns err's class: the Class of an *Error in its chain, "" for
// ErrClosed and nil.
func ClassOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ""
}

// classifyDial classifies an error of dialling or setting up a connection
// the way loadgen's classifyDial does, keeping an *Error's own verdict.
func classifyDial(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Class: transport.DialClass(err), Err: err}
}

// classifyLost classifies the error that ended a stream's connection:
// before the stream's headers it is a protocol failure, after them a read
// failure, as loadgen tells a failed request from a failed stream.
func classifyLost(err error, gotHeaders bool) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, sse.ErrEventTooLarge):
		return &Error{Class: ClassTooLarge, Err: err}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &Error{Class: ClassTimeout, Err: err}
	case !gotHeaders:
		return &Error{Class: ClassProtocol, Err: err}
	}
	return &Error{Class: ClassRead, Err: err}
}
