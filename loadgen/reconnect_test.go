package loadgen

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sendEvents writes events with the given ids (data: a publish stamp) and
// flushes.
func sendEvents(w http.ResponseWriter, ids ...int) {
	for _, id := range ids {
		fmt.Fprintf(w, "id: %d\ndata: %d\n\n", id, time.Now().UnixNano())
	}
	w.(http.Flusher).Flush()
}

func TestRun_reconnectResumesWithLastEventID(t *testing.T) {
	// Ground truth: each subscriber's first stream sets retry: 50 and sends
	// ids 1..5, then ends. The subscriber must come back after 50 ms (not
	// the 5 s --reconnect-delay) with Last-Event-ID: 5; the server resumes
	// at 8, so ids 6 and 7 are lost: 1 reconnect and 2 lost per subscriber.
	const subs = 3
	const retry = 50 * time.Millisecond
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			g := newGate(subs, 300*time.Millisecond)
			var badID atomic.Int64
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				switch id := r.Header.Get("Last-Event-ID"); id {
				case "":
					g.arrive()
					if !g.wait(r) {
						return
					}
					fmt.Fprintf(w, "retry: %d\n\n", retry.Milliseconds())
					sendEvents(w, 1, 2, 3, 4, 5)
					return // ends the stream
				case "5":
					sendEvents(w, 8, 9, 10)
				default:
					badID.Add(1)
				}
				<-r.Context().Done()
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: 1500 * time.Millisecond,
				ShapeOptions: ShapeOptions{ReconnectDelay: 5 * time.Second}, LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			if n := badID.Load(); n != 0 {
				t.Errorf("%d reconnections sent a Last-Event-ID other than 5", n)
			}
			checks := []struct {
				name      string
				got, want int64
			}{
				{"subscribers.reconnects", rep.Subscribers.Reconnects, subs},
				{"events.lost_on_reconnect", int64(rep.Events.LostOnReconnect), 2 * subs},
				{"events.gaps", int64(rep.Events.Gaps), 2 * subs},
				{"events.received", int64(rep.Events.Received), 8 * subs},
				{"events.duplicates", int64(rep.Events.Duplicates), 0},
				{"errors.eof", rep.Errors[ClassEOF], subs},
				{"subscribers.connected", int64(rep.Subscribers.Connected), subs},
				{"subscribers.dropped", int64(rep.Subscribers.Dropped), 0},
				{"latency_us.reconnect.count", rep.LatencyUS.Reconnect.Count, subs},
				{"latency_us.connect.count", rep.LatencyUS.Connect.Count, 2 * subs},
				{"latency_us.headers.count", rep.LatencyUS.Headers.Count, 2 * subs},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
				}
			}
			var ivRec int64
			for _, iv := range rep.Intervals {
				ivRec += iv.Reconnects
			}
			if ivRec != rep.Subscribers.Reconnects {
				t.Errorf("intervals' reconnects add up to %d, want %d", ivRec, rep.Subscribers.Reconnects)
			}
			rc := rep.LatencyUS.Reconnect
			if rc.Min < retry.Microseconds() || rc.Max >= (5*time.Second).Microseconds() {
				t.Errorf("reconnect time %d..%d µs, want >= %d µs (the server's retry) and < 5 s (--reconnect-delay)", rc.Min, rc.Max, retry.Microseconds())
			}
		})
	}
}

func TestRun_reconnectRetriesNetworkFailures(t *testing.T) {
	// The first reconnection is cut before its headers (a network failure):
	// it is retried, and the second one succeeds.
	const delay = 40 * time.Millisecond
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var (
				arrivals atomic.Int64
				mu       sync.Mutex
				attempts = map[string]int{} // reconnection attempts by Last-Event-ID
			)
			g := newGate(2, 200*time.Millisecond)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id := r.Header.Get("Last-Event-ID")
				if id == "" {
					// Each subscriber gets its own id, so that its
					// reconnections can be told apart.
					k := int(arrivals.Add(1))
					sseHeaders(w)
					g.arrive()
					if !g.wait(r) {
						return
					}
					sendEvents(w, 100*k)
					return
				}
				mu.Lock()
				attempts[id]++
				n := attempts[id]
				mu.Unlock()
				if n == 1 {
					panic(http.ErrAbortHandler) // no headers: a reset
				}
				sseHeaders(w)
				<-r.Context().Done()
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 2, Duration: time.Second,
				ShapeOptions: ShapeOptions{ReconnectDelay: delay}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rep.Subscribers.Reconnects, int64(2); got != want {
				t.Errorf("reconnects = %d, want %d (errors %v)", got, want, rep.Errors)
			}
			if got := rep.Errors[ClassProtocol] + rep.Errors[ClassRead]; got != 2 {
				t.Errorf("failed reconnection attempts = %d, want 2 (errors %v)", got, rep.Errors)
			}
			if rep.Subscribers.Dropped != 0 || rep.Subscribers.Failed != 0 {
				t.Errorf("dropped = %d, failed = %d, want 0, 0", rep.Subscribers.Dropped, rep.Subscribers.Failed)
			}
			if rc := rep.LatencyUS.Reconnect; rc.Min < (2 * delay).Microseconds() {
				t.Errorf("reconnect time min = %d µs, want >= 2 delays (%d µs): the retry waits again", rc.Min, (2 * delay).Microseconds())
			}
		})
	}
}

