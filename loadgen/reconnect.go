package loadgen

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/ssebench/ssebench/loadgen/sse"
	"github.com/ssebench/ssebench/loadgen/transport"
)

// Reconnection follows the EventSource rules of the WHATWG HTML standard
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model):
//
//   - When an established stream ends, cleanly or with an error, the
//     subscriber waits the reconnection time and connects again, sending
//     the last event ID in a Last-Event-ID header. The reconnection time is
//     the server's last valid retry: field, else Config.ReconnectDelay.
//   - A reconnection attempt that fails on the network (dial, timeout, TLS,
//     a reset before the headers) is retried after the same delay, until
//     the run ends.
//   - A response that is not 200 text/event-stream "fails the connection":
//     the subscriber stops for good. HTTP 204 No Content is how a server
//     tells EventSource to stop; it is counted apart, as ClassNoContent.
//
// One deliberate difference: a subscriber whose first attempt fails is not
// retried (browsers would retry a network error). A load test must be able
// to say "N subscribers never got a stream", and retrying would turn a
// refused connection into a silent wait. Config.NoReconnect turns all
// reconnection off.

// ClassNoContent is the failure class of an HTTP 204 No Content answer: the
// server asked the client not to reconnect. Initial or not, the subscriber
// stops.
const ClassNoContent = transport.ClassNoContent

// DefaultReconnectDelay is the reconnection time when the server sent no
// retry: field. Chrome and Safari wait 3 s (Firefox 5 s); the spec leaves it
// to the user agent. ssebench adds no backoff or jitter, as browsers do not.
const DefaultReconnectDelay = 3 * time.Second

// retryable tells whether a failed reconnection attempt of this class is
// tried again. Classes that come with response headers fail the connection
// for good, as EventSource does.
func retryable(class string) bool {
	return !gotHeaders(class)
}

// gotHeaders tells whether a failure of this class came after the response
// headers arrived (so the attempt has a time to headers).
func gotHeaders(class string) bool {
	switch class {
	case ClassStatus, ClassContentType, ClassNoContent, ClassRedirect:
		return true
	}
	return false
}

// reader returns the session's sse.Reader set to read body: a new one for
// the first stream, the same one Reset for a reconnection, so the last event
// ID and the retry value carry over as the spec requires.
// readBufferBytes is each subscriber's initial SSE read buffer. It is small
// because an idle subscriber's memory is mostly its buffers (thousands are
// held per process); the reader grows it for an event that does not fit,
// up to MaxEventBytes, and a larger read batch gains little for SSE's small
// events.
const readBufferBytes = 1024

func (s *subscriber) reader(body io.Reader) *sse.Reader {
	if s.rd == nil {
		s.rd = sse.NewReader(body, sse.Options{MaxEventBytes: s.cfg.MaxEventBytes, BufferBytes: readBufferBytes, Comment: s.comment})
		if s.cfg.LastEventID != "" {
			s.rd.SetLastEventID([]byte(s.cfg.LastEventID))
		}
	} else {
		s.rd.Reset(body)
	}
	return s.rd
}

// setLastEventID adds the Last-Event-ID header when the subscriber has a
// last event ID: from an earlier stream of its session, else
// Config.LastEventID (--last-event-id); connect calls it.
func (s *subscriber) setLastEventID(req *http.Request) {
	if s.rd == nil {
		return // the first request: newRequest sent --last-event-id
	}
	if id := s.rd.LastEventID(); len(id) > 0 {
		req.Header.Set("Last-Event-ID", string(id))
	} else {
		req.Header.Del("Last-Event-ID") // the stream reset it (an empty id:)
	}
}

// reconnectDelay is how long to wait before the next attempt: the server's
// retry: field when it sent one (a server that knows its load knows best),
// else Config.ReconnectDelay.
func (s *subscriber) reconnectDelay() time.Duration {
	if s.rd != nil {
		if d, ok := s.rd.Retry(); ok {
			return d
		}
	}
	return s.cfg.ReconnectDelay
}

// waitReconnect sleeps the reconnection time; it returns false when ctx
// ended first.
func (s *subscriber) waitReconnect(ctx context.Context) bool {
	t := time.NewTimer(s.reconnectDelay())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
