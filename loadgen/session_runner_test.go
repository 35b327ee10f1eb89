package loadgen

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun_slotReopenedAfterRampDown: stages that go down and up again
// close two slots' sessions and open new ones on the same slots, on each
// engine: the old session stops recording before the new one starts (one
// writer per Recorder, which -race checks), nothing counts as a failure,
// and the server sees exactly the streams the schedule asked for.
func TestRun_slotReopenedAfterRampDown(t *testing.T) {
	ms := time.Millisecond
	stages := Stages{{50 * ms, 4}, {300 * ms, 4}, {50 * ms, 2}, {300 * ms, 2}, {50 * ms, 4}, {300 * ms, 4}}
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var opened atomic.Int64
			ticking := tickingServer(10 * ms)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				opened.Add(1)
				ticking.ServeHTTP(w, r)
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, ShapeOptions: ShapeOptions{Stages: stages},
				LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := opened.Load(), int64(6); got != want {
				t.Errorf("server saw %d streams, want %d (4, then 2 reopened)", got, want)
			}
			if rep.Subscribers.Connected != 4 || len(rep.Errors) != 0 || rep.Subscribers.Dropped != 0 {
				t.Errorf("connected = %d, errors = %v, dropped = %d; want 4, none, 0", rep.Subscribers.Connected, rep.Errors, rep.Subscribers.Dropped)
			}
			if rep.Events.Received == 0 || rep.LatencyUS.Fanout.Count == 0 {
				t.Errorf("events = %d, fan-out count = %d; want both > 0", rep.Events.Received, rep.LatencyUS.Fanout.Count)
			}
		})
	}
}
