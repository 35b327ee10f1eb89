package refserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// modes are the ways a client reaches the server; every feature is tested
// in each: HTTP/1.1 in cleartext, h2c (prior knowledge), and HTTP/2 over
// TLS with ALPN h2, HTTP/2 on each engine (Config.H2Engine): the
// frame-level one ("h2c", "h2") and net/http's ("h2c-stdlib",
// "h2-stdlib").
var modes = []mode{"h1", "h2c", "h2", "h2c-stdlib", "h2-stdlib"}

// A mode is one of modes: a protocol, then "-" and the HTTP/2 engine
// when it is not the default.
type mode string

// proto returns the mode's protocol: "h1", "h2c" or "h2".
func (m mode) proto() string {
	p, _, _ := strings.Cut(string(m), "-")
	return p
}

// engine returns the HTTP/2 engine the mode's server uses.
func (m mode) engine() string {
	if _, e, ok := strings.Cut(string(m), "-"); ok {
		return e
	}
	return H2EngineFrames
}

// tls reports whether the mode needs a certificate.
func (m mode) tls() bool { return m.proto() == "h2" }

// forEachProtocol runs fn as a parallel subtest per mode. fn starts its
// servers with m.start, which configures them and their clients for the
// mode.
func forEachProtocol(t *testing.T, fn func(t *testing.T, m mode)) {
	t.Helper()
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			t.Parallel()
			fn(t, m)
		})
	}
}

// An env is a running server and a client for one mode.
type env struct {
	m      mode
	srv    *Server
	addr   string       // host:port
	url    string       // scheme://host:port
	client *http.Client // speaks only the mode's protocol
}

