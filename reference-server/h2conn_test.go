package refserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Modes are the modes that speak HTTP/2, on each engine.
var h2Modes = []mode{"h2c", "h2", "h2c-stdlib", "h2-stdlib"}

// forEachH2 runs fn as a parallel subtest per HTTP/2 mode.
func forEachH2(t *testing.T, fn func(t *testing.T, m mode)) {
	t.Helper()
	for _, m := range h2Modes {
		t.Run(string(m), func(t *testing.T) {
			t.Parallel()
			fn(t, m)
		})
	}
}

// h2Client speaks HTTP/2 frames directly on a raw connection, to do what
// net/http's client never does: stop reading, reset, ping.
type h2Client struct {
	nc   net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
	e    *env
	next uint32
}

// dialH2 opens a raw HTTP/2 connection to e, with the client's initial
// stream window set to window bytes, and acknowledges the server's
// SETTINGS.
func dialH2(tb testing.TB, e *env, window uint32) *h2Client {
	tb.Helper()
	nc := e.dial(tb)
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
		tb.Fatal(err)
	}
	c := &h2Client{nc: nc, fr: http2.NewFramer(nc, nc), e: e, next: 1}
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: window}); err != nil {
		tb.Fatal(err)
	}
	return c
}

// open sends GET path on a new stream, with header's name and value
// pairs, and returns its ID.
func (c *h2Client) open(tb testing.TB, path string, header ...string) uint32 {
	tb.Helper()
	c.hbuf.Reset()
	scheme := map[bool]string{false: "http", true: "https"}[c.e.m.tls()]
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", scheme}, {":authority", c.e.addr}, {":path", path}} {
		c.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	for i := 0; i+1 < len(header); i += 2 {
		c.enc.WriteField(hpack.HeaderField{Name: header[i], Value: header[i+1]})
	}
	id := c.next
	c.next += 2
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
		tb.Fatal(err)
	}
	return id
}

// readUntil reads frames, acknowledging SETTINGS, until done returns true.
func (c *h2Client) readUntil(tb testing.TB, what string, done func(f http2.Frame) bool) {
	tb.Helper()
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			tb.Fatalf("waiting for %s: %v", what, err)
		}
		if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
			c.fr.WriteSettingsAck()
		}
		if done(f) {
			return
		}
	}
}

// TestH2Conn_streams holds streams on one frame-level connection and checks
// events, publishing on the same connection, and that a cancelled stream
// leaves the server's count.
func TestH2Conn_streams(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 50, Retry: 1500 * time.Millisecond, Replay: 10})
		const n = 20
		streams := make([]*stream, n)
		for i := range streams {
			streams[i] = mustSubscribe(t, e.client, e.url+"/events")
		}
		for i, s := range streams {
			if lines, err := s.frame(); err != nil || strings.Join(lines, "|") != "retry: 1500" {
				t.Fatalf("stream %d: first frame %q, %v; want the retry line", i, lines, err)
			}
		}
		for i, s := range streams {
			a, b := s.mustNext(t), s.mustNext(t)
			if b.id != a.id+1 {
				t.Errorf("stream %d: ids %d, %d; want consecutive", i, a.id, b.id)
			}
		}
		if got := e.srv.Stats().Subscribers; got != n {
			t.Errorf("Subscribers = %d, want %d", got, n)
		}
		// A publish on the same client (and connection) reaches the streams.
		e.publish(t, "topic=news", "hello\nworld")
		news := mustSubscribe(t, e.client, e.url+"/events?topic=news&lastEventId=0")
		if ev := news.nextData(t); ev.data != "hello\nworld" {
			t.Errorf("published event data = %q, want %q", ev.data, "hello\nworld")
		}
		// A stream the client cancels (RST_STREAM) leaves the count.
		streams[0].resp.Body.Close()
		waitFor(t, 5*time.Second, "the cancelled stream to end", func() bool { return e.srv.Stats().Subscribers == n })
		if code, _, _ := e.do(t, "GET", "/nope", ""); code != 404 {
			t.Errorf("GET /nope = %d, want 404", code)
		}
	})
}

