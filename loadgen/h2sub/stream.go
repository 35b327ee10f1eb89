package h2sub

import (
	"sync/atomic"
	"time"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// Stream states. A stream belongs to one owner at a time (the Client's
// queue, a reconnection timer, a connection, or nobody once ended), and
// only its owner changes it or calls its Sink.
const (
	stateIdle      uint8 = iota // queued, waiting on a timer, or ended
	stateOpening                // HEADERS sent, waiting for the response
	stateStreaming              // a 200 text/event-stream response is being read
)

// A Stream is one subscriber's event stream: opened on some connection of
// its Client, ended, and possibly opened again (on any connection) with
// Last-Event-ID. It holds no goroutine and no buffer beyond its SSE reader's.
type Stream struct {
	client *Client
	req    *Request
	sink   Sink
	rd     *sse.Reader // kept across reconnections: last event ID, retry

	closed atomic.Bool          // Close was called
	conn   atomic.Pointer[conn] // the connection while open; nil otherwise

	// Set under conn.mu when opened; then owned by the connection's reader.
	id         uint32
	state      uint8
	refused    uint8 // times the server refused the stream before processing it
	recvWindow int32 // bytes the server may still send
	unacked    int32 // bytes consumed but not yet returned in WINDOW_UPDATE
	sendWindow int32 // request body bytes the server lets us send (peer's window)
	bodyOff    int32 // request body bytes sent
	openedAt   time.Time
	comments   uint64 // rd.Comments() after the last frame
}

// ID returns the stream's current HTTP/2 stream ID, 0 when it is not open.
// It is meant for the Sink's calls, during which it is stable.
func (s *Stream) ID() uint32 { return s.id }

// LastEventID returns the last event ID the stream has seen, which a
// reconnection sends as Last-Event-ID. Call it from the Sink's calls; the
// slice is valid until the next event.
func (s *Stream) LastEventID() []byte { return s.rd.LastEventID() }

// Retry returns the server's last valid retry: value, and whether it sent
// one. Call it from the Sink's calls.
func (s *Stream) Retry() (time.Duration, bool) { return s.rd.Retry() }

// Bytes returns the event-stream bytes received over every opening of the
// stream. Call it from the Sink's calls.
func (s *Stream) Bytes() uint64 { return s.rd.Bytes() }

// Close ends the stream for good: an open stream is reset (RST_STREAM
// CANCEL), a queued or waiting one is dropped, and OnEnd is not called for
// it. Close does not wait for the connection's goroutine: a call already
// running finishes, and the calls of the frame being handled (at most the
// rest of its events, or an OnEnd that was under way) may still come after
// Close returns; none come after that. Close may be called from any
// goroutine, the Sink's calls included.
func (s *Stream) Close() {
	if s.closed.Swap(true) {
		return
	}
	if c := s.conn.Load(); c != nil {
		c.cancel(s)
	}
}

// SetRequest makes the stream's next openings send r instead of the
// request it was subscribed with: a caller that follows a redirect
// reopens the stream at the new location. Call it from OnEnd, before
// asking for a reconnection; r must not be modified afterwards.
func (s *Stream) SetRequest(r *Request) {
	r.compile()
	s.req = r
}
