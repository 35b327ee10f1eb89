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
	"sync"
	"testing"
	"time"
)

func TestServer_headers(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 20, PayloadBytes: 64})
		s := mustSubscribe(t, e.client, e.url+"/events")
		wantMajor := map[string]int{"h1": 1, "h2c": 2, "h2": 2}[m.proto()]
		if got := s.resp.ProtoMajor; got != wantMajor {
			t.Errorf("ProtoMajor = %d, want %d", got, wantMajor)
		}
		if got, want := s.resp.TLS != nil, m.tls(); got != want {
			t.Errorf("TLS = %v, want %v", got, want)
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
			forEachProtocol(t, func(t *testing.T, m mode) {
				// At 2 events/s the first is due 500 ms after Start,
				// so the subscription is in place for id 1.
				e := m.start(t, Config{Rate: 2, PayloadBytes: payload})
				s := mustSubscribe(t, e.client, e.url+"/events")
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
					if d := ev.recv.Sub(pub); d < 0 || d > 2*time.Second {
						t.Errorf("received %v after pub_ns, want within [0, 2s]", d)
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
	forEachProtocol(t, func(t *testing.T, m mode) {
		const rate = 200.0
		t0 := time.Now()
		e := m.start(t, Config{Rate: rate, PayloadBytes: 64})
		s := mustSubscribe(t, e.client, e.url+"/events")
		first := s.mustNext(t)
		last := first
		for last.recv.Sub(first.recv) < time.Second {
			ev := s.mustNext(t)
			if ev.id != last.id+1 {
				t.Fatalf("id %d after %d: events missing", ev.id, last.id)
			}
			last = ev
		}
		// The stamps are the schedule's, however late the client reads
		// or the generator wakes: n events span exactly n/rate seconds,
		// give or take the nanosecond rounding.
		span := time.Duration(pubNs(t, last) - pubNs(t, first))
		n := float64(last.id - first.id)
		if want := rate * span.Seconds(); n < want-1 || n > want+1 {
			t.Errorf("%v events stamped over %v, want %.0f ± 1 at %g/s", n, span, want, rate)
		}
		// And the schedule is anchored to the start: no drift.
		published := float64(e.srv.Stats().EventsPublished)
		if want := rate * time.Since(t0).Seconds(); published > want+1 || published < want-40 {
			t.Errorf("EventsPublished = %v after %v, want about %.0f", published, time.Since(t0), want)
		}
	})
}

func TestServer_delay(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		const delay = 50 * time.Millisecond
		e := m.start(t, Config{Rate: 50, PayloadBytes: 64, Delay: delay})
		s := mustSubscribe(t, e.client, e.url+"/events")
		var lats []time.Duration
		for range 10 {
			ev := s.mustNext(t)
			lat := ev.recv.Sub(time.Unix(0, pubNs(t, ev)))
			if lat < delay {
				t.Errorf("event %d arrived %v after its stamp, want >= %v", ev.id, lat, delay)
			}
			lats = append(lats, lat)
		}
		// Generous: the box is shared. The lower bound is the ground truth.
		slices.Sort(lats)
		if med := lats[len(lats)/2]; med > delay+250*time.Millisecond {
			t.Errorf("median latency %v, want < %v + 250ms (all: %v)", med, delay, lats)
		}
	})
}

func TestServer_manySubscribersGetTheSameEvents(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		const subs, want = 200, 5
		e := m.start(t, Config{Rate: 50, PayloadBytes: 100})
		streams := make([]*stream, subs)
		for i := range streams {
			streams[i] = mustSubscribe(t, e.client, e.url+"/events")
		}
		// Each has its response, so each is registered: events
		// published from now on reach every subscriber.
		from := e.srv.Stats().EventsPublished + 2
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
		st := e.srv.Stats()
		if st.Subscribers != subs || st.SubscribersTotal != subs {
			t.Errorf("Subscribers, SubscribersTotal = %d, %d; want %d, %d", st.Subscribers, st.SubscribersTotal, subs, subs)
		}
		waitFor(t, 5*time.Second, "FramesWritten to count what was read", func() bool {
			return e.srv.Stats().FramesWritten >= subs*want
		})
		if st := e.srv.Stats(); st.BytesWritten < st.FramesWritten*uint64(len("id: 1\ndata: \n\n")+100) {
			t.Errorf("BytesWritten = %d for %d frames of 100-byte data", st.BytesWritten, st.FramesWritten)
		}
		if st := e.srv.Stats(); st.SlowDisconnects != 0 || st.Dropped != 0 {
			t.Errorf("SlowDisconnects, Dropped = %d, %d; want 0, 0", st.SlowDisconnects, st.Dropped)
		}
	})
}