// TestH2Conn_engine checks that each engine is the one serving, by what
// sets them apart: net/http runs a goroutine per stream, the frame-level
// engine none. It is not parallel: it counts goroutines.
func TestH2Conn_engine(t *testing.T) {
	for _, m := range h2Modes {
		t.Run(string(m), func(t *testing.T) {
			e := m.start(t, Config{Heartbeat: time.Hour})
			// A raw client, which runs no goroutine per stream.
			c := dialH2(t, e, 65535)
			c.open(t, "/events") // the connection and its goroutines
			waitFor(t, 5*time.Second, "the first stream", func() bool { return e.srv.Stats().Subscribers == 1 })
			before := runtime.NumGoroutine()
			const n = 100
			for range n {
				c.open(t, "/events")
			}
			waitFor(t, 5*time.Second, "every stream", func() bool { return e.srv.Stats().Subscribers == n+1 })
			grew := runtime.NumGoroutine() - before
			if perStream := m.engine() == H2EngineStdlib; perStream != (grew >= n/2) || !perStream && grew > 10 {
				t.Errorf("%d goroutines more for %d streams on engine %s", grew, n, m.engine())
			}
		})
	}
}

// heavyTopic is a topic of big events at a high rate, for the streams a
// test stalls; the streams that must keep up read the light default
// topic, so that a busy machine cannot make them slow too.
var heavyTopic = GeneratorConfig{Topic: "heavy", Rate: 400, PayloadBytes: 4 << 10}

// TestH2Conn_stalledStream stalls one stream of a connection: its client
// stops reading it, so its flow-control window runs out. The other stream
// of the same connection, and a stream of another connection, go on
// getting every event, until the stalled one's queue passes its bound and
// it is reset.
func TestH2Conn_stalledStream(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 200, Generators: []GeneratorConfig{heavyTopic}, MaxBacklogBytes: 64 << 10})
		c := dialH2(t, e, 16<<10)
		stalled, live := c.open(t, "/events?topic=heavy"), c.open(t, "/events")
		other := mustSubscribe(t, e.newClient(t, 0), e.url+"/events")
		var otherEvents atomic.Int64
		go func() { // the other connection keeps reading, strictly in order
			var prev uint64
			for {
				ev, err := other.next()
				if err != nil {
					return
				}
				if prev != 0 && ev.id != prev+1 {
					t.Errorf("other connection: id %d after %d", ev.id, prev)
					return
				}
				prev = ev.id
				otherEvents.Add(1)
			}
		}()
		liveBytes, reset := 0, false // liveBytes: since the reset
		c.readUntil(t, "the stalled stream's reset", func(f http2.Frame) bool {
			switch f := f.(type) {
			case *http2.DataFrame:
				if f.StreamID == live {
					// Read: the live stream's window and the
					// connection's are given back.
					if reset {
						liveBytes += len(f.Data())
					}
					if n := uint32(len(f.Data())); n > 0 {
						c.fr.WriteWindowUpdate(0, n)
						c.fr.WriteWindowUpdate(live, n)
					}
				}
			case *http2.RSTStreamFrame:
				if f.StreamID != stalled {
					t.Fatalf("stream %d reset (%v); only the stalled %d should be", f.StreamID, f.ErrCode, stalled)
				}
				reset = true
			}
			return reset && liveBytes > 2000
		})
		st := e.srv.Stats()
		if st.SlowDisconnects != 1 || st.Subscribers != 2 {
			t.Errorf("SlowDisconnects, Subscribers = %d, %d; want 1, 2", st.SlowDisconnects, st.Subscribers)
		}
		n := otherEvents.Load()
		waitFor(t, 5*time.Second, "more events on the other connection", func() bool { return otherEvents.Load() > n+10 })
	})
}

