package loadgen

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"
)

// BenchmarkSubscriber_read measures the per-event path: parse, sequence
// and gap checks, latency, inter-event gap, Recorder. One op is one event;
// the goal is 0 allocs/op (the Reader's buffers are allocated once per
// stream, which b.N events amortise).
func BenchmarkSubscriber_read(b *testing.B) {
	var stream bytes.Buffer
	stamp := time.Now().UnixNano()
	for i := range b.N {
		fmt.Fprintf(&stream, "id: %d\ndata: %d payload-payload-payload\n\n", i+1, stamp)
	}
	t0 := time.Now()
	pl := newPhaseLog(t0)
	agg := newAggregator(1, t0, 100*time.Millisecond, pl)
	cfg := Config{MaxEventBytes: DefaultMaxEventBytes, LatencyOptions: LatencyOptions{Latency: nsStamp}}
	s := &subscriber{cfg: &cfg, rec: agg.recs[0], agg: agg}
	// The aggregator collects on its own goroutine, as in a run, so
	// batches go back to the pool; every switch is known (no driver).
	pl.horizon.Store(math.MaxInt64 - 1)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		agg.run(stop)
	}()
	b.ReportAllocs()
	b.SetBytes(int64(stream.Len() / max(b.N, 1)))
	b.ResetTimer()
	s.begin(func() {})
	s.startNS = s.rec.since(time.Now())
	if err := s.read(&stream); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	close(stop)
	<-done
	pl.end(time.Now())
	agg.collect(time.Now(), true)
	if got := agg.totals[phaseRamp].c.events; got != uint64(b.N) {
		b.Fatalf("recorded %d events, want %d", got, b.N)
	}
}

// BenchmarkRecorder_event measures recording alone: one op is one event
// with a latency and an inter-event gap, handed over to the aggregator in
// batches. The aggregator's side is BenchmarkAggregator_book.
func BenchmarkRecorder_event(b *testing.B) {
	t0 := time.Now()
	pl := newPhaseLog(t0)
	agg := newAggregator(1, t0, time.Second, pl)
	r := agg.recs[0]
	var batches []*batch
	// Receive times come with each event (sse.Event.At); build them
	// beforehand so the loop measures recording only.
	ats := make([]time.Time, 4096)
	for i := range ats {
		ats[i] = t0.Add(time.Duration(i) * time.Microsecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.event(ats[i%len(ats)], int64(i%5000), false, 1000, 64, 0, 0)
		if i%4096 == 4095 {
			// Keep the batches from piling up, as the aggregator would.
			batches = r.take(batches[:0])
			for _, bt := range batches {
				bt.release()
			}
		}
	}
}

// BenchmarkAggregator_book measures booking: one op is one event moved from
// a Recorder's batches into its interval's and phase's histograms, on the
// aggregator's goroutine.
func BenchmarkAggregator_book(b *testing.B) {
	t0 := time.Now()
	pl := newPhaseLog(t0)
	agg := newAggregator(1, t0, time.Second, pl)
	pl.record(phaseSteady, t0)
	r := agg.recs[0]
	for i := range b.N {
		// Spread over 10 s so intervals are cut and emitted as in a run.
		r.event(t0.Add(time.Duration(i)*10*time.Second/time.Duration(b.N)), int64(i%5000), false, 1000, 64, 0, 0)
	}
	pl.end(t0.Add(10 * time.Second))
	b.ReportAllocs()
	b.ResetTimer()
	agg.collect(t0.Add(10*time.Second), true)
	b.StopTimer()
	if got := agg.totals[phaseSteady].c.events; got != uint64(b.N) {
		b.Fatalf("booked %d events, want %d", got, b.N)
	}
}
