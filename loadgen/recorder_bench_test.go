package loadgen

import (
	"bytes"
	"context"
	"fmt"
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
	agg := newAggregator(1, t0, time.Second, pl)
	cfg := Config{MaxEventBytes: DefaultMaxEventBytes, LatencyOptions: LatencyOptions{Latency: nsStamp}}
	s := &subscriber{cfg: &cfg, rec: agg.recs[0], agg: agg}
	b.ReportAllocs()
	b.SetBytes(int64(stream.Len() / max(b.N, 1)))
	b.ResetTimer()
	if err := s.read(context.Background(), &stream, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	pl.end(time.Now())
	agg.collect(time.Now(), true)
	if got := agg.totals[phaseRamp].c.events; got != uint64(b.N) {
		b.Fatalf("recorded %d events, want %d", got, b.N)
	}
}
