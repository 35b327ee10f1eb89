package refserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServer_headers(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
		_, url := startServer(t, Config{Rate: 20, PayloadBytes: 64})
		s := mustSubscribe(t, client, url+"/events")
		wantMajor := map[string]int{"h1": 1, "h2c": 2}[proto]
		if got := s.resp.ProtoMajor; got != wantMajor {
			t.Errorf("ProtoMajor = %d, want %d", got, wantMajor)
		}
		if got, want := s.resp.Header.Get("Content-Type"), "text/event-stream"; got != want {
			t.Errorf("Content-Type = %q, want %q", got, want)
		}
		if got, want := s.resp.Header.Get("Cache-Control"), "no-cache"; got != want {
			t.Errorf("Cache-Control = %q, want %q", got, want)
		}
		s.mustNext(t) // and the body is an event stream
	})
}

func TestServer_wireFormat(t *testing.T) {
	t.Parallel()
	dataRe := regexp.MustCompile(`^\{"pub_ns":(\d{19}),"pad":"(x*)"\}$`)
	for _, payload := range []int{0, 64, 300} {
		t.Run(fmt.Sprintf("payload=%d", payload), func(t *testing.T) {
			t.Parallel()
			forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
				// At 2 events/s the first is due 500 ms after Start,
				// so the subscription is in place for id 1.
				_, url := startServer(t, Config{Rate: 2, PayloadBytes: payload})
				s := mustSubscribe(t, client, url+"/events")
				for want := uint64(1); want <= 2; want++ {
					ev := s.mustNext(t)
					if ev.id != want {
						t.Errorf("id = %d, want %d", ev.id, want)
					}
					if !dataRe.MatchString(ev.data) {
						t.Fatalf("data %q does not match %s", ev.data, dataRe)
					}
					if got, want := len(ev.data), max(payload, 39); got != want {
						t.Errorf("len(data) = %d, want %d", got, want)
					}
					pub := time.Unix(0, pubNs(t, ev))
					if d := ev.recv.Sub(pub); d < 0 || d > time.Second {
						t.Errorf("received %v after pub_ns, want within [0, 1s]", d)
					}
					if got, ok := ParsePublishTime([]byte(ev.data)); !ok || got != pub.UnixNano() {
						t.Errorf("ParsePublishTime(%q) = %d, %v; want %d, true", ev.data, got, ok, pub.UnixNano())
					}
				}
			})
		})
	}
}

func TestServer_rateIsExact(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
		const rate = 200.0
		t0 := time.Now()
		srv, url := startServer(t, Config{Rate: rate, PayloadBytes: 64})
		s := mustSubscribe(t, client, url+"/events")
		first := s.mustNext(t)
		last := first
		for last.recv.Sub(first.recv) < time.Second {
			ev := s.mustNext(t)
			if ev.id != last.id+1 {
				t.Fatalf("id %d after %d: events missing", ev.id, last.id)
			}
			last = ev
		}
		// The stamps follow the schedule however late the client reads:
		// n events span n/rate seconds, give or take timer jitter.
		span := time.Duration(pubNs(t, last) - pubNs(t, first))
		n := float64(last.id - first.id)
		if want := rate * span.Seconds(); n < want-5 || n > want+5 {
			t.Errorf("%v events stamped over %v, want %.0f ± 5 at %g/s", n, span, want, rate)
		}
		// And the schedule is anchored to the start: no drift.
		published := float64(srv.Stats().EventsPublished)
		if want := rate * time.Since(t0).Seconds(); published > want+1 || published < want-10 {
			t.Errorf("EventsPublished = %v after %v, want about %.0f", published, time.Since(t0), want)
		}
	})
}

func TestServer_delay(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
		const delay = 50 * time.Millisecond
		_, url := startServer(t, Config{Rate: 50, PayloadBytes: 64, Delay: delay})
		s := mustSubscribe(t, client, url+"/events")
		var lats []time.Duration
		for range 10 {
			ev := s.mustNext(t)
			lat := ev.recv.Sub(time.Unix(0, pubNs(t, ev)))
			if lat < delay {
				t.Errorf("event %d arrived %v after its stamp, want >= %v", ev.id, lat, delay)
			}
			lats = append(lats, lat)
		}
		slices.Sort(lats)
		if med := lats[len(lats)/2]; med > delay+30*time.Millisecond {
			t.Errorf("median latency %v, want < %v + 30ms (all: %v)", med, delay, lats)
		}
	})
}

