package h2sub

import (
	"bytes"
	"fmt"
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

// TestClient_streamLimit checks that a server's low
// SETTINGS_MAX_CONCURRENT_STREAMS makes the client open more connections
// instead of queueing streams behind full ones.
func TestClient_streamLimit(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		cfg, conns := startH2(t, mode, &http2.Server{MaxConcurrentStreams: 2}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			fmt.Fprint(w, "data: x\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		c := newClient(t, cfg)
		sink := newRecSink()
		const n = 7
		streams := make([]*Stream, n)
		for i := range streams {
			streams[i] = c.Subscribe(&Request{}, sink, "")
		}
		sink.wait(t, "an event on every stream", func(m map[*Stream]*got) bool {
			for _, s := range streams {
				if m[s] == nil || len(m[s].events) == 0 {
					return false
				}
			}
			return true
		})
		if got, want := conns.n(), 4; got != want {
			t.Errorf("server connections = %d, want %d (2 streams each)", got, want)
		}
		if st := c.Stats(); st.Conns != 4 || st.Streams != n || st.Waiting != 0 {
			t.Errorf("Stats() = %+v, want 4 connections, %d streams", st, n)
		}
	})
}

// TestClient_flowControl sends each stream far more than its window and
// the connection's: the server (x/net, which honours windows) stalls unless
// the client returns consumed bytes, so every event arriving proves the
// WINDOW_UPDATEs. Events also arrive split across DATA frames.
func TestClient_flowControl(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		const events, size = 2000, 500
		cfg, _ := startH2(t, mode, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			pad := strings.Repeat("p", size)
			for i := range events {
				fmt.Fprintf(w, "id: %d\ndata: %s\n\n", i+1, pad)
				if i%7 == 0 {
					w.(http.Flusher).Flush()
				}
			}
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		cfg.StreamWindowBytes = 16 << 10
		cfg.ConnWindowBytes = 64 << 10
		c := newClient(t, cfg)
		sink := newRecSink()
		streams := make([]*Stream, 4)
		for i := range streams {
			streams[i] = c.Subscribe(&Request{}, sink, "")
		}
		sink.wait(t, "every event on every stream", func(m map[*Stream]*got) bool {
			for _, s := range streams {
				if m[s] == nil || len(m[s].events) < events {
					return false
				}
			}
			return true
		})
		for i, s := range streams {
			g := sink.snapshot(s)
			if len(g.events) != events {
				t.Errorf("stream %d: %d events, want %d", i, len(g.events), events)
			}
			checkConsecutive(t, i, g)
		}
	})
}

// A rawConn is the server side of one connection of a rawServer: a Framer
// the test drives frame by frame, to send what x/net's server never would.
type rawConn struct {
	tb   testing.TB
	nc   net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	henc *hpack.Encoder
}

// rawServer accepts h2c connections and runs serve on each, after reading
// the client preface and sending settings.
func rawServer(tb testing.TB, settings []http2.Setting, serve func(rc *rawConn, n int)) Config {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				preface := make([]byte, len(http2.ClientPreface))
				if _, err := io.ReadFull(nc, preface); err != nil {
					return
				}
				rc := &rawConn{tb: tb, nc: nc, fr: http2.NewFramer(nc, nc)}
				rc.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
				rc.henc = hpack.NewEncoder(&rc.hbuf)
				if rc.fr.WriteSettings(settings...) != nil {
					return
				}
				serve(rc, n)
			}()
		}
	}()
	return Config{URL: "http://" + ln.Addr().String() + "/events"}
}

// next returns the next frame of a type the test cares about, skipping
// SETTINGS (which it acknowledges) and WINDOW_UPDATE; nil when
// the connection ends.
func (rc *rawConn) next() http2.Frame {
	for {
		f, err := rc.fr.ReadFrame()
		if err != nil {
			return nil
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				rc.fr.WriteSettingsAck()
			}
		case *http2.WindowUpdateFrame:
		default:
			return f
		}
	}
}

