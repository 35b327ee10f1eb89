package loadgen

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// phaseTotals are the measurements of one accounting bucket (see bucket).
type phaseTotals struct {
	c      counters
	fanout *hdrhistogram.Histogram
}

// aggregator collects what the Recorders hold and books every entry by its
// receive time: in the phase the run was in then (from the phaseLog) and in
// the interval of the time grid (start + k·step) it fell in. An interval
// cut by a phase switch becomes two pieces (segs), each with its own phase,
// so the steady pieces add up to the headline figures exactly.
//
// collect runs on the aggregator's own goroutine (run) and once at the
// end; collectMu serialises them. Nothing the subscribers or the driver do
// waits for it: the aggregator may fall behind, and then finalises its
// intervals later, not differently. An interval is final once the grid has
// passed its end by delay (samples are recorded a little after they are
// read) and the phase log is complete up to its end.
type aggregator struct {
	// onTick, when set, receives every interval appended to the series, in
	// order, from the goroutine that collects; it must not block.
	onTick func(iv result.Interval, now time.Time)

	collectMu sync.Mutex
	pl        *phaseLog
	start     time.Time
	step      int64 // interval length, ns
	delay     int64 // how long past an interval's end it stays open for late samples, ns
	recs      []*Recorder
	st        []recState
	swN       int    // switches of pl applied to segs
	segs      []*seg // the open pieces, in time order; the last ends at its grid end
	cur       *seg   // the piece the last entry went to: a cache for segFor
	connNow   int    // streams held at the end of the last final piece
	totals    [phaseCount]phaseTotals
	inter     *hdrhistogram.Histogram             // steady-state inter-event gaps, µs
	procLag   [phaseCount]*hdrhistogram.Histogram // record time − read time, µs
	late      uint64                              // entries booked after their interval was final
	free      []*hdrhistogram.Histogram           // reset histograms for new pieces
	empty     string                              // EncodeHDR of an empty histogram
	series    []result.Interval
	slowDown  func() // test hook: makes every collect slow

	// Per-connection measurements: rare, so one lock is fine.
	connMu     sync.Mutex
	connect    *hdrhistogram.Histogram
	firstEvent *hdrhistogram.Histogram
	headers    *hdrhistogram.Histogram
	reconnect  *hdrhistogram.Histogram
	errs       map[string]int64
	samples    map[string]string
	errAt      []int64 // when failures happened (ns since start), until booked in an interval
	recAt      []int64 // when reconnections succeeded, likewise
	reconnects int64   // successful reconnections over the run

	connected int // subscribers holding a stream now, guarded by connMu
	dropped   int // sessions that ended having lost their stream, guarded by connMu
	// everConn and failed are filled by the runner at the end, from its
	// slots: a slot that got a stream at least once, and one that was
	// answered but never got one.
	everConn int
	failed   int

	// replay keeps the latency of events replayed after a reconnect apart
	// (replay.go).
	replay replayLog
}

// recState is the aggregator's view of one Recorder.
type recState struct {
	pend   []*batch // taken but not fully booked (entries past the horizon), oldest first
	ev, nt int      // entries and notes of pend[0] already booked
	upAt   int64    // when the slot's stream came up (ns since start); -1 while down
	// present: the slot held a stream at some moment of a steady window.
	present bool
	steady  uint64 // events booked in the steady state
}

// seg is a piece of one interval of the grid, in one phase.
type seg struct {
	start, end int64 // ns since the run started
	k          int64 // interval index on the grid
	phase      int
	c          counters
	up         int                     // streams gained minus lost
	fan        *hdrhistogram.Histogram // fan-out latency, µs; nil until needed
}

// collectDelay is how long past its end an interval stays open for samples
// recorded late (a reader preempted between its read and its record): a
// quarter of the interval, at most 250 ms, so progress lags little.
func collectDelay(step time.Duration) time.Duration {
	return min(step/4, 250*time.Millisecond)
}

func newAggregator(n int, start time.Time, step time.Duration, pl *phaseLog) *aggregator {
	a := &aggregator{
		pl:         pl,
		start:      start,
		step:       int64(step),
		delay:      int64(collectDelay(step)),
		recs:       make([]*Recorder, n),
		st:         make([]recState, n),
		inter:      result.NewLatencyHistogram(),
		connect:    result.NewLatencyHistogram(),
		firstEvent: result.NewLatencyHistogram(),
		headers:    result.NewLatencyHistogram(),
		reconnect:  result.NewLatencyHistogram(),
		errs:       map[string]int64{},
		samples:    map[string]string{},
	}
	empty := result.NewLatencyHistogram()
	a.empty = result.EncodeHDR(empty)
	a.free = append(a.free, empty)
	for i := range a.recs {
		a.recs[i] = newRecorder(start)
		a.st[i].upAt = -1
	}
	for i := range a.totals {
		a.totals[i].fanout = result.NewLatencyHistogram()
		a.procLag[i] = result.NewLatencyHistogram()
	}
	a.segs = []*seg{{start: 0, end: a.step, phase: phaseRamp}}
	return a
}

// run collects on the interval grid, delay after each interval's end,
// until stop is closed. When a collect overruns, the next one starts at
// once: intervals are then final later, never different.
func (a *aggregator) run(stop <-chan struct{}) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for k := int64(1); ; k++ {
		due := a.start.Add(time.Duration(k*a.step + a.delay))
		if d := time.Until(due); d > 0 {
			t.Reset(d)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
			// Behind: skip the grid points already passed.
			k = max(k, int64(time.Since(a.start))/a.step)
		}
		a.collect(time.Now(), false)
	}
}

// totalsOf returns the totals phase p is accounted in.
func (a *aggregator) totalsOf(p int) *phaseTotals { return &a.totals[bucket(p)] }

// interEvent returns the steady-state inter-event gaps. Call it after the
// final collect.
func (a *aggregator) interEvent() *hdrhistogram.Histogram { return a.inter }

// steadyElapsed returns how long the steady state has lasted up to now, over
// all its windows, and whether a steady window is open.
func (a *aggregator) steadyElapsed(now time.Time) (time.Duration, bool) {
	return a.pl.steadyElapsed(now)
}

// perSubscriber returns the distribution of steady-state events over the
// slots that held a stream at some moment of the steady state, starved ones
// (0 events) included. Call it after the final collect.
func (a *aggregator) perSubscriber() *hdrhistogram.Histogram {
	h := result.NewLatencyHistogram()
	for i := range a.st {
		if a.st[i].present {
			// Counts above the histogram's top (3.6e9) cannot happen in a
			// run of human length; RecordValue would report it, not panic.
			_ = h.RecordValue(int64(a.st[i].steady))
		}
	}
	return h
}

// signalLag returns the processing lag over the steady state, or over the
// whole run when the steady state has none. Call it after the final collect.
func (a *aggregator) signalLag() *hdrhistogram.Histogram {
	if a.procLag[phaseSteady].TotalCount() > 0 {
		return a.procLag[phaseSteady]
	}
	return a.procLag[phaseRamp]
}
