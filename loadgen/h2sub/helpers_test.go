package h2sub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen/sse"
	refserver "github.com/ssebench/ssebench/reference-server"
)

// modes are the protocols every engine behaviour is tested over: h2c with
// prior knowledge, and h2 over TLS with ALPN.
var modes = []string{"h2c", "h2"}

// forEachMode runs fn as a parallel subtest per mode.
func forEachMode(t *testing.T, fn func(t *testing.T, mode string)) {
	t.Helper()
	for _, m := range modes {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			fn(t, m)
		})
	}
}

// startRef starts the reference server on a free loopback port in mode and
// returns a Config that reaches its /events endpoint.
func startRef(tb testing.TB, mode string, cfg refserver.Config) (*refserver.Server, Config) {
	tb.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.TLSSelfSigned = mode == "h2"
	s, err := refserver.New(cfg)
	if err != nil {
		tb.Fatalf("refserver.New: %v", err)
	}
	addr, err := s.Start(context.Background())
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	c := Config{URL: "http://" + addr + "/events"}
	if mode == "h2" {
		pool := x509.NewCertPool()
		pool.AddCert(s.Certificate())
		c.URL = "https://" + addr + "/events"
		c.TLS = &tls.Config{RootCAs: pool}
	}
	return s, c
}

// startH2 serves h over HTTP/2 built on x/net/http2: h2c with prior
// knowledge, or TLS with ALPN h2 (a self-signed certificate the returned
// Config trusts). srv may set limits such as MaxConcurrentStreams.
func startH2(tb testing.TB, mode string, srv *http2.Server, h http.Handler) (Config, *connCount) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := Config{URL: "http://" + ln.Addr().String() + "/events"}
	var tlsConf *tls.Config
	if mode == "h2" {
		cert := selfSigned(tb)
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
		pool := x509.NewCertPool()
		pool.AddCert(cert.Leaf)
		cfg.URL = "https://" + ln.Addr().String() + "/events"
		cfg.TLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	if srv == nil {
		srv = &http2.Server{}
	}
	cc := &connCount{}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			cc.add(nc)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				if tlsConf != nil {
					tc := tls.Server(nc, tlsConf)
					if tc.HandshakeContext(ctx) != nil {
						return
					}
					nc = tc
				}
				srv.ServeConn(nc, &http2.ServeConnOpts{Context: ctx, Handler: h})
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		cancel()
		cc.closeAll()
		wg.Wait()
	})
	return cfg, cc
}

// connCount counts and tracks a test server's connections.
type connCount struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (c *connCount) add(nc net.Conn) {
	c.mu.Lock()
	c.conns = append(c.conns, nc)
	c.mu.Unlock()
}

func (c *connCount) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.conns)
}

func (c *connCount) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, nc := range c.conns {
		nc.Close()
	}
}

// sseHeaders writes a 200 event-stream response head and flushes it.
func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// got is one stream's record in a recSink.
type got struct {
	status   int
	ctype    string
	events   []sse.Event // copies
	comments int
	ends     []error
}

// recSink records every call, per stream, and answers OnEnd with again.
type recSink struct {
	mu      sync.Mutex
	streams map[*Stream]*got
	changed chan struct{} // receives after every call, never blocking
	// again decides reconnection; nil never reconnects.
	again func(s *Stream, err error) (bool, time.Duration)
}

func newRecSink() *recSink {
	return &recSink{streams: map[*Stream]*got{}, changed: make(chan struct{}, 1)}
}

func (r *recSink) of(s *Stream) *got {
	g := r.streams[s]
	if g == nil {
		g = &got{}
		r.streams[s] = g
	}
	return g
}

func (r *recSink) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recSink) OnHeaders(s *Stream, resp *Response) {
	r.mu.Lock()
	g := r.of(s)
	g.status, g.ctype = resp.Status, resp.ContentType
	r.mu.Unlock()
	r.poke()
}

func (r *recSink) OnEvent(s *Stream, ev *sse.Event) {
	r.mu.Lock()
	g := r.of(s)
	g.events = append(g.events, sse.Event{Type: clone(ev.Type), Data: clone(ev.Data), ID: clone(ev.ID), At: ev.At})
	r.mu.Unlock()
	r.poke()
}

func (r *recSink) OnComment(s *Stream, n int) {
	r.mu.Lock()
	r.of(s).comments += n
	r.mu.Unlock()
	r.poke()
}

func (r *recSink) OnEnd(s *Stream, err error) (bool, time.Duration) {
	r.mu.Lock()
	g := r.of(s)
	g.ends = append(g.ends, err)
	again := r.again
	r.mu.Unlock()
	r.poke()
	if again != nil {
		return again(s, err)
	}
	return false, 0
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// wait waits until cond, evaluated under the sink's lock, holds.
func (r *recSink) wait(tb testing.TB, what string, cond func(map[*Stream]*got) bool) {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok := cond(r.streams)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			tb.Fatalf("timed out waiting for %s; streams: %s", what, r.dumpLocked())
		}
	}
}

// snapshot returns a copy of s's record.
func (r *recSink) snapshot(s *Stream) got {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := *r.of(s)
	g.events = append([]sse.Event(nil), g.events...)
	g.ends = append([]error(nil), g.ends...)
	return g
}

func (r *recSink) dumpLocked() string {
	var b strings.Builder
	for s, g := range r.streams {
		b.WriteString("\n  ")
		b.WriteString(strings.Join([]string{
			"stream", itoa(int(s.id)), "status", itoa(g.status), "events", itoa(len(g.events)), "ends", itoa(len(g.ends)),
		}, " "))
		for _, e := range g.ends {
			b.WriteString(" [" + errString(e) + "]")
		}
	}
	return b.String()
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// newClient returns a Client for cfg that the test closes.
func newClient(tb testing.TB, cfg Config) *Client {
	tb.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		tb.Fatalf("NewClient: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// checkNoLeak fails the test if goroutines started during it outlive it.
func checkNoLeak(tb testing.TB) {
	tb.Helper()
	before := runtime.NumGoroutine()
	tb.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			tb.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}
