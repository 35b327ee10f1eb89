package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitAll returns a handler wrapper whose streams start sending only once n
// subscribers are connected and the client has had settle to finish its
// ramp, so everything sent falls in the steady state.
type gate struct {
	n      int64
	settle time.Duration
	count  atomic.Int64
	open   chan struct{}
}

func newGate(n int, settle time.Duration) *gate {
	return &gate{n: int64(n), settle: settle, open: make(chan struct{})}
}

func (g *gate) arrive() {
	if g.count.Add(1) == g.n {
		time.AfterFunc(g.settle, func() { close(g.open) })
	}
}

func TestRun_exactCountsAndGaps(t *testing.T) {
	t.Parallel()
	// ids 1,2,3,5,6,9,9,10: 3 missing (4,7,8), 1 duplicate, 8 events.
	ids := []int{1, 2, 3, 5, 6, 9, 9, 10}
	const subs = 7
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			g := newGate(subs, 300*time.Millisecond)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				g.arrive()
				if !g.wait(r) {
					return
				}
				for _, id := range ids {
					fmt.Fprintf(w, "id: %d\ndata: %d\n\n", id, time.Now().UnixNano())
				}
				fmt.Fprint(w, ": heartbeat\n\n")
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: time.Second, LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rep.Events.Received, uint64(subs*len(ids)); got != want {
				t.Errorf("events.received = %d, want %d", got, want)
			}
			if got, want := rep.Events.Gaps, uint64(subs*3); got != want {
				t.Errorf("events.gaps = %d, want %d", got, want)
			}
			if got, want := rep.Events.Duplicates, uint64(subs); got != want {
				t.Errorf("events.duplicates = %d, want %d", got, want)
			}
			if got, want := rep.Events.Comments, uint64(subs); got != want {
				t.Errorf("events.comments = %d, want %d", got, want)
			}
			if got, want := rep.LatencyUS.Fanout.Count, int64(subs*len(ids)); got != want {
				t.Errorf("fanout.count = %d, want %d", got, want)
			}
			if got, want := rep.Subscribers.Connected, subs; got != want {
				t.Errorf("subscribers.connected = %d, want %d", got, want)
			}
			if rep.Subscribers.Failed != 0 || len(rep.Errors) != 0 {
				t.Errorf("failed = %d, errors = %v, want none", rep.Subscribers.Failed, rep.Errors)
			}
			if rep.LatencyUS.Connect.Count != subs || rep.LatencyUS.FirstEvent.Count != subs {
				t.Errorf("connect.count = %d, first_event.count = %d, want %d each", rep.LatencyUS.Connect.Count, rep.LatencyUS.FirstEvent.Count, subs)
			}
		})
	}
}

// startServer starts h on a loopback server speaking HTTP/1.1 and h2c.
func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := newTestServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/events"
}

func TestRun_fanoutLatencyGroundTruth(t *testing.T) {
	// Not parallel: the p50 bound is tight (max(1 ms, 5%) of D), so this
	// test runs while the package's parallel tests wait.
	//
	// The server stamps every event D in the past: the client must measure D
	// plus loopback delivery, which is far below 1 ms here.
	const d = 20 * time.Millisecond
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				tk := time.NewTicker(10 * time.Millisecond)
				defer tk.Stop()
				for seq := 1; ; seq++ {
					select {
					case <-r.Context().Done():
						return
					case <-tk.C:
					}
					fmt.Fprintf(w, "id: %d\ndata: %d\n\n", seq, time.Now().Add(-d).UnixNano())
					w.(http.Flusher).Flush()
				}
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 20, Duration: time.Second, LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			f := rep.LatencyUS.Fanout
			want := d.Microseconds()
			tol := max(int64(1000), want/20)
			if f.P50 < want || f.P50 > want+tol {
				t.Errorf("fanout p50 = %d µs, want %d µs within +%d µs", f.P50, want, tol)
			}
			if f.Min < want {
				t.Errorf("fanout min = %d µs, below the %d µs ground truth", f.Min, want)
			}
			// Enough samples for a median; a busy CI box ticks late, so
			// the count is not the point here.
			if f.Count < 20*30 {
				t.Errorf("fanout count = %d, want at least %d (nominal %d)", f.Count, 20*30, 20*100)
			}
			if rep.Events.Gaps != 0 || rep.Events.Duplicates != 0 {
				t.Errorf("gaps = %d, duplicates = %d, want 0", rep.Events.Gaps, rep.Events.Duplicates)
			}
		})
	}
}

