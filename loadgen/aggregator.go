package loadgen

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// Phases of a run; measurements are kept apart per phase.
const (
	phaseRamp   = 0 // outside the steady state: ramps, stage changes, the end
	phaseSteady = 1 // a plateau of the schedule with every subscriber answered
	phaseCount  = 2
)

// phaseTotals are the measurements of one phase. (Inter-event gaps stay in
// the shards until the end; see shard.steady.)
type phaseTotals struct {
	c      counters
	fanout *hdrhistogram.Histogram
}

// aggregator collects what the Recorders hold, interval by interval. tick
// is called from the ticker goroutine and once at the end, setPhase from
// the driver; tickMu serialises them, so the time series and the onTick
// calls see the same intervals in the same order, and mu guards the state
// that readers such as steadyElapsed share.
type aggregator struct {
	tickMu sync.Mutex
	// onTick, when set, receives every interval appended to the series,
	// under tickMu; it must not block.
	onTick func(iv result.Interval, now time.Time)

	mu       sync.Mutex
	recs     []*Recorder
	shards   []*shard
	phase    int
	steady   time.Time     // when the current steady window began; zero outside one
	steadyD  time.Duration // length of the closed steady windows
	totals   [phaseCount]phaseTotals
	interval *hdrhistogram.Histogram // fan-out latencies of the interval being built
	ivC      counters                // counters of the interval being built
	scratch  *hdrhistogram.Histogram // fan-out latencies since the last collect
	start    time.Time
	last     time.Time
	series   []result.Interval
	// perSub counts each slot's events in the steady state; present marks
	// the slots that held a stream at some moment of it.
	perSub  []uint64
	present []bool

	// Per-connection measurements: rare, so one lock is fine.
	connMu       sync.Mutex
	connect      *hdrhistogram.Histogram
	firstEvent   *hdrhistogram.Histogram
	headers      *hdrhistogram.Histogram
	reconnect    *hdrhistogram.Histogram
	errs         map[string]int64
	samples      map[string]string
	intervalErrs int64
	reconnects   int64 // successful reconnections over the run
	intervalRec  int64 // successful reconnections since the last collect

	connected int // subscribers holding a stream now, guarded by connMu
	// connectedAtEnd is connected when the run ended (ended is set), what
	// the last interval reports: it is ticked after the streams closed.
	connectedAtEnd int
	ended          bool
	dropped        int // sessions that ended having lost their stream, guarded by connMu
	// everConn and failed are filled by the runner at the end, from its
	// slots: a slot that got a stream at least once, and one that was
	// answered but never got one.
	everConn int
	failed   int

	// replay keeps the latency of events replayed after a reconnect apart
	// (replay.go).
	replay replayLog
}

func newAggregator(n, nshards int, start time.Time) *aggregator {
	a := &aggregator{
		recs:       make([]*Recorder, n),
		shards:     make([]*shard, nshards),
		interval:   result.NewLatencyHistogram(),
		scratch:    result.NewLatencyHistogram(),
		start:      start,
		last:       start,
		perSub:     make([]uint64, n),
		present:    make([]bool, n),
		connect:    result.NewLatencyHistogram(),
		firstEvent: result.NewLatencyHistogram(),
		headers:    result.NewLatencyHistogram(),
		reconnect:  result.NewLatencyHistogram(),
		errs:       map[string]int64{},
		samples:    map[string]string{},
	}
	for i := range a.shards {
		a.shards[i] = &shard{h: result.NewLatencyHistogram(), inter: result.NewLatencyHistogram()}
	}
	for i := range a.recs {
		a.recs[i] = newRecorder(a.shards[i%nshards])
	}
	for i := range a.totals {
		a.totals[i].fanout = result.NewLatencyHistogram()
	}
	return a
}

// collect drains every Recorder and shard into the current phase's totals
// and into the interval being built.
func (a *aggregator) collect() {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := &a.totals[a.phase]
	var c counters
	for i, r := range a.recs {
		rc, up := r.drain()
		c.add(rc)
		if a.phase == phaseSteady {
			a.perSub[i] += rc.events
			a.present[i] = a.present[i] || up
		}
	}
	a.scratch.Reset()
	for _, s := range a.shards {
		s.mu.Lock()
		a.scratch.Merge(s.h)
		s.h.Reset()
		s.mu.Unlock()
	}
	t.c.add(c)
	t.fanout.Merge(a.scratch)
	a.ivC.add(c)
	a.interval.Merge(a.scratch)
}

// emit ends the interval being built at now and returns it.
func (a *aggregator) emit(now time.Time) result.Interval {
	a.connMu.Lock()
	connected := a.connected
	if a.ended {
		connected = a.connectedAtEnd
	}
	errs, recs := a.intervalErrs, a.intervalRec
	a.intervalErrs, a.intervalRec = 0, 0
	a.connMu.Unlock()

	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.ivC
	secs := now.Sub(a.last).Seconds()
	a.last = now
	iv := result.Interval{
		ElapsedS:    now.Sub(a.start).Seconds(),
		Connected:   connected,
		Events:      c.events,
		Bytes:       c.bytes,
		FanoutP50US: a.interval.ValueAtQuantile(50),
		FanoutP99US: a.interval.ValueAtQuantile(99),
		FanoutHDR:   result.EncodeHDR(a.interval), // for --hlog and re-rendering saved results
		// Every failure reaches failure(), so errs is complete; c.errors
		// would count a stream's read error a second time.
		Errors:     errs,
		Reconnects: recs,
	}
	if secs > 0 {
		iv.EventsPerS = float64(c.events) / secs
		iv.BytesPerS = float64(c.bytes) / secs
	}
	a.ivC = counters{}
	a.interval.Reset()
	a.series = append(a.series, iv)
	return iv
}