// TestH2Conn_stalledConnection stops reading a whole connection (its
// socket): the server's writes to it block, yet another connection keeps
// getting every event, and the stalled connection's streams are cut at the
// backlog bound instead of holding memory.
func TestH2Conn_stalledConnection(t *testing.T) {
	// Not parallel with the other tests: it loads the machine on purpose,
	// and their slow-reader checks would see it.
	forEachH2(t, func(t *testing.T, m mode) {
		const backlog = 256 << 10
		e := m.start(t, Config{Rate: 200, Generators: []GeneratorConfig{heavyTopic}, MaxBacklogBytes: backlog})
		c := dialH2(t, e, 1<<30)
		c.fr.WriteWindowUpdate(0, 1<<30)
		for range 4 {
			c.open(t, "/events?topic=heavy")
		}
		if tc, ok := c.nc.(*net.TCPConn); ok {
			tc.SetReadBuffer(4 << 10)
		}
		fast := mustSubscribe(t, e.client, e.url+"/events")
		readFast(t, e, fast, true, "the stalled connection's streams to be cut", func(s Stats) bool {
			return s.SlowDisconnects == 4
		})
		if st := e.srv.Stats(); st.Subscribers != 1 || st.BacklogBytes > 2*backlog {
			t.Errorf("Subscribers, BacklogBytes = %d, %d; want 1, <= %d", st.Subscribers, st.BacklogBytes, 2*backlog)
		}
	})
}

// TestH2Conn_stalledConnectionResumes publishes a known burst to streams
// whose connection is not read, more than the socket's buffers and the
// connection's output bound hold, so that the rest queues per stream
// within the bound; then the client reads: every stream gets every event,
// in order, and the backlog drains to nothing.
func TestH2Conn_stalledConnectionResumes(t *testing.T) {
	// Not parallel with the other tests: it loads the machine on purpose,
	// and their slow-reader checks would see it.
	forEachH2(t, func(t *testing.T, m mode) {
		const events, size = 200, 16 << 10 // 3.2 MB per stream
		e := m.start(t, Config{MaxBacklogBytes: 64 << 20, MaxPublishBytes: 8 << 20})
		c := dialH2(t, e, 1<<30)
		c.fr.WriteWindowUpdate(0, 1<<30)
		last := map[uint32]uint64{} // the last id seen per stream
		rest := map[uint32][]byte{} // a partial line per stream
		for range 4 {
			last[c.open(t, "/events?topic=burst")] = 0
		}
		waitFor(t, 5*time.Second, "the streams to register", func() bool {
			for _, ts := range e.srv.TopicStats() {
				if ts.Name == "burst" {
					return ts.Subscribers == 4
				}
			}
			return false
		})
		batch := "[" + strings.Repeat(`{"data":"`+strings.Repeat("x", size)+`"},`, events-1) + `{"data":"x"}]`
		if code, body, _ := e.do(t, "POST", "/publish/batch?topic=burst", batch); code != 200 {
			t.Fatalf("POST /publish/batch = %d %q", code, body)
		}
		waitFor(t, 10*time.Second, "a backlog", func() bool { return e.srv.Stats().BacklogBytes > 1<<20 })
		done := 0
		c.readUntil(t, "every event", func(f http2.Frame) bool {
			d, ok := f.(*http2.DataFrame)
			if !ok {
				return false
			}
			b := append(rest[d.StreamID], d.Data()...)
			for {
				line, after, ok := bytes.Cut(b, []byte("\n"))
				if !ok {
					break
				}
				if v, ok := bytes.CutPrefix(line, []byte("id: ")); ok {
					id, err := strconv.ParseUint(string(v), 10, 64)
					if prev := last[d.StreamID]; err != nil || id != prev+1 {
						t.Fatalf("stream %d: id %q after %d", d.StreamID, v, prev)
					}
					last[d.StreamID] = id
					if id == events {
						done++
					}
				}
				b = after
			}
			rest[d.StreamID] = append([]byte(nil), b...)
			return done == len(last)
		})
		waitFor(t, 5*time.Second, "the backlog to drain", func() bool { return e.srv.Stats().BacklogBytes == 0 })
		if st := e.srv.Stats(); st.SlowDisconnects != 0 || st.Dropped != 0 || st.Subscribers != 4 {
			t.Errorf("SlowDisconnects, Dropped, Subscribers = %d, %d, %d; want 0, 0, 4", st.SlowDisconnects, st.Dropped, st.Subscribers)
		}
	})
}

