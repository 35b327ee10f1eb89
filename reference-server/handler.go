package refserver

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// rawHeader is the whole HTTP/1.1 response head of a hijacked subscription.
// There is no Content-Length and no chunked encoding: the body runs until
// the server closes the connection, which is how such a stream ends.
const rawHeader = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/event-stream\r\n" +
	"Cache-Control: no-cache\r\n" +
	"Connection: close\r\n\r\n"

// unavailable is the raw answer to a hijacked subscription that arrives as
// the server shuts down.
const unavailable = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: 21\r\n" +
	"Connection: close\r\n\r\n" +
	"server shutting down\n"

// retryAfterFull is the Retry-After of a 503 for Config.MaxSubscribers, in
// seconds. Streams are long-lived, so asking clients to come back at once
// would only make them spin.
const retryAfterFull = 5

// pastDeadline is a write deadline that has passed: setting it makes a
// blocked write fail at once.
var pastDeadline = time.Unix(1, 0)

// handleEvents serves GET and HEAD /events[?topic=NAME...].
//
// HTTP/1.1 connections in cleartext are hijacked and written by the
// workers (serveConn); HTTP/2 streams and TLS connections keep their
// handler goroutine (serveStream). Both are subscribers of the same hub.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	sp, ok := s.admit(w, r)
	if !ok {
		return
	}
	if r.ProtoMajor == 1 && r.TLS == nil && s.serveConn(w, r, sp) {
		return
	}
	s.serveStream(w, r, sp)
}

// admit checks a subscription request and reserves its stream. When it
// returns false it has answered the request (an error, or HEAD's head);
// when it returns true the caller must serve the stream or release it.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (spec, bool) {
	if !s.subscribeToken.allows(r, true) {
		s.unauthorized(w)
		return spec{}, false
	}
	if s.hub.closed() {
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
		return spec{}, false
	}
	topics, err := s.hub.topics.list(r.URL.Query()["topic"])
	if err != nil {
		topicError(w, err)
		return spec{}, false
	}
	resume, err := parseResume(lastEventID(r), topics)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return spec{}, false
	}
	if r.Method == http.MethodHead {
		setStreamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		return spec{}, false
	}
	if !s.counters.reserve(s.cfg.MaxSubscribers) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterFull))
		http.Error(w, "503 the server holds --max-subscribers streams", http.StatusServiceUnavailable)
		return spec{}, false
	}
	return spec{topics: topics, resume: resume}, true
}

// topicError answers a failed topic lookup.
func topicError(w http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	if errors.Is(err, errTooManyTopics) {
		code = http.StatusNotFound
	}
	http.Error(w, err.Error(), code)
}

// release gives back a stream reserved by counters.reserve that never
// became a subscriber.
func (s *Server) release() { s.counters.subscribers.Add(-1) }

func setStreamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
}

// serveStream serves a subscription from this handler goroutine until the
// client leaves, the server shuts down or the client is too slow.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, sp spec) {
	// SetWriteDeadline in the past resets an HTTP/2 stream at once, which
	// is what unblocks a Write stuck on a client that stopped reading.
	rc := http.NewResponseController(w)
	sub := newStreamSub(&s.counters, sp, &s.cfg, func() { _ = rc.SetWriteDeadline(pastDeadline) })
	if err := s.hub.subscribe(sub); err != nil {
		sub.finish()
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	wrote := false
	head := func() error {
		wrote = true
		setStreamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write(s.retryLine); err != nil {
			return err
		}
		return rc.Flush()
	}
	sub.run(r.Context(), s.hub.done, w, rc.Flush, head)
	if !wrote {
		// The server shut down before the worker took the stream on.
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
	}
}

// serveHijacked serves a hijacked HTTP/1.1 connection that offers no file
// descriptor, from this goroutine. It is the slow path: a net.Listener that
// wraps its conns leads here.
func (s *Server) serveHijacked(conn net.Conn, r *http.Request, sp spec) {
	defer conn.Close()
	conn.SetDeadline(time.Time{})
	sub := newStreamSub(&s.counters, sp, &s.cfg, func() { _ = conn.SetWriteDeadline(pastDeadline) })
	if err := s.hub.subscribe(sub); err != nil {
		sub.finish()
		io.WriteString(conn, unavailable)
		return
	}
	head := func() error {
		_, err := conn.Write(s.rawHead)
		return err
	}
	sub.run(r.Context(), s.hub.done, conn, nil, head)
	if sub.wasSlow() {
		resetOnClose(conn)
	}
}

// resetOnClose makes closing conn reset the connection. A plain close would
// leave the kernel sending a full socket buffer (megabytes) to a client that
// barely reads, at the pace of TCP's zero-window probes, for minutes;
// linger 0 drops that data and frees the memory at once.
func resetOnClose(conn net.Conn) {
	if l, ok := conn.(interface{ SetLinger(sec int) error }); ok {
		_ = l.SetLinger(0)
	}
}
