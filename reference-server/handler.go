package refserver

import (
	"net"
	"net/http"
	"time"
)

// rawHeader is the whole HTTP/1.1 response to a hijacked subscription. There
// is no Content-Length and no chunked encoding: the body runs until the
// server closes the connection, which is how such a stream ends.
var rawHeader = []byte("HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/event-stream\r\n" +
	"Cache-Control: no-cache\r\n" +
	"Connection: close\r\n\r\n")

// pastDeadline is a write deadline that has passed: setting it makes a
// blocked write fail at once.
var pastDeadline = time.Unix(1, 0)

// handleEvents serves GET /events[?topic=NAME...].
//
// HTTP/1.1 connections are hijacked and written by the workers (serveConn);
// HTTP/2 streams, which cannot be hijacked, keep their handler goroutine
// (serveStream). Both are subscribers of the same hub.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	topics, err := s.hub.lookup(r.URL.Query()["topic"])
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if s.hub.closed() {
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	if r.Method == http.MethodHead {
		setStreamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		return
	}
	if r.ProtoMajor == 1 && r.TLS == nil && s.serveConn(w, r, topics) {
		return
	}
	s.serveStream(w, r, topics)
}

func setStreamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
}

// serveStream serves a subscription from this handler goroutine until the
// client leaves, the server shuts down or the client is too slow.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, topics []*topic) {
	setStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	// SetWriteDeadline in the past resets an HTTP/2 stream at once, which
	// is what unblocks a Write stuck on a client that stopped reading.
	abort := func() { _ = rc.SetWriteDeadline(pastDeadline) }
	sub := newStreamSub(&s.counters, s.cfg.MaxBacklogBytes, abort)
	if err := s.hub.subscribe(sub, topics); err != nil {
		return
	}
	sub.run(r.Context(), s.hub.done, w, rc.Flush)
}

// serveHijacked serves a hijacked HTTP/1.1 connection that offers no file
// descriptor, from this goroutine. It is the slow path: a net.Listener that
// wraps its conns leads here.
func (s *Server) serveHijacked(conn net.Conn, r *http.Request, topics []*topic) {
	defer conn.Close()
	conn.SetDeadline(time.Time{})
	if _, err := conn.Write(rawHeader); err != nil {
		return
	}
	abort := func() { _ = conn.SetWriteDeadline(pastDeadline) }
	sub := newStreamSub(&s.counters, s.cfg.MaxBacklogBytes, abort)
	if err := s.hub.subscribe(sub, topics); err != nil {
		return
	}
	sub.run(r.Context(), s.hub.done, conn, nil)
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