// start starts a Server with cfg on a free loopback port, with a
// self-signed certificate in TLS modes, and returns it with a client for
// the mode. Both are closed when the test ends.
func (m mode) start(tb testing.TB, cfg Config) *env {
	tb.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.H2Engine == "" {
		cfg.H2Engine = m.engine()
	}
	if m.tls() && !cfg.hasTLS() {
		cfg.TLSSelfSigned = true
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	addr, err := s.Start(context.Background())
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	scheme := "http"
	if m.tls() {
		scheme = "https"
	}
	e := &env{m: m, srv: s, addr: addr, url: scheme + "://" + addr}
	e.client = e.newClient(tb, 0)
	return e
}

// newClient returns another client for e's mode. streamWindow, if not 0,
// is the HTTP/2 receive window per stream: how much an unread stream
// buffers before the server must wait.
func (e *env) newClient(tb testing.TB, streamWindow int) *http.Client {
	tb.Helper()
	var p http.Protocols
	tr := &http.Transport{Protocols: &p, DisableCompression: true}
	switch e.m.proto() {
	case "h1":
		p.SetHTTP1(true)
	case "h2c":
		p.SetUnencryptedHTTP2(true)
	case "h2":
		p.SetHTTP2(true)
		tr.TLSClientConfig = e.tlsConfig(tb, "h2")
	default:
		tb.Fatalf("unknown mode %q", e.m)
	}
	if streamWindow > 0 {
		tr.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: streamWindow}
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// tlsConfig returns a client TLS configuration that trusts e's server and
// offers alpn.
func (e *env) tlsConfig(tb testing.TB, alpn ...string) *tls.Config {
	tb.Helper()
	cert := e.srv.Certificate()
	if cert == nil {
		tb.Fatalf("the server has no certificate")
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	host, _, _ := net.SplitHostPort(e.addr)
	return &tls.Config{RootCAs: pool, NextProtos: alpn, ServerName: host}
}

// dial opens a raw connection in e's mode: TCP, or TLS with ALPN h2
// (handshake done) in TLS modes.
func (e *env) dial(tb testing.TB) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	if !e.m.tls() {
		return c
	}
	tc := tls.Client(c, e.tlsConfig(tb, "h2"))
	if err := tc.Handshake(); err != nil {
		tb.Fatalf("TLS handshake: %v", err)
	}
	return tc
}

// do sends a request with the mode's client and returns the status and
// body.
func (e *env) do(tb testing.TB, method, path, body string, header ...string) (int, string, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// publish POSTs body to /publish?query and returns the id the answer
// names, failing the test on anything but 200.
func (e *env) publish(tb testing.TB, query, body string, header ...string) uint64 {
	tb.Helper()
	code, resp, _ := e.do(tb, "POST", "/publish?"+query, body, header...)
	if code != http.StatusOK {
		tb.Fatalf("POST /publish?%s = %d %q, want 200", query, code, resp)
	}
	digits, ok := strings.CutPrefix(strings.TrimSpace(resp), `{"id":`)
	id, err := strconv.ParseUint(strings.TrimSuffix(digits, "}"), 10, 64)
	if !ok || err != nil {
		tb.Fatalf("POST /publish answer %q is not {\"id\":N}", resp)
	}
	return id
}

// stream reads events from a response with a plain line reader; it shares
// no code with the server, so a bug cannot hide on both sides.
type stream struct {
	resp *http.Response
	br   *bufio.Reader
}

// subscribe opens GET url and checks the response looks like an event
// stream. It is safe to call from any goroutine.
func subscribe(client *http.Client, url string, header ...string) (*stream, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, fmt.Errorf("status = %d %q, want 200", resp.StatusCode, b)
	}
	return &stream{resp: resp, br: bufio.NewReader(resp.Body)}, nil
}

// mustSubscribe is subscribe for the test goroutine; the stream and the
// client's idle connections are closed when the test ends.
func mustSubscribe(tb testing.TB, client *http.Client, url string, header ...string) *stream {
	tb.Helper()
	s, err := subscribe(client, url, header...)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	// Closing the client's connections before the server shuts down
	// spares the test HTTP/2's one-second GOAWAY grace period.
	tb.Cleanup(func() {
		s.resp.Body.Close()
		client.CloseIdleConnections()
	})
	return s
}

// subscribeWhenRegistered subscribes and waits until the server counts the
// stream, so that what is published next reaches it.
func (e *env) subscribeWhenRegistered(tb testing.TB, path string, header ...string) *stream {
	tb.Helper()
	before := e.srv.Stats().SubscribersTotal
	s := mustSubscribe(tb, e.client, e.url+path, header...)
	waitFor(tb, 5*time.Second, "the subscription to register", func() bool {
		return e.srv.Stats().SubscribersTotal > before
	})
	// The worker registers the stream right after the count; give it the
	// moment it needs before publishing.
	waitFor(tb, 5*time.Second, "the topics to count the stream", func() bool {
		n := int64(0)
		for _, ts := range e.srv.TopicStats() {
			n += ts.Subscribers
		}
		return n > 0
	})
	return s
}

// event is one frame as the test parsed it.
type event struct {
	id       uint64 // the id: value of a generated frame (next only)
	rawID    string // the id: value as sent; "" when the frame has none
	typ      string // the event: value
	data     string // data: values joined by "\n"
	comments []string
	retry    string
	recv     time.Time
}

// frame reads lines up to and including a blank line, and returns them
// without their line ends.
func (s *stream) frame() ([]string, error) {
	var lines []string
	for {
		line, err := s.br.ReadString('\n')
		if err != nil {
			return lines, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			return lines, nil
		}
		lines = append(lines, line)
	}
}

// event reads one frame and splits it into fields. It handles only what
// this server sends: "name: value" lines and comments.
func (s *stream) event() (event, error) {
	lines, err := s.frame()
	ev := event{recv: time.Now()}
	if err != nil {
		return ev, err
	}
	var data []string
	for _, l := range lines {
		if c, ok := strings.CutPrefix(l, ":"); ok {
			ev.comments = append(ev.comments, strings.TrimPrefix(c, " "))
			continue
		}
		name, value, ok := strings.Cut(l, ": ")
		if !ok {
			name, value = strings.TrimSuffix(l, ":"), ""
		}
		switch name {
		case "id":
			ev.rawID = value
		case "event":
			ev.typ = value
		case "data":
			data = append(data, value)
		case "retry":
			ev.retry = value
		default:
			return ev, fmt.Errorf("unexpected line %q", l)
		}
	}
	ev.data = strings.Join(data, "\n")
	if data == nil && ev.rawID == "" && ev.retry == "" && len(ev.comments) == 0 {
		return ev, fmt.Errorf("empty frame")
	}
	return ev, nil
}

// nextData reads frames until one carries data, skipping heartbeats and
// retry fields.
func (s *stream) nextData(tb testing.TB) event {
	tb.Helper()
	for {
		ev, err := s.event()
		if err != nil {
			tb.Fatalf("reading an event: %v", err)
		}
		if ev.rawID != "" || ev.data != "" || ev.typ != "" {
			return ev
		}
	}
}

// next reads one frame and checks it has exactly the documented shape of
// a generated event: "id: N\n", "data: ...\n", "\n".
func (s *stream) next() (event, error) {
	idLine, err := s.br.ReadString('\n')
	if err != nil {
		return event{}, err
	}
	recv := time.Now()
	dataLine, err := s.br.ReadString('\n')
	if err != nil {
		return event{}, err
	}
	blank, err := s.br.ReadString('\n')
	if err != nil {
		return event{}, err
	}
	digits, ok := strings.CutPrefix(idLine, "id: ")
	if !ok || blank != "\n" {
		return event{}, fmt.Errorf("frame %q %q %q is not id/data/blank", idLine, dataLine, blank)
	}
	id, err := strconv.ParseUint(strings.TrimSuffix(digits, "\n"), 10, 64)
	if err != nil {
		return event{}, fmt.Errorf("id line %q: %v", idLine, err)
	}
	data, ok := strings.CutPrefix(dataLine, "data: ")
	if !ok {
		return event{}, fmt.Errorf("second line %q is not a data line", dataLine)
	}
	return event{id: id, rawID: strconv.FormatUint(id, 10), data: strings.TrimSuffix(data, "\n"), recv: recv}, nil
}

// mustNext is next for the test goroutine.
func (s *stream) mustNext(tb testing.TB) event {
	tb.Helper()
	ev, err := s.next()
	if err != nil {
		tb.Fatalf("reading an event: %v", err)
	}
	return ev
}

// pubNs parses the publish time of ev by hand, without ParsePublishTime.
func pubNs(tb testing.TB, ev event) int64 {
	tb.Helper()
	rest, ok := strings.CutPrefix(ev.data, `{"pub_ns":`)
	if !ok {
		tb.Fatalf("data %q has no pub_ns", ev.data)
	}
	digits, _, _ := strings.Cut(rest, ",")
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		tb.Fatalf("data %q: pub_ns: %v", ev.data, err)
	}
	return n
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
