package refserver

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// startH2C starts a Server whose connections are all served by h2Conn, the
// frame-level HTTP/2 path, and returns it with an h2c client.
func startH2C(tb testing.TB, cfg Config) (*Server, string, *http.Client) {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	s.Handler() // starts the hub
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serveH2C(ctx, nc, false)
			}()
		}
	}()
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	tb.Cleanup(func() {
		tr.CloseIdleConnections()
		ln.Close()
		cancel()
		wg.Wait()
		s.Close()
	})
	return s, "http://" + ln.Addr().String(), &http.Client{Transport: tr}
}

// TestH2Conn_streams holds streams on one frame-level connection and checks
// events, publishing on the same connection, and that a cancelled stream
// leaves the server's count.
func TestH2Conn_streams(t *testing.T) {
	t.Parallel()
	srv, base, client := startH2C(t, Config{Rate: 50, Retry: 1500 * time.Millisecond, Replay: 10})
	const n = 20
	streams := make([]*stream, n)
	for i := range streams {
		streams[i] = mustSubscribe(t, client, base+"/events")
	}
	for i, s := range streams {
		if lines, err := s.frame(); err != nil || strings.Join(lines, "|") != "retry: 1500" {
			t.Fatalf("stream %d: first frame %q, %v; want the retry line", i, lines, err)
		}
	}
	first := streams[0]
	for i, s := range streams {
		a, b := s.mustNext(t), s.mustNext(t)
		if b.id != a.id+1 {
			t.Errorf("stream %d: ids %d, %d; want consecutive", i, a.id, b.id)
		}
	}
	if got := srv.Stats().Subscribers; got != n {
		t.Errorf("Subscribers = %d, want %d", got, n)
	}
	// A publish on the same client (and connection) reaches the streams.
	resp, err := client.Post(base+"/publish?topic=news", "text/plain", strings.NewReader("hello\nworld"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":`) {
		t.Errorf("publish: %d %q", resp.StatusCode, body)
	}
	news := mustSubscribe(t, client, base+"/events?topic=news&lastEventId=0")
	ev := news.nextData(t)
	if ev.data != "hello\nworld" {
		t.Errorf("published event data = %q, want %q", ev.data, "hello\nworld")
	}
	// A stream the client cancels leaves the count.
	first.resp.Body.Close()
	waitFor(t, 5*time.Second, "the cancelled stream to end", func() bool { return srv.Stats().Subscribers == n })
	// Other answers come whole.
	resp, err = client.Get(base + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /nope = %d, want 404", resp.StatusCode)
	}
}

// TestH2Conn_slowClient checks the backlog bound on a stream whose client
// does not read: its window fills, the queue reaches MaxBacklogBytes, and
// the stream is reset while the connection's other stream goes on.
func TestH2Conn_slowClient(t *testing.T) {
	t.Parallel()
	srv, base, _ := startH2C(t, Config{Rate: 500, PayloadBytes: 1000, MaxBacklogBytes: 32 << 10})
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p, HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 16 << 10}}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	slow := mustSubscribe(t, client, base+"/events")
	fast := mustSubscribe(t, client, base+"/events")
	_ = slow // never read
	ids := make(chan uint64, 1024)
	go func() {
		defer close(ids)
		for {
			ev, err := fast.next()
			if err != nil {
				return
			}
			ids <- ev.id
		}
	}()
	var prev uint64
	got := 0
	deadline := time.After(10 * time.Second)
	for srv.Stats().SlowDisconnects == 0 || got < 100 {
		select {
		case id, ok := <-ids:
			if !ok {
				t.Fatalf("the fast stream ended after %d events; stats %+v", got, srv.Stats())
			}
			if prev != 0 && id != prev+1 {
				t.Fatalf("fast stream: id %d after %d", id, prev)
			}
			prev = id
			got++
		case <-deadline:
			t.Fatalf("after 10s: %d events on the fast stream; stats %+v", got, srv.Stats())
		}
	}
	waitFor(t, 5*time.Second, "one subscriber left", func() bool { return srv.Stats().Subscribers == 1 })
	if got := srv.Stats().BacklogBytes; got > 64<<10 {
		t.Errorf("BacklogBytes = %d after the cut", got)
	}
}

// TestServer_h2cNetHTTP covers cleartext HTTP/2 served by net/http, the
// default while the frame-level path is new (the h2c test mode uses that).
func TestServer_h2cNetHTTP(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{Addr: "127.0.0.1:0", Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	if srv.cfg.leanH2C {
		t.Skip(leanH2CEnv + " is set")
	}
	addr, err := srv.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &env{m: "h2c", srv: srv, addr: addr, url: "http://" + addr}
	s := mustSubscribe(t, e.newClient(t, 0), e.url+"/events")
	// net/http sends a Date header; the frame-level path does not.
	if s.resp.ProtoMajor != 2 || s.resp.Header.Get("Date") == "" {
		t.Fatalf("ProtoMajor %d, Date %q; want HTTP/2 from net/http", s.resp.ProtoMajor, s.resp.Header.Get("Date"))
	}
	a, b := s.mustNext(t), s.mustNext(t)
	if b.id != a.id+1 {
		t.Errorf("ids %d, %d; want consecutive", a.id, b.id)
	}
}

// TestServer_h2cLeanPath checks that the h2c test mode reaches the
// frame-level path, so the whole suite covers it.
func TestServer_h2cLeanPath(t *testing.T) {
	t.Parallel()
	e := mode("h2c").start(t, Config{Rate: 50})
	s := mustSubscribe(t, e.client, e.url+"/events")
	if s.resp.ProtoMajor != 2 || s.resp.Header.Get("Date") != "" {
		t.Errorf("ProtoMajor %d, Date %q; want HTTP/2 from h2Conn (no Date)", s.resp.ProtoMajor, s.resp.Header.Get("Date"))
	}
}

// TestH2Conn_answerFlowControl checks that an answer longer than the
// client's window waits for WINDOW_UPDATE instead of overrunning it.
func TestH2Conn_answerFlowControl(t *testing.T) {
	t.Parallel()
	_, base, _ := startH2C(t, Config{})
	nc, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, http2.ClientPreface)
	fr := http2.NewFramer(nc, nc)
	const window = 100
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: window})
	var hbuf bytes.Buffer
	enc := hpack.NewEncoder(&hbuf)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/metrics"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hbuf.Bytes(), EndStream: true, EndHeaders: true})
	got, updated := 0, false
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("after %d body bytes: %v", got, err)
		}
		d, ok := f.(*http2.DataFrame)
		if !ok || d.StreamID != 1 {
			continue
		}
		got += len(d.Data())
		if !updated && got > window {
			t.Fatalf("%d body bytes before any WINDOW_UPDATE, window %d", got, window)
		}
		if d.StreamEnded() {
			break
		}
		if got == window && !updated {
			// Everything the window allowed: nothing more may come
			// until the update, which lets the rest through.
			updated = true
			fr.WriteWindowUpdate(1, 1<<20)
		}
	}
	if !updated || got < 1000 {
		t.Errorf("body of %d bytes, window update sent %t; want a body past the window", got, updated)
	}
}
