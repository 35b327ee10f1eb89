package loadgen

import (
	"math"
	"sync"
	"testing"
	"time"
	"unsafe"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// testAgg is an aggregator on a 100 ms grid whose clock the test drives:
// times are offsets from t0.
type testAgg struct {
	t0  time.Time
	pl  *phaseLog
	agg *aggregator
	ivs []result.Interval
}

func newTestAgg(tb testing.TB, subs int) *testAgg {
	tb.Helper()
	ta := &testAgg{t0: time.Now()}
	ta.pl = newPhaseLog(ta.t0)
	ta.agg = newAggregator(subs, ta.t0, 100*time.Millisecond, ta.pl)
	ta.agg.onTick = func(iv result.Interval, _ time.Time) { ta.ivs = append(ta.ivs, iv) }
	return ta
}

func (ta *testAgg) at(ms float64) time.Time {
	return ta.t0.Add(time.Duration(ms * float64(time.Millisecond)))
}

// steadyTotals merges the histograms of the steady intervals emitted so far
// and sums their events.
func steadyTotals(tb testing.TB, ivs []result.Interval) (*hdrhistogram.Histogram, uint64) {
	tb.Helper()
	h := result.NewLatencyHistogram()
	var n uint64
	for _, iv := range ivs {
		if iv.Phase != "steady" {
			continue
		}
		ih, err := iv.FanoutHistogram()
		if err != nil {
			tb.Fatal(err)
		}
		h.Merge(ih)
		n += iv.Events
	}
	return h, n
}

func TestAggregator_booksByReceiveTime(t *testing.T) {
	t.Parallel()
	ta := newTestAgg(t, 2)
	// Two subscribers receive an event every 10 ms from 5 ms to 895 ms,
	// with latency = the event's ms, so every interval's content is known.
	// The steady state runs from 230 ms to 470 ms, then a ramp-down.
	// Aggregation is as late as it gets: everything was recorded (and the
	// phases switched) before the first collect.
	ta.pl.record(phaseSteady, ta.at(230))
	ta.pl.record(phaseRampDown, ta.at(470))
	for ms := 5; ms < 900; ms += 10 {
		for _, r := range ta.agg.recs {
			r.event(ta.at(float64(ms)), int64(ms), false, 10_000, 100, 0, 0)
		}
	}
	ta.pl.end(ta.at(900))
	ta.agg.collect(ta.at(950), true)

	want := []struct {
		start, end float64 // ms
		phase      string
		events     uint64
	}{
		{0, 100, "ramp", 20}, {100, 200, "ramp", 20}, {200, 230, "ramp", 6},
		{230, 300, "steady", 14}, {300, 400, "steady", 20}, {400, 470, "steady", 14},
		{470, 500, "ramp-down", 6}, {500, 600, "ramp-down", 20}, {600, 700, "ramp-down", 20},
		{700, 800, "ramp-down", 20}, {800, 900, "ramp-down", 20}, {900, 950, "ramp-down", 0},
	}
	if len(ta.ivs) != len(want) {
		t.Fatalf("got %d intervals, want %d: %+v", len(ta.ivs), len(want), ta.ivs)
	}
	for i, w := range want {
		iv := ta.ivs[i]
		if math.Abs(iv.StartS*1000-w.start) > 1e-6 || math.Abs(iv.ElapsedS*1000-w.end) > 1e-6 || iv.Phase != w.phase || iv.Events != w.events {
			t.Errorf("interval %d = [%g, %g) ms %s %d events, want [%g, %g) %s %d",
				i, iv.StartS*1000, iv.ElapsedS*1000, iv.Phase, iv.Events, w.start, w.end, w.phase, w.events)
		}
		if iv.Bytes != 100*iv.Events {
			t.Errorf("interval %d bytes = %d, want %d", i, iv.Bytes, 100*iv.Events)
		}
	}
	steady := ta.agg.totals[phaseSteady]
	if got, want := steady.c.events, uint64(2*24); got != want {
		t.Errorf("steady events = %d, want %d", got, want)
	}
	if lo, hi := steady.fanout.Min(), steady.fanout.Max(); lo != 235 || hi != 465 {
		t.Errorf("steady latencies span %d..%d, want exactly the events at 235..465 ms", lo, hi)
	}
	h, n := steadyTotals(t, ta.ivs)
	if n != steady.c.events || !h.Equals(steady.fanout) {
		t.Errorf("steady intervals merge to %d events (%d samples), want the headline's %d (%d samples)",
			n, h.TotalCount(), steady.c.events, steady.fanout.TotalCount())
	}
	if got, want := ta.agg.inter.TotalCount(), int64(2*24); got != want {
		t.Errorf("inter-event samples = %d, want %d (steady only)", got, want)
	}
	if ta.agg.late != 0 {
		t.Errorf("late = %d, want 0", ta.agg.late)
	}
	if d, _ := ta.pl.steadyElapsed(ta.at(950)); d != 240*time.Millisecond {
		t.Errorf("steady duration = %s, want 240ms", d)
	}
}

func TestAggregator_waitsForTheHorizon(t *testing.T) {
	t.Parallel()
	ta := newTestAgg(t, 1)
	r := ta.agg.recs[0]
	// The event at 60 ms is recorded before the driver has reported the
	// switch at 50 ms: it must not be booked in the ramp.
	ta.pl.mark(ta.at(40))
	r.event(ta.at(30), 30, false, -1, 10, 0, 0)
	r.event(ta.at(60), 60, false, -1, 10, 0, 0)
	ta.agg.collect(ta.at(45), false)
	if got := ta.agg.segs[0].c.events; got != 1 {
		t.Fatalf("booked %d events before the horizon, want 1", got)
	}
	ta.pl.record(phaseSteady, ta.at(50))
	ta.pl.end(ta.at(100))
	ta.agg.collect(ta.at(100), true)
	if got := ta.agg.totals[phaseSteady].c.events; got != 1 {
		t.Errorf("steady events = %d, want 1 (the event at 60 ms)", got)
	}
	if got := ta.agg.totals[phaseRamp].c.events; got != 1 {
		t.Errorf("ramp events = %d, want 1 (the event at 30 ms)", got)
	}
}

func TestAggregator_lateEntryIsCounted(t *testing.T) {
	t.Parallel()
	ta := newTestAgg(t, 1)
	r := ta.agg.recs[0]
	r.event(ta.at(10), 10, false, -1, 10, 0, 0)
	ta.pl.mark(ta.at(400))
	ta.agg.collect(ta.at(400), false) // emits [0,100), [100,200), [200,300)
	if len(ta.ivs) != 3 {
		t.Fatalf("emitted %d intervals, want 3", len(ta.ivs))
	}
	// A reader preempted for 300 ms between its read and its record.
	r.event(ta.at(20), 20, false, -1, 10, 0, 0)
	ta.pl.end(ta.at(450))
	ta.agg.collect(ta.at(450), true)
	if ta.agg.late != 1 {
		t.Errorf("late = %d, want 1", ta.agg.late)
	}
	var n uint64
	for _, iv := range ta.ivs {
		n += iv.Events
	}
	if n != 2 || ta.agg.totals[phaseRamp].c.events != 2 {
		t.Errorf("intervals hold %d events, totals %d; want 2 each", n, ta.agg.totals[phaseRamp].c.events)
	}
}

func TestAggregator_notesAndPresence(t *testing.T) {
	t.Parallel()
	ta := newTestAgg(t, 3)
	rs := ta.agg.recs
	// Slot 0 holds a stream through the steady state; slot 1 only during
	// the ramp; slot 2 joins in the steady state and gets no event.
	rs[0].setUp(ta.at(1), true)
	rs[1].setUp(ta.at(2), true)
	rs[1].event(ta.at(20), -1, false, -1, 10, 3, 0)
	rs[1].setUp(ta.at(90), false)
	ta.pl.record(phaseSteady, ta.at(100))
	rs[2].setUp(ta.at(150), true)
	rs[0].event(ta.at(160), -1, true, -1, 10, 0, 1)
	rs[0].extra(ta.at(170), 7, 2, 1)
	rs[0].lost(ta.at(160), 4)
	ta.pl.end(ta.at(300))
	rs[0].setUp(ta.at(301), false)
	rs[2].setUp(ta.at(302), false)
	ta.agg.collect(ta.at(310), true)

	want := counters{events: 1, bytes: 17, duplicates: 1, comments: 2, latencyOutOfRange: 1, errors: 1, lost: 4}
	if got := ta.agg.totals[phaseSteady].c; got != want {
		t.Errorf("steady counters = %+v, want %+v", got, want)
	}
	if got := ta.agg.totals[phaseRamp].c; got != (counters{events: 1, bytes: 10, gaps: 3}) {
		t.Errorf("ramp counters = %+v", got)
	}
	h := ta.agg.perSubscriber()
	if h.TotalCount() != 2 || h.Min() != 0 || h.Max() != 1 {
		t.Errorf("per-subscriber: %d slots, %d..%d events; want 2 slots (0 and 1 events)", h.TotalCount(), h.Min(), h.Max())
	}
	conn := map[float64]int{}
	for _, iv := range ta.ivs {
		conn[iv.ElapsedS] = iv.Connected
	}
	if conn[0.1] != 1 || conn[0.2] != 2 || conn[0.31] != 0 {
		t.Errorf("connected at 100, 200, 310 ms = %d, %d, %d; want 1, 2, 0", conn[0.1], conn[0.2], conn[0.31])
	}
}

// TestRecorder_takeWhileRecording races one writer against the aggregator:
// nothing is lost or booked twice.
func TestRecorder_takeWhileRecording(t *testing.T) {
	t.Parallel()
	ta := newTestAgg(t, 1)
	r := ta.agg.recs[0]
	const n = 200_000
	ta.pl.horizon.Store(math.MaxInt64 - 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			at := ta.at(float64(i) / 1000) // 1 µs apart
			r.event(at, int64(i%1000), false, -1, 3, 0, 0)
			if i%100 == 0 {
				r.extra(at, 0, 1, 0)
			}
		}
	})
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	for loop := true; loop; {
		select {
		case <-done:
			loop = false
		default:
			ta.agg.collect(ta.at(0), false)
		}
	}
	ta.pl.end(ta.at(1000))
	ta.agg.collect(ta.at(1000), true)
	c := ta.agg.totals[phaseRamp].c
	if c.events != n || c.bytes != 3*n || c.comments != n/100 {
		t.Errorf("events %d, bytes %d, comments %d; want %d, %d, %d", c.events, c.bytes, c.comments, n, 3*n, n/100)
	}
	if got := ta.agg.totals[phaseRamp].fanout.TotalCount(); got != n {
		t.Errorf("latency samples = %d, want %d", got, n)
	}
}