func TestServer_manySubscribersGetTheSameEvents(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
		const subs, want = 200, 5
		srv, url := startServer(t, Config{Rate: 50, PayloadBytes: 100})
		streams := make([]*stream, subs)
		for i := range streams {
			streams[i] = mustSubscribe(t, client, url+"/events")
		}
		waitFor(t, 5*time.Second, "every subscriber registered", func() bool { return srv.Stats().Subscribers == subs })
		// Events published from now on reach every subscriber.
		from := srv.Stats().EventsPublished + 2
		got := make([][]string, subs) // data of ids from..from+want-1
		errs := make([]error, subs)
		var wg sync.WaitGroup
		for i, s := range streams {
			wg.Go(func() {
				prev := uint64(0)
				for len(got[i]) < want {
					ev, err := s.next()
					if err != nil {
						errs[i] = err
						return
					}
					if prev != 0 && ev.id != prev+1 {
						errs[i] = fmt.Errorf("id %d after %d", ev.id, prev)
						return
					}
					prev = ev.id
					if ev.id >= from {
						got[i] = append(got[i], ev.data)
					}
				}
			})
		}
		wg.Wait()
		for i := range streams {
			if errs[i] != nil {
				t.Fatalf("subscriber %d: %v", i, errs[i])
			}
			if !slices.Equal(got[i], got[0]) {
				t.Fatalf("subscriber %d got %q, subscriber 0 got %q", i, got[i], got[0])
			}
		}
		st := srv.Stats()
		if st.Subscribers != subs || st.SubscribersTotal != subs {
			t.Errorf("Subscribers, SubscribersTotal = %d, %d; want %d, %d", st.Subscribers, st.SubscribersTotal, subs, subs)
		}
		waitFor(t, 2*time.Second, "FramesWritten to count what was read", func() bool {
			return srv.Stats().FramesWritten >= subs*want
		})
		if st := srv.Stats(); st.BytesWritten < st.FramesWritten*uint64(len("id: 1\ndata: \n\n")+100) {
			t.Errorf("BytesWritten = %d for %d frames of 100-byte data", st.BytesWritten, st.FramesWritten)
		}
		if st := srv.Stats(); st.SlowDisconnects != 0 || st.Dropped != 0 {
			t.Errorf("SlowDisconnects, Dropped = %d, %d; want 0, 0", st.SlowDisconnects, st.Dropped)
		}
	})
}

func TestServer_disconnectedSubscriberIsRemoved(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{50, 0} { // with no events, only the probe can notice
		t.Run(fmt.Sprintf("rate=%g", rate), func(t *testing.T) {
			t.Parallel()
			forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
				srv, url := startServer(t, Config{Rate: rate})
				s := mustSubscribe(t, client, url+"/events")
				waitFor(t, 2*time.Second, "Subscribers == 1", func() bool { return srv.Stats().Subscribers == 1 })
				if rate > 0 {
					s.mustNext(t)
				}
				s.resp.Body.Close()
				waitFor(t, probeInterval+2*time.Second, "Subscribers == 0", func() bool { return srv.Stats().Subscribers == 0 })
				if got := srv.Stats().SubscribersTotal; got != 1 {
					t.Errorf("SubscribersTotal = %d, want 1", got)
				}
			})
		})
	}
}

// openSlowReader subscribes and does not read until asked to. Over h1 it is
// a bare TCP connection with a small receive buffer; over h2c a stream whose
// body is left unread, with a small window. It returns what to read later.
func openSlowReader(t *testing.T, proto, url string) io.Reader {
	t.Helper()
	if proto == "h2c" {
		return mustSubscribe(t, newClient(t, proto, 64<<10), url).resp.Body
	}
	host, _, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	if _, err := io.WriteString(conn, "GET /events HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestServer_slowReaderIsDisconnectedWithoutDelayingOthers(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
		const payload, backlog = 32 << 10, 512 << 10
		srv, url := startServer(t, Config{Rate: 200, PayloadBytes: payload, MaxBacklogBytes: backlog})
		fast := mustSubscribe(t, client, url+"/events")
		slowBody := openSlowReader(t, proto, url+"/events")

		// The fast reader must see every event promptly, before and after
		// the slow one is dropped.
		var disconnectedAt uint64
		prev := fast.mustNext(t)
		for after := 0; after < 20; {
			ev := fast.mustNext(t)
			if ev.id != prev.id+1 {
				t.Fatalf("fast reader: id %d after %d", ev.id, prev.id)
			}
			if lat := ev.recv.Sub(time.Unix(0, pubNs(t, ev))); lat > 500*time.Millisecond {
				t.Fatalf("fast reader: event %d took %v", ev.id, lat)
			}
			prev = ev
			switch {
			case disconnectedAt != 0:
				after++
			case srv.Stats().SlowDisconnects > 0:
				disconnectedAt = ev.id
			case ev.id > 2000: // 10 s
				t.Fatalf("slow reader never disconnected; stats %+v", srv.Stats())
			}
		}
		st := srv.Stats()
		if st.SlowDisconnects != 1 || st.Subscribers != 1 {
			t.Errorf("SlowDisconnects, Subscribers = %d, %d; want 1, 1", st.SlowDisconnects, st.Subscribers)
		}
		if st.Dropped == 0 {
			t.Errorf("Dropped = 0, want the frames the slow reader lost")
		}
		// The slow stream really ended: what was buffered drains, then
		// the read ends (EOF over h1, a stream reset over h2).
		drained := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, slowBody)
			drained <- err
		}()
		select {
		case <-drained:
		case <-time.After(5 * time.Second):
			t.Errorf("the slow stream is still open 5 s after it was disconnected")
		}
	})
}

