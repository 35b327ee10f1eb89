package loadgen

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Phases of a run. Measurements are booked by their receive time in the
// phase the run was in then; ramp and ramp-down are accounted together
// (bucket), the labels only name intervals.
const (
	phaseRamp     = 0 // before a steady window, or between stages going up
	phaseSteady   = 1 // a plateau of the schedule with every subscriber answered
	phaseRampDown = 2 // after a steady window, the target falling
	// phaseCount is the number of accounting buckets: outside the steady
	// state and in it.
	phaseCount = 2
)

// bucket returns the accounting bucket of phase p.
func bucket(p int) int {
	if p == phaseSteady {
		return phaseSteady
	}
	return phaseRamp
}

// phaseName is the label of phase p in the result's intervals.
func phaseName(p int) string {
	switch p {
	case phaseSteady:
		return "steady"
	case phaseRampDown:
		return "ramp-down"
	}
	return "ramp"
}

// phaseSwitch is the moment the run entered phase.
type phaseSwitch struct {
	at    int64 // ns since the run started
	phase int
}

// phaseLog records the run's phase switches when the driver makes them, so
// that the aggregator can book every measurement against boundaries fixed
// when they happened, however late it runs. Its lock is held only to
// append or copy a few switches, never while aggregating, so the driver's
// clock is never held up by aggregation.
type phaseLog struct {
	t0 time.Time
	mu sync.Mutex
	sw []phaseSwitch // in time order; the run starts in phaseRamp
	// horizon is the instant (ns since t0) up to which sw is complete: a
	// switch recorded later is later than it. The driver moves it at every
	// step; seal makes it infinite once the drive is over.
	horizon atomic.Int64
	// endAt is when the drive ended (ns since t0); -1 while it runs. A
	// steady window still open then counts in the steady duration up to it.
	endAt atomic.Int64
}

func newPhaseLog(t0 time.Time) *phaseLog {
	pl := &phaseLog{t0: t0}
	pl.endAt.Store(-1)
	return pl
}

// since returns t as ns since the run started.
func (pl *phaseLog) since(t time.Time) int64 { return max(0, int64(t.Sub(pl.t0))) }

// record notes that the run entered phase p at now, and moves the horizon
// to now.
func (pl *phaseLog) record(p int, now time.Time) {
	ns := pl.since(now)
	pl.mu.Lock()
	last := phaseRamp
	if n := len(pl.sw); n > 0 {
		last = pl.sw[n-1].phase
	}
	if p != last {
		pl.sw = append(pl.sw, phaseSwitch{at: max(ns, pl.horizon.Load()), phase: p})
	}
	pl.mu.Unlock()
	pl.mark(now)
}

// mark tells that every switch up to now is recorded.
func (pl *phaseLog) mark(now time.Time) {
	ns := pl.since(now)
	for {
		h := pl.horizon.Load()
		if ns <= h || pl.horizon.CompareAndSwap(h, ns) {
			return
		}
	}
}

// end records the drive's end at end and seals the log: no switch comes
// after it.
func (pl *phaseLog) end(end time.Time) {
	pl.endAt.Store(pl.since(end))
	pl.horizon.Store(math.MaxInt64)
}

// from returns the switches from index i on, and the horizon they are
// complete up to.
func (pl *phaseLog) from(i int) ([]phaseSwitch, int64) {
	h := pl.horizon.Load() // before the copy: switches up to h are in it
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if i >= len(pl.sw) {
		return nil, h
	}
	return append([]phaseSwitch(nil), pl.sw[i:]...), h
}

// phaseAt returns the phase the run was in at ns.
func (pl *phaseLog) phaseAt(ns int64) int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	i := sort.Search(len(pl.sw), func(i int) bool { return pl.sw[i].at > ns })
	if i == 0 {
		return phaseRamp
	}
	return pl.sw[i-1].phase
}

// steadyOverlaps tells whether [from, to) overlaps a steady window.
func (pl *phaseLog) steadyOverlaps(from, to int64) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	p, at := phaseRamp, int64(0)
	for _, s := range pl.sw {
		if p == phaseSteady && at < to && s.at > from {
			return true
		}
		p, at = s.phase, s.at
	}
	return p == phaseSteady && at < to
}

// steadyElapsed returns how long the steady state has lasted up to now,
// over all its windows, and whether a steady window is open. A window open
// when the drive ended counts up to the end.
func (pl *phaseLog) steadyElapsed(now time.Time) (time.Duration, bool) {
	lim := pl.since(now)
	if e := pl.endAt.Load(); e >= 0 {
		lim = min(lim, e)
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	var d int64
	p, at := phaseRamp, int64(0)
	for _, s := range pl.sw {
		if p == phaseSteady {
			d += max(0, min(s.at, lim)-at)
		}
		p, at = s.phase, s.at
	}
	open := p == phaseSteady && pl.endAt.Load() < 0
	if p == phaseSteady {
		d += max(0, lim-at)
	}
	return time.Duration(d), open
}
