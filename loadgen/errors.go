package loadgen

import (
	"errors"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// Failure classes: the bounded set of keys of the result's "errors" map.
// They are loadgen/transport's, the one set of class names that every
// engine (HTTP/1.1 here, HTTP/2 in loadgen/h2sub) reports with.
const (
	ClassDial        = transport.ClassDial        // TCP connect failed (refused, unreachable, no route)
	ClassTimeout     = transport.ClassTimeout     // no response headers within ConnectTimeout
	ClassStatus      = transport.ClassStatus      // a response status other than 200
	ClassContentType = transport.ClassContentType // a 200 response that is not text/event-stream
	ClassProtocol    = transport.ClassProtocol    // the HTTP exchange itself failed (malformed response, h2 error before headers)
	ClassRead        = transport.ClassRead        // the stream failed while reading (reset, h2 stream error)
	ClassEOF         = transport.ClassEOF         // the server ended the stream before the run ended
	ClassTooLarge    = transport.ClassTooLarge    // an event exceeded MaxEventBytes
	ClassFDLimit     = transport.ClassFDLimit     // the client ran out of file descriptors (a client limit, not the server's)
	ClassLocalPorts  = transport.ClassLocalPorts  // the client ran out of local ports or addresses (a client limit, not the server's)
	ClassTLS         = transport.ClassTLS         // the TLS handshake failed (untrusted certificate, bad client certificate, alert)
	// ClassProtocolMismatch: the server would not speak the protocol asked
	// for (--protocol h2 and ALPN chose http/1.1, or an h2c preface answered
	// by HTTP/1.1). ssebench never falls back to another protocol silently.
	ClassProtocolMismatch = transport.ClassProtocolMismatch
)

// ErrNothingMeasured is returned by Run (with a report) when no subscriber
// ever got a stream, so nothing about the server was measured.
var ErrNothingMeasured = errors.New("loadgen: no subscriber connected; nothing was measured")

// ErrTooManyForLimits is returned by Run, before anything starts, when the
// run cannot fit this process's limits: more file descriptors than
// RLIMIT_NOFILE allows, or more connections to one server address than the
// local port range gives. The wrapping error says how many fit. It is a usage
// problem: ask for fewer subscribers, raise the limit or add --source-ips.
var ErrTooManyForLimits = errors.New("loadgen: the run does not fit this process's limits")

// ConnError is one subscriber's failure, classified for the report.
type ConnError struct {
	// Class is one of the Class constants.
	Class string
	// Err is the underlying error.
	Err error
}

func (e *ConnError) Error() string { return "loadgen: " + e.Class + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// ErrorClass returns e.Class (transport.Classified).
func (e *ConnError) ErrorClass() string { return e.Class }

// classifyDial turns a dial or request error into a ConnError, telling
// client-side descriptor exhaustion apart from server refusals.
func classifyDial(err error) *ConnError {
	// The openers classify what only they can tell apart (TLS, protocol
	// mismatch); keep their verdict.
	var ce *ConnError
	if errors.As(err, &ce) {
		return ce
	}
	return &ConnError{Class: transport.DialClass(err), Err: err}
}

// classifyRead turns an error that ended an established stream into a
// ConnError (transport.LostClass); a nil error means a clean end of stream
// by the server.
func classifyRead(err error) *ConnError {
	if err == nil {
		return &ConnError{Class: ClassEOF, Err: errors.New("server closed the stream")}
	}
	return &ConnError{Class: transport.LostClass(err, true), Err: err}
}