func TestRun_failuresAreClassified(t *testing.T) {
	t.Parallel()
	// A port with nothing listening: grab one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String() + "/events"
	ln.Close()

	tests := []struct {
		name    string
		handler http.HandlerFunc // nil: use deadURL
		class   string
		timeout time.Duration
	}{
		{name: "unreachable", class: ClassDial},
		{name: "404", class: ClassStatus, handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{name: "html", class: ClassContentType, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html></html>")
		}},
		{name: "stall", class: ClassTimeout, timeout: 300 * time.Millisecond, handler: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers
		}},
	}
	for _, tt := range tests {
		for _, proto := range protocols {
			t.Run(tt.name+"/"+proto, func(t *testing.T) {
				t.Parallel()
				url := deadURL
				if tt.handler != nil {
					url = startServer(t, tt.handler)
				}
				start := time.Now()
				// A long steady state: with every subscriber failed and
				// none to reconnect, the run ends at once instead.
				rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 3, Duration: time.Minute, ConnectTimeout: tt.timeout})
				if !errors.Is(err, ErrNothingMeasured) {
					t.Errorf("err = %v, want ErrNothingMeasured", err)
				}
				if got := rep.Errors[tt.class]; got != 3 {
					t.Errorf("errors[%q] = %d, want 3 (errors: %v)", tt.class, got, rep.Errors)
				}
				if rep.Subscribers.Failed != 3 || rep.Subscribers.Connected != 0 {
					t.Errorf("failed = %d, connected = %d, want 3, 0", rep.Subscribers.Failed, rep.Subscribers.Connected)
				}
				if rep.ErrorSamples[tt.class] == "" {
					t.Errorf("no error sample for %q", tt.class)
				}
				if el := time.Since(start); el > 5*time.Second {
					t.Errorf("run took %s, want it bounded", el)
				}
			})
		}
	}
}

func TestRun_streamFailuresAfterConnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		class string
		send  func(w http.ResponseWriter)
	}{
		{name: "eof", class: ClassEOF, send: func(w http.ResponseWriter) {
			fmt.Fprint(w, "id: 1\ndata: x\n\n")
		}},
		{name: "too_large", class: ClassTooLarge, send: func(w http.ResponseWriter) {
			fmt.Fprintf(w, "data: %s\n\n", strings.Repeat("x", 4096))
			w.(http.Flusher).Flush()
			time.Sleep(time.Second)
		}},
		{name: "reset", class: ClassRead, send: func(w http.ResponseWriter) {
			fmt.Fprint(w, "id: 1\ndata: x\n\n")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
	}
	for _, tt := range tests {
		for _, proto := range protocols {
			t.Run(tt.name+"/"+proto, func(t *testing.T) {
				t.Parallel()
				g := newGate(2, 200*time.Millisecond)
				url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sseHeaders(w)
					g.arrive()
					if !g.wait(r) {
						return
					}
					tt.send(w)
				}))
				rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 2, Duration: 500 * time.Millisecond, MaxEventBytes: 1024})
				if err != nil {
					t.Fatal(err)
				}
				if got := rep.Errors[tt.class]; got != 2 {
					t.Errorf("errors[%q] = %d, want 2 (errors: %v, samples: %v)", tt.class, got, rep.Errors, rep.ErrorSamples)
				}
				if rep.Subscribers.Connected != 2 || rep.Subscribers.Dropped != 2 {
					t.Errorf("connected = %d, dropped = %d, want 2, 2", rep.Subscribers.Connected, rep.Subscribers.Dropped)
				}
			})
		}
	}
}

func TestRun_interruptStillReports(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				for seq := 1; ; seq++ {
					select {
					case <-r.Context().Done():
						return
					case <-time.After(5 * time.Millisecond):
					}
					fmt.Fprintf(w, "id: %d\ndata: %d\n\n", seq, time.Now().UnixNano())
					w.(http.Flusher).Flush()
				}
			}))
			ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
			defer cancel()
			start := time.Now()
			rep, err := run(t, ctx, Config{URL: url, Protocol: proto, Subscribers: 5, Duration: time.Minute, LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("interrupted run took %s", el)
			}
			if !rep.Interrupted {
				t.Error("report not marked interrupted")
			}
			if rep.Events.Received == 0 || rep.LatencyUS.Fanout.Count == 0 {
				t.Errorf("events = %d, fanout count = %d: the interrupted run lost its measurements", rep.Events.Received, rep.LatencyUS.Fanout.Count)
			}
			if len(rep.Errors) != 0 {
				t.Errorf("errors = %v: stopping is not a failure", rep.Errors)
			}
		})
	}
}

func TestRun_noLatencySourceSaysSo(t *testing.T) {
	t.Parallel()
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		fmt.Fprint(w, "data: hello\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	rep, err := run(t, t.Context(), Config{URL: url, Subscribers: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range rep.Warnings {
		found = found || strings.Contains(w, "fan-out latency was not measured")
	}
	if !found {
		t.Errorf("warnings = %q, want one saying fan-out latency was not measured", rep.Warnings)
	}
}

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"ok", Config{URL: "http://127.0.0.1:1/events"}, ""},
		{"no url", Config{}, "URL is required"},
		{"bad scheme", Config{URL: "ftp://x/"}, "want http://"},
		{"negative subscribers", Config{URL: "http://x/", Subscribers: -1}, "--subscribers"},
		{"bad protocol", Config{URL: "http://x/", Protocol: "h3"}, "--protocol"},
		{"negative duration", Config{URL: "http://x/", Duration: -time.Second}, "--duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkValidate(t, tt.cfg.Validate(), tt.want)
		})
	}
}