// tick ends an interval: it collects, appends the interval to the time
// series and passes it to onTick.
func (a *aggregator) tick(now time.Time) result.Interval {
	a.tickMu.Lock()
	defer a.tickMu.Unlock()
	return a.tickLocked(now)
}

func (a *aggregator) tickLocked(now time.Time) result.Interval {
	a.collect()
	iv := a.emit(now)
	if a.onTick != nil {
		a.onTick(iv, now)
	}
	return iv
}

// setPhase collects everything recorded so far into the current phase, then
// switches phase, so the boundary between ramp and steady state is exact to
// within the events in flight during the switch. The interval being built
// goes on across the switch: the time series keeps its regular steps.
func (a *aggregator) setPhase(p int, now time.Time) {
	a.tickMu.Lock()
	defer a.tickMu.Unlock()
	a.collect()
	a.switchPhase(p, now)
}

// switchPhase makes p the current phase as of now.
func (a *aggregator) switchPhase(p int, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p == a.phase {
		return
	}
	a.phase = p
	if p == phaseSteady {
		a.steady = now
	} else {
		a.steadyD += now.Sub(a.steady)
		a.steady = time.Time{}
	}
	a.setShardsSteady(p == phaseSteady)
}

// setShardsSteady tells the shards whether samples now belong to the steady
// state. Call it with a.mu held, right after a collect.
func (a *aggregator) setShardsSteady(on bool) {
	for _, s := range a.shards {
		s.mu.Lock()
		s.steady = on
		s.mu.Unlock()
	}
}

// interEvent merges the shards' steady-state inter-event gaps. Call it after
// the last collect.
func (a *aggregator) interEvent() *hdrhistogram.Histogram {
	h := result.NewLatencyHistogram()
	for _, s := range a.shards {
		s.mu.Lock()
		h.Merge(s.inter)
		s.mu.Unlock()
	}
	return h
}

// markEnd notes how many streams were held when the run ended, before they
// are closed.
func (a *aggregator) markEnd() {
	a.connMu.Lock()
	a.connectedAtEnd, a.ended = a.connected, true
	a.connMu.Unlock()
}

// finish ticks the run's last interval at now, once the streams are
// closed: what they read after the run's end (events in flight, trailing
// bytes and comments) counts in the phase the run ended in. A steady window
// still open then closes as of end, when the schedule ended.
func (a *aggregator) finish(end, now time.Time) {
	a.tickMu.Lock()
	defer a.tickMu.Unlock()
	a.tickLocked(now)
	a.switchPhase(phaseRamp, end)
}

// steadyElapsed returns how long the steady state has lasted up to now, over
// all its windows, and whether a steady window is open.
func (a *aggregator) steadyElapsed(now time.Time) (time.Duration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.steady.IsZero() {
		return a.steadyD, false
	}
	return a.steadyD + now.Sub(a.steady), true
}

// perSubscriber returns the distribution of steady-state events over the
// slots that held a stream at some moment of the steady state, starved ones
// (0 events) included. Call it after the last collect.
func (a *aggregator) perSubscriber() *hdrhistogram.Histogram {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := result.NewLatencyHistogram()
	for i, ok := range a.present {
		if ok {
			// Counts above the histogram's top (3.6e9) cannot happen in a
			// run of human length; RecordValue would report it, not panic.
			_ = h.RecordValue(int64(a.perSub[i]))
		}
	}
	return h
}

// streamUp records a stream that started: connectUS from the request to the
// checked response headers, and reconnectUS from the end of the previous
// stream (-1 for a subscriber's first stream).
func (a *aggregator) streamUp(connectUS, reconnectUS int64) {
	a.connMu.Lock()
	if latencyInRange(connectUS) {
		_ = a.connect.RecordValue(connectUS)
		_ = a.headers.RecordValue(connectUS)
	}
	if reconnectUS >= 0 {
		a.reconnects++
		a.intervalRec++
		if latencyInRange(reconnectUS) {
			_ = a.reconnect.RecordValue(reconnectUS)
		}
	}
	a.connected++
	a.connMu.Unlock()
}

// streamDown records a stream that ended; e is nil when the run (or a
// ramp-down) closed it, else the classified reason.
func (a *aggregator) streamDown(e *ConnError) {
	a.connMu.Lock()
	a.connected--
	a.connMu.Unlock()
	if e != nil {
		a.failure(e)
	}
}

// headersAfter records the time to the response headers of an attempt that
// got headers but no stream (a 404, a 204, a wrong Content-Type).
func (a *aggregator) headersAfter(us int64) {
	a.connMu.Lock()
	if latencyInRange(us) {
		_ = a.headers.RecordValue(us)
	}
	a.connMu.Unlock()
}

// firstEventAfter records the time to a stream's first event.
func (a *aggregator) firstEventAfter(us int64) {
	a.connMu.Lock()
	if latencyInRange(us) {
		_ = a.firstEvent.RecordValue(us)
	}
	a.connMu.Unlock()
}

// failure counts a classified error: a failed connection attempt or a
// stream that failed after it was established.
func (a *aggregator) failure(e *ConnError) {
	a.connMu.Lock()
	a.errs[e.Class]++
	a.intervalErrs++
	if _, ok := a.samples[e.Class]; !ok {
		a.samples[e.Class] = e.Err.Error()
	}
	a.connMu.Unlock()
}

// droppedSession records a subscriber session that ended without the stream
// it had lost: no reconnect was allowed, or none succeeded before the end.
func (a *aggregator) droppedSession() {
	a.connMu.Lock()
	a.dropped++
	a.connMu.Unlock()
}

// totalReconnects returns the successful reconnections so far.
func (a *aggregator) totalReconnects() int64 {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	return a.reconnects
}