// TestRecorder_size keeps a Recorder to one cache line: writers of
// neighbouring Recorders must not share one.
func TestRecorder_size(t *testing.T) {
	t.Parallel()
	if got := unsafe.Sizeof(Recorder{}); got != 64 {
		t.Errorf("Recorder is %d bytes, want 64", got)
	}
}

// TestRecorder_smallBatchesWhenQuiet: a quiet writer's batches are small,
// a busy one's full-size.
func TestRecorder_smallBatchesWhenQuiet(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	r := newRecorder(t0)
	r.event(t0, 1, false, -1, 1, 0, 0)
	if c := cap(r.active.Load().ev); c != smallBatchEntries {
		t.Errorf("first batch holds %d, want %d", c, smallBatchEntries)
	}
	for range smallBatchEntries {
		r.event(t0, 1, false, -1, 1, 0, 0)
	}
	if c := cap(r.active.Load().ev); c != batchEntries {
		t.Errorf("batch after a full one holds %d, want %d", c, batchEntries)
	}
	bs := r.take(nil)
	if len(bs) != 2 || len(bs[0].ev)+len(bs[1].ev) != smallBatchEntries+1 {
		t.Errorf("took %d batches, want the full small one and the new one", len(bs))
	}
	r.event(t0, 1, false, -1, 1, 0, 0)
	if c := cap(r.active.Load().ev); c != smallBatchEntries {
		t.Errorf("batch after a partial one holds %d, want %d", c, smallBatchEntries)
	}
}