func TestServer_routes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{"GET", "/", http.StatusNotFound, ""},
		{"GET", "/nope", http.StatusNotFound, ""},
		{"GET", "/events?topic=nope", http.StatusNotFound, ""},
		{"POST", "/events", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"DELETE", "/events", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"HEAD", "/events", http.StatusOK, ""},
	}
	forEachProtocol(t, func(t *testing.T, proto string, client *http.Client) {
		_, url := startServer(t, Config{Rate: 10})
		for _, tt := range tests {
			req, err := http.NewRequest(tt.method, url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s %s: status = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.wantAllow)
			}
		}
	})
}

// noFDListener hides its conns' file descriptors, as wrapping listeners do.
type noFDListener struct{ net.Listener }

func (l noFDListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return struct{ net.Conn }{c}, err
}

func TestServer_hijackedConnWithoutFD(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, noFDListener{ln}) }()
	s := mustSubscribe(t, newClient(t, "h1", 0), "http://"+ln.Addr().String()+"/events")
	a, b := s.mustNext(t), s.mustNext(t)
	if b.id != a.id+1 {
		t.Errorf("ids %d, %d: want consecutive", a.id, b.id)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if _, err := s.next(); err == nil {
		t.Errorf("stream still open after shutdown")
	}
}

func TestServer_handlerInAnotherServer(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	s := mustSubscribe(t, ts.Client(), ts.URL+"/events")
	s.mustNext(t)
	if err := srv.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if _, err := s.next(); !errors.Is(err, io.EOF) {
		t.Errorf("after Close, next = %v, want io.EOF", err)
	}
	if got := srv.Stats().Subscribers; got != 0 {
		t.Errorf("Subscribers = %d after Close, want 0", got)
	}
}

// TestServer_shutdown is not parallel: it counts goroutines.
func TestServer_shutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := New(Config{Rate: 50, ShutdownTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	var streams []*stream
	var transports []*http.Transport
	for _, proto := range protocols {
		c := newClient(t, proto, 0)
		transports = append(transports, c.Transport.(*http.Transport))
		for range 3 {
			s := mustSubscribe(t, c, "http://"+ln.Addr().String()+"/events")
			s.mustNext(t)
			streams = append(streams, s)
		}
	}
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return 5 s after its context was cancelled")
	}
	// HTTP/2 gives a client one second to close after GOAWAY, so a
	// shutdown can take that long even though every stream ends at once.
	if d := time.Since(start); d > srv.Config().ShutdownTimeout {
		t.Errorf("shutdown took %v, want <= ShutdownTimeout %v", d, srv.Config().ShutdownTimeout)
	}
	for i, s := range streams {
		for {
			if _, err := s.next(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("stream %d ended with %v, want io.EOF", i, err)
				}
				break
			}
		}
		s.resp.Body.Close()
	}
	if got := srv.Stats().Subscribers; got != 0 {
		t.Errorf("Subscribers = %d after shutdown, want 0", got)
	}
	if err := srv.Serve(context.Background(), ln); !errors.Is(err, ErrClosed) {
		t.Errorf("Serve after shutdown = %v, want ErrClosed", err)
	}
	if _, err := srv.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after shutdown = %v, want ErrClosed", err)
	}
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after shutdown, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServer_startAndShutdownWithDeadline(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := New(Config{Addr: "127.0.0.1:0", Rate: 1000, Delay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, "h1", 0)
	s := mustSubscribe(t, c, "http://"+addr+"/events")
	s.mustNext(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown = %v, want nil", err)
	}
	s.resp.Body.Close()
	c.CloseIdleConnections()
	waitFor(t, 5*time.Second, fmt.Sprintf("goroutines back to %d", before), func() bool { return runtime.NumGoroutine() <= before })
}
