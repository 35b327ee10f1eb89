package h2sub

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClient_responseChecks checks the EventSource rules for a response:
// 200 and text/event-stream, else the stream fails with a class; OnHeaders
// sees every status.
func TestClient_responseChecks(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ctype  string
		class  string // "" = the stream is accepted
	}{
		{"200 event-stream", 200, "text/event-stream", ""},
		{"200 event-stream with charset", 200, "Text/Event-Stream; charset=utf-8", ""},
		{"500", 500, "text/event-stream", ClassStatus},
		{"404 html", 404, "text/html", ClassStatus},
		{"200 text/plain", 200, "text/plain", ClassContentType},
		{"200 no content type", 200, "", ClassContentType},
		{"204", 204, "", ClassNoContent},
	}
	forEachMode(t, func(t *testing.T, mode string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tt.ctype != "" {
						w.Header().Set("Content-Type", tt.ctype)
					}
					w.WriteHeader(tt.status)
					fmt.Fprint(w, "data: x\n\n")
					w.(http.Flusher).Flush()
					<-r.Context().Done()
				}))
				c := newClient(t, cfg)
				sink := newRecSink()
				s := c.Subscribe(&Request{}, sink, "")
				if tt.class == "" {
					sink.wait(t, "an event", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].events) == 1 })
				} else {
					sink.wait(t, "the end", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].ends) == 1 })
				}
				g := sink.snapshot(s)
				if g.status != tt.status {
					t.Errorf("OnHeaders status = %d, want %d", g.status, tt.status)
				}
				if tt.class != "" {
					if got := ClassOf(g.ends[0]); got != tt.class {
						t.Errorf("end class = %q (%v), want %q", got, g.ends[0], tt.class)
					}
					if len(g.events) != 0 {
						t.Errorf("events = %d from a failed response, want 0", len(g.events))
					}
				}
			})
		}
	})
}

// TestClient_reconnectLastEventID checks reconnection through OnEnd: the
// stream is opened again after the delay with the last event ID, and the
// first opening sends the one given to Subscribe.
func TestClient_reconnectLastEventID(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		var mu sync.Mutex
		var seen []string // Last-Event-ID per request
		cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Header.Get("Last-Event-ID"))
			n := len(seen)
			mu.Unlock()
			sseHeaders(w)
			if n == 1 {
				fmt.Fprint(w, "retry: 30\nid: 7\ndata: a\n\nid: 8\n") // 8 is never committed
				return                                                // END_STREAM
			}
			fmt.Fprint(w, "id: 9\ndata: b\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		c := newClient(t, cfg)
		sink := newRecSink()
		var gotAfter time.Duration
		sink.again = func(s *Stream, err error) (bool, time.Duration) {
			d, _ := s.Retry()
			gotAfter = d
			return ClassOf(err) == ClassEOF, d
		}
		start := time.Now()
		s := c.Subscribe(&Request{}, sink, "3")
		sink.wait(t, "two events", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].events) == 2 })
		if el := time.Since(start); el < 30*time.Millisecond {
			t.Errorf("reconnected after %v, want at least the retry: 30ms", el)
		}
		g := sink.snapshot(s)
		mu.Lock()
		if got, want := strings.Join(seen, ","), "3,7"; got != want {
			t.Errorf("Last-Event-ID per request = %q, want %q", got, want)
		}
		mu.Unlock()
		if len(g.ends) != 1 || ClassOf(g.ends[0]) != ClassEOF {
			t.Errorf("ends = %v, want one eof", g.ends)
		}
		if gotAfter != 30*time.Millisecond {
			t.Errorf("Retry() in OnEnd = %v, want 30ms", gotAfter)
		}
		if got := string(g.events[1].Data) + "/" + string(g.events[1].ID); got != "b/9" {
			t.Errorf("second event = %s, want b/9", got)
		}
	})
}

// TestClient_request checks the method, headers and a body larger than the
// server's initial windows, which must wait for its WINDOW_UPDATEs.
func TestClient_request(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			sseHeaders(w)
			fmt.Fprintf(w, "data: %s %s %s %s %d %v\n\n", r.Method, r.URL.RequestURI(), r.Header.Get("X-Token"), r.Header.Get("Accept"), len(b), err)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		c := newClient(t, cfg)
		sink := newRecSink()
		body := []byte(strings.Repeat("x", 300_000))
		req := &Request{Method: "POST", Path: "/events?topic=a", Header: http.Header{"X-Token": {"t1"}}, Body: body}
		s1, s2 := c.Subscribe(req, sink, ""), c.Subscribe(req, sink, "")
		sink.wait(t, "an event on each", func(m map[*Stream]*got) bool {
			return m[s1] != nil && len(m[s1].events) == 1 && m[s2] != nil && len(m[s2].events) == 1
		})
		for _, s := range []*Stream{s1, s2} {
			if got, want := string(sink.snapshot(s).events[0].Data), "POST /events?topic=a t1 text/event-stream 300000 <nil>"; got != want {
				t.Errorf("the server saw %q, want %q", got, want)
			}
		}
	})
}