// TestH2Conn_shutdownWithStalledConnection shuts down while a client
// does not read its socket, so the server's writes to it are blocked: the
// shutdown still ends within ShutdownTimeout, and a reading client's
// stream ends cleanly.
func TestH2Conn_shutdownWithStalledConnection(t *testing.T) {
	// Not parallel with the other tests: it loads the machine on purpose,
	// and their slow-reader checks would see it.
	forEachH2(t, func(t *testing.T, m mode) {
		const timeout = time.Second
		heavier := GeneratorConfig{Topic: "heavy", Rate: 1000, PayloadBytes: 16 << 10} // 16 MB/s fill the socket's buffers soon
		e := m.start(t, Config{Rate: 50, Generators: []GeneratorConfig{heavier}, SlowPolicy: SlowDrop, MaxBacklogBytes: 64 << 10, ShutdownTimeout: timeout})
		c := dialH2(t, e, 1<<30)
		c.fr.WriteWindowUpdate(0, 1<<30)
		c.open(t, "/events?topic=heavy")
		reader := mustSubscribe(t, e.client, e.url+"/events")
		reader.mustNext(t)
		waitFor(t, 10*time.Second, "the stalled stream to drop events", func() bool { return e.srv.Stats().Dropped > 0 })
		start := time.Now()
		if err := e.srv.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		// HTTP/2 clients get a second to leave after GOAWAY.
		if d := time.Since(start); d > timeout+time.Second+500*time.Millisecond {
			t.Errorf("Shutdown took %v with a stalled connection; ShutdownTimeout is %v", d, timeout)
		}
		for {
			if _, err := reader.next(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("the reading stream ended with %v, want io.EOF", err)
				}
				break
			}
		}
	})
}

// TestH2Conn_ping checks that a PING is acknowledged with its data.
func TestH2Conn_ping(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{})
		c := dialH2(t, e, 65535)
		data := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
		if err := c.fr.WritePing(false, data); err != nil {
			t.Fatal(err)
		}
		c.readUntil(t, "the PING's acknowledgement", func(f http2.Frame) bool {
			p, ok := f.(*http2.PingFrame)
			if ok && (!p.IsAck() || p.Data != data) {
				t.Fatalf("PING ack %t with %v, want an ack with %v", p.IsAck(), p.Data, data)
			}
			return ok
		})
	})
}

// TestH2Conn_clientReset checks that RST_STREAM from the client ends the
// subscription on the server, while the connection's other stream goes on.
func TestH2Conn_clientReset(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 100})
		c := dialH2(t, e, 1<<20)
		gone, kept := c.open(t, "/events"), c.open(t, "/events")
		waitFor(t, 5*time.Second, "two subscribers", func() bool { return e.srv.Stats().Subscribers == 2 })
		if err := c.fr.WriteRSTStream(gone, http2.ErrCodeCancel); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the reset stream to end", func() bool { return e.srv.Stats().Subscribers == 1 })
		keptBytes := 0
		c.readUntil(t, "more events on the other stream", func(f http2.Frame) bool {
			if d, ok := f.(*http2.DataFrame); ok && d.StreamID == kept {
				keptBytes += len(d.Data())
			}
			return keptBytes > 1000
		})
	})
}