func TestRun_noContentStopsReconnecting(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int64
			g := newGate(2, 200*time.Millisecond)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if r.Header.Get("Last-Event-ID") != "" {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				sseHeaders(w)
				g.arrive()
				if !g.wait(r) {
					return
				}
				sendEvents(w, 1)
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 2, Duration: 800 * time.Millisecond,
				ShapeOptions: ShapeOptions{ReconnectDelay: 20 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := requests.Load(), int64(4); got != want {
				t.Errorf("server saw %d requests, want %d: a 204 must stop reconnection", got, want)
			}
			if got, want := rep.Errors[ClassNoContent], int64(2); got != want {
				t.Errorf("errors[%q] = %d, want %d (errors %v)", ClassNoContent, got, want, rep.Errors)
			}
			if rep.Subscribers.Reconnects != 0 || rep.Subscribers.Dropped != 2 || rep.Subscribers.Connected != 2 {
				t.Errorf("reconnects = %d, dropped = %d, connected = %d, want 0, 2, 2", rep.Subscribers.Reconnects, rep.Subscribers.Dropped, rep.Subscribers.Connected)
			}
			if rep.LatencyUS.Headers.Count != 4 {
				t.Errorf("headers count = %d, want 4 (the 204s got headers too)", rep.LatencyUS.Headers.Count)
			}
			if !hasWarning(rep.Warnings, "204 No Content") {
				t.Errorf("warnings = %q, want one about the 204s", rep.Warnings)
			}
		})
	}
}

func TestRun_noReconnect(t *testing.T) {
	var requests atomic.Int64
	g := newGate(3, 200*time.Millisecond)
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		sseHeaders(w)
		g.arrive()
		if !g.wait(r) {
			return
		}
		sendEvents(w, 1)
	}))
	rep, err := run(t, t.Context(), Config{URL: url, Subscribers: 3, Duration: 600 * time.Millisecond,
		ShapeOptions: ShapeOptions{NoReconnect: true, ReconnectDelay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := requests.Load(), int64(3); got != want {
		t.Errorf("server saw %d requests, want %d with --no-reconnect", got, want)
	}
	if rep.Subscribers.Reconnects != 0 || rep.Subscribers.Dropped != 3 || rep.Errors[ClassEOF] != 3 {
		t.Errorf("reconnects = %d, dropped = %d, errors = %v; want 0, 3, eof 3", rep.Subscribers.Reconnects, rep.Subscribers.Dropped, rep.Errors)
	}
	if !hasWarning(rep.Warnings, "--no-reconnect") {
		t.Errorf("warnings = %q, want one naming --no-reconnect", rep.Warnings)
	}
}

func TestRun_initialFailureIsNotRetried(t *testing.T) {
	var requests atomic.Int64
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		panic(http.ErrAbortHandler)
	}))
	rep, _ := run(t, t.Context(), Config{URL: url, Subscribers: 2, Duration: 300 * time.Millisecond,
		ShapeOptions: ShapeOptions{ReconnectDelay: 10 * time.Millisecond}})
	if got := requests.Load(); got != 2 {
		t.Errorf("server saw %d requests, want 2: a first attempt is not retried", got)
	}
	if rep.Subscribers.Failed != 2 || rep.Subscribers.Dropped != 0 {
		t.Errorf("failed = %d, dropped = %d, want 2, 0", rep.Subscribers.Failed, rep.Subscribers.Dropped)
	}
}

// wait blocks until the gate opens or the request ends; false means the
// request ended first. A handler must never outlive its client: a blocked
// handler would hang the test server's Close.
func (g *gate) wait(r *http.Request) bool {
	select {
	case <-g.open:
		return true
	case <-r.Context().Done():
		return false
	}
}

// hasWarning tells whether a warning contains sub.
func hasWarning(ws []string, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}
