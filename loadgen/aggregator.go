package loadgen

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports"
)

// Phases of a run; measurements are kept apart per phase.
const (
	phaseRamp   = 0 // subscribers are connecting
	phaseSteady = 1 // every subscriber has connected or failed
	phaseCount  = 2
)

// phaseTotals are the measurements of one phase.
type phaseTotals struct {
	c      counters
	fanout *hdrhistogram.Histogram
}

// aggregator collects what the Recorders hold, interval by interval. collect
// may be called from the ticker goroutine and from the runner (at a phase
// change and at the end); mu serialises it.
type aggregator struct {
	mu       sync.Mutex
	recs     []*Recorder
	shards   []*shard
	phase    int
	steady   time.Time // when the steady state began; zero before
	totals   [phaseCount]phaseTotals
	interval *hdrhistogram.Histogram // scratch: this interval's fan-out latencies
	start    time.Time
	last     time.Time
	series   []reports.Interval

	// Per-connection measurements: rare, so one lock is fine.
	connMu       sync.Mutex
	connect      *hdrhistogram.Histogram
	firstEvent   *hdrhistogram.Histogram
	errs         map[string]int64
	samples      map[string]string
	intervalErrs int64

	connected int // subscribers holding a stream now, guarded by connMu
	everConn  int // subscribers that got a stream at least once
	failed    int // subscribers that never got a stream
	dropped   int // subscribers that lost an established stream
}

func newAggregator(n, nshards int, start time.Time) *aggregator {
	a := &aggregator{
		recs:       make([]*Recorder, n),
		shards:     make([]*shard, nshards),
		interval:   reports.NewLatencyHistogram(),
		start:      start,
		last:       start,
		connect:    reports.NewLatencyHistogram(),
		firstEvent: reports.NewLatencyHistogram(),
		errs:       map[string]int64{},
		samples:    map[string]string{},
	}
	for i := range a.shards {
		a.shards[i] = &shard{h: reports.NewLatencyHistogram()}
	}
	for i := range a.recs {
		a.recs[i] = newRecorder(a.shards[i%nshards])
	}
	for i := range a.totals {
		a.totals[i].fanout = reports.NewLatencyHistogram()
	}
	return a
}

// collect drains every Recorder and shard into the current phase's totals and
// returns the interval since the previous collect.
func (a *aggregator) collect(now time.Time) reports.Interval {
	a.mu.Lock()
	defer a.mu.Unlock()
	var c counters
	for _, r := range a.recs {
		c.add(r.drain())
	}
	a.interval.Reset()
	for _, s := range a.shards {
		s.mu.Lock()
		a.interval.Merge(s.h)
		s.h.Reset()
		s.mu.Unlock()
	}
	t := &a.totals[a.phase]
	t.c.add(c)
	t.fanout.Merge(a.interval)

	a.connMu.Lock()
	connected := a.connected
	errs := a.intervalErrs
	a.intervalErrs = 0
	a.connMu.Unlock()

	secs := now.Sub(a.last).Seconds()
	a.last = now
	iv := reports.Interval{
		ElapsedS:    now.Sub(a.start).Seconds(),
		Connected:   connected,
		Events:      c.events,
		Bytes:       c.bytes,
		FanoutP50US: a.interval.ValueAtQuantile(50),
		FanoutP99US: a.interval.ValueAtQuantile(99),
		Errors:      errs + int64(c.errors),
	}
	if secs > 0 {
		iv.EventsPerS = float64(c.events) / secs
		iv.BytesPerS = float64(c.bytes) / secs
	}
	return iv
}

// tick collects an interval and appends it to the time series.
func (a *aggregator) tick(now time.Time) reports.Interval {
	iv := a.collect(now)
	a.mu.Lock()
	a.series = append(a.series, iv)
	a.mu.Unlock()
	return iv
}

// setPhase collects everything recorded so far into the current phase, then
// switches phase, so the boundary between ramp and steady state is exact to
// within the events in flight during the switch.
func (a *aggregator) setPhase(p int, now time.Time) {
	a.tick(now)
	a.mu.Lock()
	a.phase = p
	if p == phaseSteady {
		a.steady = now
	}
	a.mu.Unlock()
}

// steadySince returns when the steady state began, if it has.
func (a *aggregator) steadySince() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.steady, !a.steady.IsZero()
}

// connectedOK records a subscriber that got a stream.
func (a *aggregator) connectedOK(connectUS int64) {
	a.connMu.Lock()
	if latencyInRange(connectUS) {
		_ = a.connect.RecordValue(connectUS)
	}
	a.connected++
	a.everConn++
	a.connMu.Unlock()
}

// firstEventAfter records the time to a subscriber's first event.
func (a *aggregator) firstEventAfter(us int64) {
	a.connMu.Lock()
	if latencyInRange(us) {
		_ = a.firstEvent.RecordValue(us)
	}
	a.connMu.Unlock()
}

// failure records a classified error. established tells whether the
// subscriber had a stream (it is then dropped) or never got one (failed).
func (a *aggregator) failure(e *ConnError, established bool) {
	a.connMu.Lock()
	a.errs[e.Class]++
	a.intervalErrs++
	if _, ok := a.samples[e.Class]; !ok {
		a.samples[e.Class] = e.Err.Error()
	}
	if established {
		a.connected--
		a.dropped++
	} else {
		a.failed++
	}
	a.connMu.Unlock()
}

// ended records a subscriber whose stream was closed by the end of the run.
func (a *aggregator) ended() {
	a.connMu.Lock()
	a.connected--
	a.connMu.Unlock()
}