// TestClient_reset checks RST_STREAM from the server: before the headers
// the request failed (protocol), after them the stream did (read).
func TestClient_reset(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("after") != "" {
				sseHeaders(w)
				fmt.Fprint(w, "data: a\n\n")
				w.(http.Flusher).Flush()
			}
			panic(http.ErrAbortHandler) // RST_STREAM INTERNAL_ERROR
		}))
		c := newClient(t, cfg)
		sink := newRecSink()
		before := c.Subscribe(&Request{Path: "/events"}, sink, "")
		after := c.Subscribe(&Request{Path: "/events?after=1"}, sink, "")
		sink.wait(t, "both ends", func(m map[*Stream]*got) bool {
			return m[before] != nil && len(m[before].ends) == 1 && m[after] != nil && len(m[after].ends) == 1
		})
		if g := sink.snapshot(before); ClassOf(g.ends[0]) != ClassProtocol {
			t.Errorf("reset before headers: %v, want class %s", g.ends[0], ClassProtocol)
		}
		g := sink.snapshot(after)
		if ClassOf(g.ends[0]) != ClassRead || !strings.Contains(g.ends[0].Error(), "INTERNAL_ERROR") {
			t.Errorf("reset after headers: %v, want class %s naming INTERNAL_ERROR", g.ends[0], ClassRead)
		}
		if len(g.events) != 1 {
			t.Errorf("events before the reset = %d, want 1", len(g.events))
		}
	})
}

// TestClient_headerTimeout checks that a stream whose headers never come
// fails with timeout after HeaderTimeout, and is reset.
func TestClient_headerTimeout(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		reset := make(chan struct{})
		cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			close(reset)
		}))
		cfg.HeaderTimeout = 200 * time.Millisecond
		c := newClient(t, cfg)
		sink := newRecSink()
		start := time.Now()
		s := c.Subscribe(&Request{}, sink, "")
		sink.wait(t, "the end", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].ends) == 1 })
		if el := time.Since(start); el < cfg.HeaderTimeout {
			t.Errorf("ended after %v, before HeaderTimeout %v", el, cfg.HeaderTimeout)
		}
		if g := sink.snapshot(s); ClassOf(g.ends[0]) != ClassTimeout || g.status != 0 {
			t.Errorf("end = %v, status %d; want class %s and no headers", g.ends[0], g.status, ClassTimeout)
		}
		select {
		case <-reset:
		case <-time.After(5 * time.Second):
			t.Error("the server never saw the stream reset")
		}
	})
}

// TestClient_tooLarge checks that an event past MaxEventBytes fails the
// stream with too_large and resets it.
func TestClient_tooLarge(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		reset := make(chan struct{})
		cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			fmt.Fprintf(w, "data: small\n\ndata: %s\n\n", strings.Repeat("y", 200))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			close(reset)
		}))
		cfg.MaxEventBytes = 64
		c := newClient(t, cfg)
		sink := newRecSink()
		s := c.Subscribe(&Request{}, sink, "")
		sink.wait(t, "the end", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].ends) == 1 })
		if g := sink.snapshot(s); ClassOf(g.ends[0]) != ClassTooLarge || len(g.events) != 1 {
			t.Errorf("end = %v after %d events; want class %s after 1", g.ends[0], len(g.events), ClassTooLarge)
		}
		select {
		case <-reset:
		case <-time.After(5 * time.Second):
			t.Error("the server never saw the stream reset")
		}
	})
}

// TestClient_connectFailures checks the classes of connections that fail:
// refused, untrusted certificate, and servers that do not speak HTTP/2.
func TestClient_connectFailures(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	h1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(h1.Close)
	h1tls := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h1tls.Config.ErrorLog = log.New(io.Discard, "", 0)
	h1tls.StartTLS() // ALPN http/1.1 only
	t.Cleanup(h1tls.Close)
	untrusted, _ := startH2(t, "h2", nil, http.NotFoundHandler())
	untrusted.TLS = nil
	tests := []struct {
		name  string
		cfg   Config
		class string
		msg   string
	}{
		{"refused", Config{URL: "http://" + refused + "/events"}, ClassDial, "refused"},
		{"untrusted certificate", untrusted, ClassTLS, "certificate"},
		{"h2c to an HTTP/1 server", Config{URL: h1.URL + "/events"}, ClassProtocolMismatch, "answered in HTTP/1"},
		{"h2 to an http/1.1-only TLS server", Config{URL: h1tls.URL + "/events", TLS: h1tls.Client().Transport.(*http.Transport).TLSClientConfig}, ClassProtocolMismatch, "ALPN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, tt.cfg)
			sink := newRecSink()
			const n = 3
			var streams []*Stream
			for range n {
				streams = append(streams, c.Subscribe(&Request{}, sink, ""))
			}
			sink.wait(t, "every end", func(m map[*Stream]*got) bool {
				for _, s := range streams {
					if m[s] == nil || len(m[s].ends) == 0 {
						return false
					}
				}
				return true
			})
			for _, s := range streams {
				g := sink.snapshot(s)
				var e *Error
				if !errors.As(g.ends[0], &e) || e.Class != tt.class || !strings.Contains(e.Error(), tt.msg) {
					t.Errorf("end = %v, want class %s mentioning %q", g.ends[0], tt.class, tt.msg)
				}
			}
		})
	}
}
