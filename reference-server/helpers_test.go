package refserver

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// protocols are the ways a client can reach the server on one listener.
var protocols = []string{"h1", "h2c"}

// forEachProtocol runs fn as a parallel subtest per protocol, with a client
// that speaks only that protocol.
func forEachProtocol(t *testing.T, fn func(t *testing.T, proto string, client *http.Client)) {
	t.Helper()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			client := newClient(t, proto, 0)
			fn(t, proto, client)
			client.CloseIdleConnections() // before the server's cleanup; see mustSubscribe

		})
	}
}

// newClient returns a client that speaks only proto. h2c uses prior
// knowledge. streamWindow, if not 0, is the HTTP/2 receive window per
// stream: how much an unread stream buffers before the server must wait.
func newClient(tb testing.TB, proto string, streamWindow int) *http.Client {
	tb.Helper()
	var p http.Protocols
	switch proto {
	case "h1":
		p.SetHTTP1(true)
	case "h2c":
		p.SetUnencryptedHTTP2(true)
	default:
		tb.Fatalf("unknown protocol %q", proto)
	}
	tr := &http.Transport{Protocols: &p, DisableCompression: true}
	if streamWindow > 0 {
		tr.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: streamWindow}
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// startServer starts a Server on a free loopback port and returns it and
// its base URL. It is closed when the test ends.
func startServer(tb testing.TB, cfg Config) (*Server, string) {
	tb.Helper()
	cfg.Addr = "127.0.0.1:0"
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
	return s, "http://" + addr
}

// stream reads events from a response with a plain line reader; it shares
// no code with the server, so a bug cannot hide on both sides.
type stream struct {
	resp *http.Response
	br   *bufio.Reader
}

// event is one frame as the test parsed it.
type event struct {
	id   uint64
	data string
	recv time.Time
}

// subscribe opens GET url and checks the response looks like an event
// stream. It is safe to call from any goroutine.
func subscribe(client *http.Client, url string) (*stream, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("status = %d, want 200", resp.StatusCode)
	}
	return &stream{resp: resp, br: bufio.NewReader(resp.Body)}, nil
}

// mustSubscribe is subscribe for the test goroutine; the stream and the
// client's idle connections are closed when the test ends.
func mustSubscribe(tb testing.TB, client *http.Client, url string) *stream {
	tb.Helper()
	s, err := subscribe(client, url)
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

// next reads one frame and checks it has exactly the documented shape:
// "id: N\n", "data: ...\n", "\n".
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
	return event{id: id, data: strings.TrimSuffix(data, "\n"), recv: recv}, nil
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