func TestServer_disconnectedSubscriberIsRemoved(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{50, 0} { // with no events, only the probe can notice
		t.Run(fmt.Sprintf("rate=%g", rate), func(t *testing.T) {
			t.Parallel()
			forEachProtocol(t, func(t *testing.T, m mode) {
				e := m.start(t, Config{Rate: rate})
				s := mustSubscribe(t, e.client, e.url+"/events")
				if got := e.srv.Stats().Subscribers; got != 1 {
					t.Fatalf("Subscribers = %d with one stream open, want 1", got)
				}
				if rate > 0 {
					s.mustNext(t)
				}
				s.resp.Body.Close()
				waitFor(t, probeInterval+5*time.Second, "Subscribers == 0", func() bool { return e.srv.Stats().Subscribers == 0 })
				if got := e.srv.Stats().SubscribersTotal; got != 1 {
					t.Errorf("SubscribersTotal = %d, want 1", got)
				}
				if ts := e.srv.TopicStats(); ts[0].Subscribers != 0 {
					t.Errorf("topic %s subscribers = %d, want 0", ts[0].Name, ts[0].Subscribers)
				}
			})
		})
	}
}

func TestServer_routes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{"GET", "/", http.StatusOK, ""}, // the index of the endpoints
		{"POST", "/", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"GET", "/nope", http.StatusNotFound, ""},
		{"GET", "/events?topic=a:b", http.StatusBadRequest, ""},
		{"GET", "/events?topic=", http.StatusBadRequest, ""},
		{"POST", "/events", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"DELETE", "/events", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"HEAD", "/events", http.StatusOK, ""},
		{"HEAD", "/events?topic=new", http.StatusOK, ""},
		{"GET", "/publish", http.StatusMethodNotAllowed, "POST"},
		{"PUT", "/publish/batch", http.StatusMethodNotAllowed, "POST"},
		{"POST", "/metrics", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"GET", "/healthz", http.StatusOK, ""},
		{"GET", "/stats", http.StatusOK, ""},
		{"GET", "/metrics", http.StatusOK, ""},
	}
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 10})
		for _, tt := range tests {
			code, _, h := e.do(t, tt.method, tt.path, "")
			if code != tt.wantStatus {
				t.Errorf("%s %s: status = %d, want %d", tt.method, tt.path, code, tt.wantStatus)
			}
			if got := h.Get("Allow"); got != tt.wantAllow {
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
	srv, err := New(Config{Rate: 50, Retry: time.Second})
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
	e := &env{m: "h1", srv: srv, url: "http://" + ln.Addr().String()}
	s := mustSubscribe(t, e.newClient(t, 0), e.url+"/events")
	if ev, err := s.event(); err != nil || ev.retry != "1000" {
		t.Errorf("first frame = %+v, %v; want retry: 1000", ev, err)
	}
	a, b := s.mustNext(t), s.mustNext(t)
	if b.id != a.id+1 {
		t.Errorf("ids %d, %d: want consecutive", a.id, b.id)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	for {
		if _, err := s.next(); err != nil {
			break // the stream ended
		}
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
	for {
		if _, err := s.next(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("after Close, next = %v, want io.EOF", err)
			}
			break
		}
	}
	if got := srv.Stats().Subscribers; got != 0 {
		t.Errorf("Subscribers = %d after Close, want 0", got)
	}
}

// TestServer_shutdown is not parallel: it counts goroutines. It serves
// every protocol from one listener, on each HTTP/2 engine, and shuts down
// with streams of each open.
func TestServer_shutdown(t *testing.T) {
	for _, engine := range H2Engines {
		t.Run(engine, func(t *testing.T) { testShutdown(t, engine) })
	}
}

func testShutdown(t *testing.T, engine string) {
	before := runtime.NumGoroutine()
	srv, err := New(Config{Rate: 50, ShutdownTimeout: 3 * time.Second, TLSSelfSigned: true, H2Engine: engine})
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
	var clients []*http.Client
	for _, m := range []mode{"h1", "h2c", "h2"} {
		e := &env{m: m, srv: srv, addr: ln.Addr().String(), url: "http://" + ln.Addr().String()}
		if m.tls() {
			e.url = "https://" + e.addr
		}
		c := e.newClient(t, 0)
		clients = append(clients, c)
		for range 3 {
			s := mustSubscribe(t, c, e.url+"/events")
			s.mustNext(t)
			streams = append(streams, s)
		}
	}
	// A connection that never says anything must not hold the shutdown
	// up for the read-header timeout (10 s).
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	time.Sleep(50 * time.Millisecond) // accepted, and waiting for its first byte
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return 10 s after its context was cancelled")
	}
	// HTTP/2 gives a client one second to close after GOAWAY, so a
	// shutdown can take that long even though every stream ends at once.
	if d := time.Since(start); d > srv.Config().ShutdownTimeout+time.Second {
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
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after shutdown, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServer_startAndShutdownWithDeadline(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 1000, Delay: 20 * time.Millisecond})
		s := mustSubscribe(t, e.client, e.url+"/events")
		s.mustNext(t)
		if code, body, _ := e.do(t, "GET", "/healthz", ""); code != http.StatusOK || body != "ok\n" {
			t.Errorf("GET /healthz = %d %q, want 200 ok", code, body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v, want nil", err)
		}
		// A Shutdown before the test's Close: Close must still work.
		s.resp.Body.Close()
	})
}
