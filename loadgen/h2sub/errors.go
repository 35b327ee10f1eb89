package h2sub

import (
	"errors"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// Failure classes: loadgen/transport's, the one set of class names, so
// that a subscriber driven by this package reports the same keys in the
// result's "errors" map as loadgen's HTTP/1.1 engine.
const (
	ClassDial             = transport.ClassDial             // TCP connect failed
	ClassTimeout          = transport.ClassTimeout          // no connection, SETTINGS or response headers within Config.HeaderTimeout
	ClassStatus           = transport.ClassStatus           // a response status other than 200 (and 204)
	ClassNoContent        = transport.ClassNoContent        // HTTP 204: the server asked the client to stop reconnecting
	ClassContentType      = transport.ClassContentType      // a 200 response that is not text/event-stream
	ClassProtocol         = transport.ClassProtocol         // the exchange failed before response headers (reset, GOAWAY, malformed frames)
	ClassRead             = transport.ClassRead             // the stream failed after its headers (reset, connection lost, flow-control error)
	ClassEOF              = transport.ClassEOF              // the server ended the stream (END_STREAM)
	ClassTooLarge         = transport.ClassTooLarge         // an event exceeded Config.MaxEventBytes
	ClassFDLimit          = transport.ClassFDLimit          // the client ran out of file descriptors
	ClassLocalPorts       = transport.ClassLocalPorts       // the client ran out of local ports or addresses
	ClassTLS              = transport.ClassTLS              // the TLS handshake failed
	ClassProtocolMismatch = transport.ClassProtocolMismatch // ALPN did not choose h2, or an h2c preface was answered in something else
)

// ErrClosed is the error OnEnd reports for streams that the Client's Close
// ended. It is not a failure of the server: a run that stops is not an
// error, as in loadgen.
var ErrClosed = errors.New("h2sub: client closed")

// Error is one stream's failure, classified for a report. It mirrors
// loadgen.ConnError one to one: Class is one of the Class constants. It is
// a transport.Classified error.
type Error struct {
	// Class is one of the Class constants.
	Class string
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string { return "h2sub: " + e.Class + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrorClass returns e.Class (transport.Classified).
func (e *Error) ErrorClass() string { return e.Class }

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
// with transport.DialClass, which keeps a Classified error's own verdict
// (an *Error of this package, or a loadgen.ConnError from Config.Dial).
func classifyDial(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Class: transport.DialClass(err), Err: err}
}

// classifyLost classifies the error that ended a stream's connection with
// transport.LostClass: before the stream's headers it is a protocol
// failure, after them a read failure, as loadgen tells a failed request
// from a failed stream.
func classifyLost(err error, gotHeaders bool) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Class: transport.LostClass(err, gotHeaders), Err: err}
}
