package transport

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// Classes of a stream's failure after its connection was set up, spelled
// as the result's "errors" keys. With the dial classes (dialclass.go) they
// are the one set of class names: loadgen and its frame-level HTTP/2 engine
// (loadgen/h2sub) both name their failures with these constants.
const (
	ClassStatus      = "status"       // a response status other than 200 (and 204)
	ClassNoContent   = "no_content"   // HTTP 204: the server asked the client to stop reconnecting
	ClassContentType = "content_type" // a 200 response that is not text/event-stream
	ClassRedirect    = "redirect"     // a redirect the client cannot follow
	ClassRead        = "read"         // the stream failed after its headers (reset, connection lost)
	ClassEOF         = "eof"          // the server ended the stream
	ClassTooLarge    = "too_large"    // an event exceeded the size limit
	ClassTLS         = "tls"          // the TLS handshake failed
	// ClassProtocolMismatch: the server would not speak the protocol asked
	// for (ALPN chose another, or an h2c preface answered in HTTP/1).
	ClassProtocolMismatch = "protocol_mismatch"
)

// A Classified error knows its class. loadgen's ConnError and h2sub's
// Error are Classified; DialClass and LostClass keep their verdict, so an
// error classified where it could be told apart (a TLS alert, a protocol
// mismatch) keeps that class through any wrapping.
type Classified interface {
	error
	ErrorClass() string
}

// classOf returns the class of a Classified error in err's chain.
func classOf(err error) (string, bool) {
	var c Classified
	if errors.As(err, &c) {
		return c.ErrorClass(), true
	}
	return "", false
}

// LostClass classifies an error that ended a stream: afterHeaders tells a
// stream that had its response headers (ClassRead) from an exchange that
// failed before them (ClassProtocol). A nil error is a clean end by the
// server (ClassEOF).
func LostClass(err error, afterHeaders bool) string {
	if c, ok := classOf(err); ok {
		return c
	}
	switch {
	case err == nil:
		return ClassEOF
	case errors.Is(err, sse.ErrEventTooLarge):
		return ClassTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ClassTimeout
	case !afterHeaders:
		return ClassProtocol
	}
	return ClassRead
}

// ErrNoContent is the error of a ClassNoContent answer.
var ErrNoContent = errors.New("HTTP 204 No Content: the server asked the client to stop reconnecting")

// ResponseClass judges a response head as EventSource does: "" and nil for
// status 200 with a text/event-stream Content-Type (a stream), else the
// class that fails the attempt and why: ClassNoContent for 204 (the
// server's "stop"), ClassStatus for another status, ClassContentType for
// a 200 that is not an event stream.
func ResponseClass(status int, contentType string) (string, error) {
	switch {
	case status == http.StatusNoContent:
		return ClassNoContent, ErrNoContent
	case status != http.StatusOK:
		return ClassStatus, fmt.Errorf("HTTP %d %s", status, http.StatusText(status))
	case !IsEventStream(contentType):
		return ClassContentType, fmt.Errorf("Content-Type %q, want text/event-stream", contentType)
	}
	return "", nil
}
