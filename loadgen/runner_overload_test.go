package loadgen

import (
	"fmt"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestRun_slowAggregatorEndsOnTime slows every aggregation down on purpose
// (400 ms each, on a 100 ms interval), as when the load generator is
// overloaded. The run must still end on time, by the driver's clock, and
// book every event in the phase and interval it arrived in.
func TestRun_slowAggregatorEndsOnTime(t *testing.T) {
	t.Parallel()
	const (
		subs     = 3
		duration = 600 * time.Millisecond
		slow     = 400 * time.Millisecond
	)
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			// Events start 200 ms after every subscriber connected, so all
			// of them are sent in the steady state.
			g := newGate(subs, 200*time.Millisecond)
			log := &arrivalLog{t0: time.Now()}
			url := startServer(t, log.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				g.arrive()
				if !g.wait(r) {
					return
				}
				tk := time.NewTicker(5 * time.Millisecond)
				defer tk.Stop()
				for seq := 1; ; seq++ {
					fmt.Fprintf(w, "id: %d\ndata: %d\n\n", seq, time.Now().UnixNano())
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
						return
					case <-tk.C:
					}
				}
			})))
			cfg := Config{URL: url, Protocol: proto, Subscribers: subs, Duration: duration, Interval: 100 * time.Millisecond,
				LatencyOptions: LatencyOptions{Latency: nsStamp}}
			cfg.slowCollect = func() { time.Sleep(slow) }
			rep, err := run(t, t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.DurationS != duration.Seconds() {
				t.Errorf("duration_s = %v, want exactly %v", rep.DurationS, duration.Seconds())
			}
			// The streams close on the driver's clock: about when the
			// steady state ends, not a slow aggregation later.
			log.mu.Lock()
			opens, ends := slices.Max(log.opens), slices.Max(log.ends)
			log.mu.Unlock()
			if held := ends - opens; held > duration+slow/2 {
				t.Errorf("streams held %s after the last connected, want about %s: the end waited for aggregation", held, duration)
			}

			var steadyEvents, allEvents uint64
			var steadyS float64
			for i, iv := range rep.Intervals {
				if i > 0 && iv.StartS != rep.Intervals[i-1].ElapsedS {
					t.Errorf("interval %d starts at %v, the previous ended at %v", i, iv.StartS, rep.Intervals[i-1].ElapsedS)
				}
				allEvents += iv.Events
				if iv.Phase == "steady" {
					steadyEvents += iv.Events
					steadyS += iv.ElapsedS - iv.StartS
				}
			}
			if steadyEvents != rep.Events.Received || allEvents != rep.Events.Received+rep.Ramp.Events {
				t.Errorf("intervals hold %d steady and %d events in all; the report %d steady and %d in the ramp",
					steadyEvents, allEvents, rep.Events.Received, rep.Ramp.Events)
			}
			if math.Abs(steadyS-rep.DurationS) > 1e-6 {
				t.Errorf("steady intervals span %v s, want the %v s steady state", steadyS, rep.DurationS)
			}
			// At 200 events/s per stream over the last 400 ms of the
			// steady state; only the events in flight at the end are in the
			// ramp-down.
			if rep.Events.Received < subs*40 || rep.Ramp.Events > rep.Events.Received/5 {
				t.Errorf("steady events = %d, ramp events = %d; want most of them steady", rep.Events.Received, rep.Ramp.Events)
			}
			if rep.LatencyUS.Fanout.Count != int64(rep.Events.Received) {
				t.Errorf("fanout count = %d, want one per steady event (%d)", rep.LatencyUS.Fanout.Count, rep.Events.Received)
			}
		})
	}
}

// TestRun_selfCheckFlagsABusyProcess runs while goroutines of the test
// spin on every P, as when the load generator has more to do than its cores
// allow: the self-check must say so and name the signal that decided.
func TestRun_selfCheckFlagsABusyProcess(t *testing.T) {
	// Not parallel: it takes every P for the length of the run.
	url := startServer(t, tickingServer(10*time.Millisecond))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := 0; i < 1e5; i++ {
					_ = i * i
				}
			}
		})
	}
	rep, err := run(t, t.Context(), Config{URL: url, Subscribers: 3, Duration: 700 * time.Millisecond})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	sc := rep.SelfCheck
	if !sc.Saturated || sc.Signal == "" || sc.Reason == "" || sc.Cause == "" {
		t.Fatalf("self_check = %+v, want saturated with its signal, cause and reason", sc)
	}
	if !hasWarning(rep.Warnings, sc.Reason) {
		t.Errorf("warnings = %q, want one giving the reason %q", rep.Warnings, sc.Reason)
	}
}
