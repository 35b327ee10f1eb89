package refserver

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

func TestServer_maxSubscribers(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 10, MaxSubscribers: 3})
		var open []*stream
		for range 3 {
			open = append(open, mustSubscribe(t, e.client, e.url+"/events"))
		}
		refused := func(what string) {
			t.Helper()
			code, body, h := e.do(t, "GET", "/events", "")
			if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "5" {
				t.Errorf("%s: GET /events = %d %q, Retry-After %q; want 503, 5", what, code, body, h.Get("Retry-After"))
			}
		}
		refused("a 4th stream")
		if code, _, _ := e.do(t, "HEAD", "/events", ""); code != http.StatusOK {
			t.Errorf("HEAD /events = %d with the server full, want 200 (HEAD opens no stream)", code)
		}
		if st := e.srv.Stats(); st.Subscribers != 3 || st.SubscribersRejected != 1 {
			t.Errorf("Subscribers, SubscribersRejected = %d, %d; want 3, 1", st.Subscribers, st.SubscribersRejected)
		}
		// A stream that ends frees its place.
		open[0].resp.Body.Close()
		waitFor(t, probeInterval+5*time.Second, "Subscribers == 2", func() bool { return e.srv.Stats().Subscribers == 2 })
		mustSubscribe(t, e.client, e.url+"/events")
		refused("a 4th stream again")
	})
}

// TestServer_maxStreams speaks HTTP/2 frames directly: it checks the
// SETTINGS_MAX_CONCURRENT_STREAMS the server advertises, and that it
// refuses one stream more. Over HTTP/1.1 the limit does not apply.
func TestServer_maxStreams(t *testing.T) {
	t.Parallel()
	const limit = 3
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 10, MaxStreams: limit})
		if m == "h1" {
			for range limit + 2 {
				mustSubscribe(t, e.client, e.url+"/events")
			}
			return
		}
		c := e.dial(t)
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
			t.Fatal(err)
		}
		fr := http2.NewFramer(c, c)
		if err := fr.WriteSettings(); err != nil {
			t.Fatal(err)
		}
		var advertised uint32
		for advertised == 0 {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("reading the server's SETTINGS: %v", err)
			}
			if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
				v, ok := sf.Value(http2.SettingMaxConcurrentStreams)
				if !ok {
					t.Fatalf("SETTINGS without MAX_CONCURRENT_STREAMS")
				}
				advertised = v
			}
		}
		if advertised != limit {
			t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d, want %d", advertised, limit)
		}
		if err := fr.WriteSettingsAck(); err != nil {
			t.Fatal(err)
		}
		var hb bytes.Buffer
		enc := hpack.NewEncoder(&hb)
		scheme := map[bool]string{false: "http", true: "https"}[m.tls()]
		for i := range limit + 1 {
			hb.Reset()
			for _, f := range [][2]string{{":method", "GET"}, {":scheme", scheme}, {":authority", e.addr}, {":path", "/events"}} {
				enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
			}
			err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: uint32(2*i + 1), BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Streams 1, 3, 5 get their 200; stream 7 is reset. The reset
		// comes at once, the responses once the workers take the
		// streams on, so either may come first.
		last := uint32(2*limit + 1)
		answered := map[uint32]bool{}
		refused := false
		for !refused || len(answered) < limit {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("reading frames: %v (answered: %v, stream %d refused: %v)", err, answered, last, refused)
			}
			switch f := f.(type) {
			case *http2.HeadersFrame:
				if f.StreamID == last {
					t.Fatalf("stream %d, one over the limit, got a response", last)
				}
				answered[f.StreamID] = true
			case *http2.RSTStreamFrame:
				if f.StreamID != last {
					t.Fatalf("stream %d reset (%v); only %d should be", f.StreamID, f.ErrCode, last)
				}
				refused = true
			}
		}
	})
}

func TestServer_readHeaderTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{ReadHeaderTimeout: timeout})
		c, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Each mode stalls where its headers would be read.
		partial := map[mode]string{
			"h1":  "GET /events HTTP/1.1\r\nHost: x\r\n",
			"h2c": "PRI * HTTP/2.0\r\n",
			"h2":  "\x16", // a TLS handshake record that never comes
		}[mode(m.proto())]
		start := time.Now()
		if _, err := io.WriteString(c, partial); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err = io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept a stalled connection open 15 s; --read-header-timeout is %v", timeout)
		}
		if d := time.Since(start); d < timeout-50*time.Millisecond {
			t.Errorf("closed after %v, before the timeout %v", d, timeout)
		}
	})
}

func TestServer_maxHeaderBytes(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 10, MaxHeaderBytes: 4096})
		req, _ := http.NewRequest("GET", e.url+"/events", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
		resp, err := e.client.Do(req)
		switch {
		case err != nil:
			// HTTP/2 clients refuse to send more than the server's
			// SETTINGS_MAX_HEADER_LIST_SIZE.
			if m == "h1" {
				t.Errorf("GET with 64 KiB of headers: %v, want 431", err)
			}
		default:
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("GET with 64 KiB of headers = %d, want 431", resp.StatusCode)
			}
		}
		if got := e.srv.Stats().SubscribersTotal; got != 0 {
			t.Errorf("SubscribersTotal = %d, want 0", got)
		}
		mustSubscribe(t, e.client, e.url+"/events").mustNext(t) // normal requests still work
	})
}

// TestServer_protocols turns the mode's protocol off, then on alone.
func TestServer_protocols(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		var others []string
		for _, p := range Protocols {
			if p != m.proto() {
				others = append(others, p)
			}
		}
		off := m.start(t, Config{Rate: 10, TLSSelfSigned: true, Protocols: others})
		if s, err := subscribe(off.client, off.url+"/events"); err == nil {
			s.resp.Body.Close()
			t.Errorf("--protocols %s: a %s client got a stream", strings.Join(others, ","), m)
		}

		cfg := Config{Rate: 10, Protocols: []string{m.proto()}}
		on := m.start(t, cfg)
		s := mustSubscribe(t, on.client, on.url+"/events")
		s.mustNext(t)
		// The other cleartext protocol is off.
		other := map[string]mode{"h1": "h2c", "h2c": "h1", "h2": "h1"}[m.proto()]
		oe := &env{m: other, srv: on.srv, addr: on.addr, url: "http://" + on.addr}
		if s, err := subscribe(oe.newClient(t, 0), oe.url+"/events"); err == nil {
			s.resp.Body.Close()
			t.Errorf("--protocols %s: a %s client got a stream", m, other)
		}
	})
}
