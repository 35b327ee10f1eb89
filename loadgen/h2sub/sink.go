package h2sub

import (
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// A Sink receives what happens on streams. One Sink may serve one stream or
// many: every call names its Stream.
//
// Threading: a stream's calls never overlap and come in order (OnHeaders,
// OnEvent and OnComment any number of times, then one OnEnd), but they come
// from the goroutine that reads the stream's connection, which serves
// every stream on it: a Sink must not block, and calls for different
// streams may run concurrently. Arguments are valid only during the call.
type Sink interface {
	// OnHeaders is called when the response headers arrive, whatever
	// their status; a status or content type that fails the stream is
	// then reported to OnEnd.
	OnHeaders(s *Stream, r *Response)
	// OnEvent is called for each dispatched event. ev's slices are valid
	// only during the call; ev.At is when the read that completed the
	// event returned.
	OnEvent(s *Stream, ev *sse.Event)
	// OnComment is called after a DATA frame that carried n comment lines
	// (heartbeats), once per frame, after that frame's events.
	OnComment(s *Stream, n int)
	// OnEnd is called once when the stream ends, with a non-nil error: an
	// *Error with Class ClassEOF when the server ended the stream cleanly,
	// another Class when it failed, ErrClosed when Client.Close ended it.
	// It is not called for a stream ended with Stream.Close (unless it was
	// already under way; see Close). Returning again=true opens the
	// stream anew after the given delay, with the last event ID in a
	// Last-Event-ID header; ErrClosed ignores the answer.
	OnEnd(s *Stream, err error) (again bool, after time.Duration)
}

// A CommentSink is a Sink that also takes the text of each comment line,
// as the stream's reader meets it: before the events that follow it in the
// same DATA frame (OnComment comes after them). Subscribe checks for it;
// a Sink without it costs nothing per comment line. Its threading is the
// Sink's; text is valid only during the call.
type CommentSink interface {
	Sink
	OnCommentLine(s *Stream, text []byte)
}

// A SentSink is a Sink that is told when each opening of a stream has its
// request written to the connection (HEADERS, and the body as far as the
// flow-control windows let it), so that a caller can tell a server that
// holds its response headers from a request still waiting for a
// connection. It is called from the goroutine that opened the stream,
// possibly while the response is already being handled (concurrently with
// the stream's other calls), and must not block.
type SentSink interface {
	Sink
	OnSent(s *Stream)
}

// Response is a stream's response head.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// ContentType is the Content-Type header's value.
	ContentType string
	// Header holds the regular header fields, lower-cased, as decoded.
	Header []hpack.HeaderField
	// At is when the read that completed the headers returned.
	At time.Time
}