// headers waits for the next request HEADERS and returns its stream ID.
func (rc *rawConn) headers() uint32 {
	for {
		f := rc.next()
		if f == nil {
			return 0
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			return h.StreamID
		}
	}
}

// respond sends a 200 text/event-stream response head on id.
func (rc *rawConn) respond(id uint32) {
	rc.hbuf.Reset()
	rc.henc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	rc.henc.WriteField(hpack.HeaderField{Name: "content-type", Value: "text/event-stream"})
	rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: rc.hbuf.Bytes(), EndHeaders: true})
}

// TestClient_goAway checks GOAWAY: the streams above its last stream ID,
// which the server did not process, move to a new connection and are
// served there; the stream below it keeps its events, and the connection
// closes when it ends.
func TestClient_goAway(t *testing.T) {
	t.Parallel()
	cfg := rawServer(t, nil, func(rc *rawConn, n int) {
		if n == 0 {
			var ids []uint32
			for len(ids) < 3 {
				id := rc.headers()
				if id == 0 {
					return
				}
				ids = append(ids, id)
			}
			rc.respond(ids[0])
			rc.fr.WriteData(ids[0], false, []byte("data: kept\n\n"))
			rc.fr.WriteGoAway(ids[0], http2.ErrCodeNo, []byte("draining"))
			rc.fr.WriteData(ids[0], true, []byte("data: last\n\n"))
			rc.next() // the client closes the connection
			return
		}
		for {
			id := rc.headers()
			if id == 0 {
				return
			}
			rc.respond(id)
			rc.fr.WriteData(id, false, []byte("data: moved\n\n"))
		}
	})
	c := newClient(t, cfg)
	sink := newRecSink()
	var streams []*Stream
	for range 3 {
		streams = append(streams, c.Subscribe(&Request{}, sink, ""))
	}
	sink.wait(t, "every stream served", func(m map[*Stream]*got) bool {
		ends, events := 0, 0
		for _, s := range streams {
			if g := m[s]; g != nil {
				ends += len(g.ends)
				events += len(g.events)
			}
		}
		return ends == 1 && events == 4
	})
	var datas []string
	for _, s := range streams {
		g := sink.snapshot(s)
		var d []string
		for _, ev := range g.events {
			d = append(d, string(ev.Data))
		}
		datas = append(datas, strings.Join(d, "+"))
		if strings.Contains(datas[len(datas)-1], "kept") {
			if len(g.ends) != 1 || ClassOf(g.ends[0]) != ClassEOF {
				t.Errorf("the processed stream's ends = %v, want one eof", g.ends)
			}
		} else if len(g.ends) != 0 {
			t.Errorf("a moved stream ended: %v", g.ends)
		}
	}
	if got, want := strings.Join(datas, ","), "kept+last,moved,moved"; got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for st := c.Stats(); st.Conns != 1 || st.Streams != 2; st = c.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("Stats() = %+v, want the first connection gone and 2 streams on the second", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClient_pingAndFlowViolation checks that a PING is answered, and that
// a server sending beyond the stream window ends the stream with a
// classified error while the connection's other stream goes on.
func TestClient_pingAndFlowViolation(t *testing.T) {
	t.Parallel()
	pong := make(chan [8]byte, 1)
	cfg := rawServer(t, nil, func(rc *rawConn, n int) {
		a, b := rc.headers(), rc.headers()
		rc.respond(a)
		rc.respond(b)
		rc.fr.WriteData(a, false, []byte("data: a\n\n"))
		rc.fr.WritePing(false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
		for {
			f := rc.next()
			if f == nil {
				return
			}
			if p, ok := f.(*http2.PingFrame); ok && p.IsAck() {
				pong <- p.Data
				break
			}
		}
		// 1 KiB stream window: 2 KiB is a violation.
		rc.fr.WriteData(a, false, bytes.Repeat([]byte(":"), 2048))
		rc.fr.WriteData(b, false, []byte("data: b\n\n"))
		for rc.next() != nil { // a's RST_STREAM, then the end
		}
	})
	cfg.StreamWindowBytes = 1024
	c := newClient(t, cfg)
	sink := newRecSink()
	sa := c.Subscribe(&Request{}, sink, "")
	time.Sleep(10 * time.Millisecond) // a's HEADERS first
	sb := c.Subscribe(&Request{}, sink, "")
	select {
	case got := <-pong:
		if got != [8]byte{1, 2, 3, 4, 5, 6, 7, 8} {
			t.Errorf("PING ack data = %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no PING ack")
	}
	sink.wait(t, "a's end and b's event", func(m map[*Stream]*got) bool {
		return m[sa] != nil && len(m[sa].ends) == 1 && m[sb] != nil && len(m[sb].events) == 1
	})
	if g := sink.snapshot(sa); ClassOf(g.ends[0]) != ClassRead || !strings.Contains(g.ends[0].Error(), "window") {
		t.Errorf("a's end = %v, want class %s about the window", g.ends[0], ClassRead)
	}
	if g := sink.snapshot(sb); len(g.ends) != 0 {
		t.Errorf("b ended: %v", g.ends)
	}
}

// TestClient_connectionLost checks that streams of a connection the server
// drops end with read (after headers) or protocol (before), and reconnect
// when their Sink asks.
func TestClient_connectionLost(t *testing.T) {
	t.Parallel()
	cfg := rawServer(t, []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: 10}}, func(rc *rawConn, n int) {
		if n == 0 {
			a, _ := rc.headers(), rc.headers()
			rc.respond(a)
			rc.fr.WriteData(a, false, []byte("id: 1\ndata: a\n\n"))
			time.Sleep(20 * time.Millisecond)
			rc.nc.Close() // b never had its headers
			return
		}
		for {
			id := rc.headers()
			if id == 0 {
				return
			}
			rc.respond(id)
			rc.fr.WriteData(id, false, []byte("id: 2\ndata: again\n\n"))
		}
	})
	c := newClient(t, cfg)
	sink := newRecSink()
	sink.again = func(s *Stream, err error) (bool, time.Duration) { return true, 0 }
	sa := c.Subscribe(&Request{}, sink, "")
	time.Sleep(10 * time.Millisecond)
	sb := c.Subscribe(&Request{}, sink, "")
	sink.wait(t, "a and b reconnected", func(m map[*Stream]*got) bool {
		return m[sa] != nil && len(m[sa].events) == 2 && m[sb] != nil && len(m[sb].events) == 1
	})
	ga, gb := sink.snapshot(sa), sink.snapshot(sb)
	if len(ga.ends) != 1 || ClassOf(ga.ends[0]) != ClassRead {
		t.Errorf("a's ends = %v, want one read", ga.ends)
	}
	if len(gb.ends) != 1 || ClassOf(gb.ends[0]) != ClassProtocol {
		t.Errorf("b's ends = %v, want one protocol", gb.ends)
	}
}

// TestClient_noStreams checks that a server whose SETTINGS allow no streams
// fails the streams (protocol) instead of making the client dial forever.
func TestClient_noStreams(t *testing.T) {
	t.Parallel()
	cfg := rawServer(t, []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: 0}}, func(rc *rawConn, n int) {
		for rc.next() != nil {
		}
	})
	c := newClient(t, cfg)
	sink := newRecSink()
	s := c.Subscribe(&Request{}, sink, "")
	sink.wait(t, "the end", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].ends) == 1 })
	if g := sink.snapshot(s); ClassOf(g.ends[0]) != ClassProtocol || !strings.Contains(g.ends[0].Error(), "accepts no streams") {
		t.Errorf("end = %v, want class %s saying the connection accepts no streams", g.ends[0], ClassProtocol)
	}
}