// TestH2Conn_goAwayOnShutdown checks a graceful shutdown at the frame
// level: the client gets GOAWAY and its stream ends cleanly (END_STREAM),
// then the connection closes.
func TestH2Conn_goAwayOnShutdown(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 100})
		c := dialH2(t, e, 1<<20)
		id := c.open(t, "/events")
		waitFor(t, 5*time.Second, "the subscriber", func() bool { return e.srv.Stats().Subscribers == 1 })
		go e.srv.Close()
		goAway, ended := false, false
		for !goAway || !ended {
			f, err := c.fr.ReadFrame()
			if err != nil {
				t.Fatalf("GOAWAY %t, END_STREAM %t, then %v", goAway, ended, err)
			}
			switch f := f.(type) {
			case *http2.GoAwayFrame:
				goAway = true
				if f.ErrCode != http2.ErrCodeNo || f.LastStreamID < id {
					t.Errorf("GOAWAY %v, last stream %d; want NO_ERROR, >= %d", f.ErrCode, f.LastStreamID, id)
				}
			case *http2.DataFrame:
				ended = ended || f.StreamID == id && f.StreamEnded()
			case *http2.RSTStreamFrame:
				t.Fatalf("stream %d reset (%v); want END_STREAM", f.StreamID, f.ErrCode)
			}
		}
		_, err := io.Copy(io.Discard, c.nc)
		if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
			t.Errorf("after GOAWAY: %v, want the connection closed", err)
		}
	})
}

// TestH2Conn_headersTooLarge sends more header bytes than the server
// allows, which net/http's client refuses to do: the answer is 431 and no
// stream opens.
func TestH2Conn_headersTooLarge(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 10, MaxHeaderBytes: 4096})
		c := dialH2(t, e, 65535)
		// Several fields, each shorter than the limit (a longer one is a
		// COMPRESSION_ERROR for the whole connection), 8 KiB in all.
		big := strings.Repeat("a", 2<<10)
		id := c.open(t, "/events", "x-a", big, "x-b", big, "x-c", big, "x-d", big)
		c.readUntil(t, "the answer", func(f http2.Frame) bool {
			h, ok := f.(*http2.MetaHeadersFrame)
			if ok && h.StreamID == id {
				if got := h.PseudoValue("status"); got != "431" {
					t.Errorf(":status = %s, want 431", got)
				}
			}
			return ok
		})
		if got := e.srv.Stats().SubscribersTotal; got != 0 {
			t.Errorf("SubscribersTotal = %d, want 0", got)
		}
	})
}

// TestH2Conn_answerFlowControl checks that an answer longer than the
// client's window waits for WINDOW_UPDATE instead of overrunning it.
func TestH2Conn_answerFlowControl(t *testing.T) {
	t.Parallel()
	forEachH2(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{})
		const window = 100
		c := dialH2(t, e, window)
		id := c.open(t, "/metrics")
		got, updated := 0, false
		c.readUntil(t, "the /metrics answer", func(f http2.Frame) bool {
			d, ok := f.(*http2.DataFrame)
			if !ok || d.StreamID != id {
				return false
			}
			got += len(d.Data())
			if !updated && got > window {
				t.Fatalf("%d body bytes before any WINDOW_UPDATE, window %d", got, window)
			}
			if got == window && !updated {
				// Everything the window allowed: nothing more may come
				// until the update, which lets the rest through.
				updated = true
				c.fr.WriteWindowUpdate(id, 1<<20)
			}
			return d.StreamEnded()
		})
		if !updated || got < 1000 {
			t.Errorf("body of %d bytes, window update sent %t; want a body past the window", got, updated)
		}
	})
}

// TestServer_h2EngineEnv checks the environment variable old scripts set.
func TestServer_h2EngineEnv(t *testing.T) {
	t.Setenv(H2EngineEnv, "1")
	for _, tt := range []struct{ set, want string }{{"", H2EngineFrames}, {H2EngineStdlib, H2EngineStdlib}} {
		s, err := New(Config{H2Engine: tt.set})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Config().H2Engine; got != tt.want {
			t.Errorf("%s=1, H2Engine %q: engine %q, want %q", H2EngineEnv, tt.set, got, tt.want)
		}
	}
	if _, err := New(Config{H2Engine: "nghttp2"}); err == nil || !strings.Contains(err.Error(), "--h2-engine") {
		t.Errorf("New with H2Engine nghttp2 = %v, want an --h2-engine error", err)
	}
}
