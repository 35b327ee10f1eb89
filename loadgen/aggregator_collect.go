package loadgen

import (
	"math"
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// collect takes what every Recorder holds, books it, and emits the
// intervals that are final at now. With final set (the run is over, every
// stream closed and the phase log sealed) it books everything and emits
// every interval, the last one cut at now.
func (a *aggregator) collect(now time.Time, final bool) {
	a.collectMu.Lock()
	defer a.collectMu.Unlock()
	if a.slowDown != nil {
		a.slowDown()
	}
	// Switches first: every switch up to the horizon is known, and each
	// is later than everything booked so far (they were past the horizon
	// of the previous collect).
	sw, horizon := a.pl.from(a.swN)
	for _, s := range sw {
		a.cutAt(s.at, s.phase)
	}
	a.swN += len(sw)
	nowNS := a.pl.since(now)
	for i, r := range a.recs {
		st := &a.st[i]
		st.pend = r.take(st.pend)
		a.book(st, horizon)
	}
	lim := min(horizon, nowNS-a.delay)
	if final {
		a.extendTo(nowNS)
		last := a.segs[len(a.segs)-1]
		last.end = max(nowNS, last.start)
		if last.end == last.start && len(a.segs) > 1 && last.c == (counters{}) && last.fan == nil && last.up == 0 {
			a.segs = a.segs[:len(a.segs)-1] // an empty piece of no length
		}
		lim = math.MaxInt64
	} else {
		a.extendTo(lim)
	}
	for len(a.segs) > 0 && a.segs[0].end <= lim {
		a.emit(a.segs[0], now)
		a.segs = a.segs[1:]
	}
	if len(a.segs) > 0 {
		a.cur = a.segs[0]
	}
}

// book books st's pending entries and notes recorded up to horizon.
func (a *aggregator) book(st *recState, horizon int64) {
	for len(st.pend) > 0 {
		b := st.pend[0]
		if b.lagNS >= 0 {
			_ = a.procLag[bucket(a.pl.phaseAt(b.base))].RecordValue(min(b.lagNS/1000, result.MaxLatencyUS))
			b.lagNS = -1
		}
		for ; st.ev < len(b.ev); st.ev++ {
			e := &b.ev[st.ev]
			at := b.base + int64(e.atUS)*int64(time.Microsecond)
			if at > horizon {
				break
			}
			sg := a.segFor(at)
			sg.c.events++
			sg.c.bytes += uint64(e.bytes)
			if e.latUS != noSample {
				// Range-checked when recorded, so RecordValue cannot fail.
				_ = a.hist(sg).RecordValue(int64(e.latUS))
			}
			if sg.phase == phaseSteady {
				st.steady++
				if e.gapUS != noSample {
					_ = a.inter.RecordValue(int64(e.gapUS))
				}
			}
		}
		for ; st.nt < len(b.notes); st.nt++ {
			n := &b.notes[st.nt]
			if n.at > horizon {
				break
			}
			sg := a.segFor(n.at)
			sg.c.add(n.c)
			switch n.up {
			case 1:
				sg.up++
				st.upAt = n.at
			case -1:
				sg.up--
				if st.upAt >= 0 && !st.present {
					st.present = a.pl.steadyOverlaps(st.upAt, n.at+1)
				}
				st.upAt = -1
			}
		}
		if st.ev < len(b.ev) || st.nt < len(b.notes) {
			break // the rest is past the horizon
		}
		st.pend[0] = nil
		st.pend = st.pend[1:]
		st.ev, st.nt = 0, 0
		b.release()
	}
	if len(st.pend) == 0 {
		st.pend = st.pend[:0:0] // drop the backing array of a long backlog
	}
	if st.upAt >= 0 && !st.present && horizon == math.MaxInt64 {
		st.present = a.pl.steadyOverlaps(st.upAt, math.MaxInt64)
	}
}

// segFor returns the piece at falls in. An entry older than every open
// piece (recorded after its interval was emitted) goes to the oldest open
// piece and is counted as late.
func (a *aggregator) segFor(at int64) *seg {
	if c := a.cur; c != nil && at >= c.start && at < c.end {
		return c
	}
	if at < a.segs[0].start {
		a.late++
		a.cur = a.segs[0]
		return a.cur
	}
	a.extendTo(at)
	i := sort.Search(len(a.segs), func(i int) bool { return a.segs[i].end > at })
	a.cur = a.segs[i]
	return a.cur
}

// extendTo adds grid intervals, in the last piece's phase, until the last
// piece ends after t.
func (a *aggregator) extendTo(t int64) {
	for last := a.segs[len(a.segs)-1]; last.end <= t; last = a.segs[len(a.segs)-1] {
		a.segs = append(a.segs, &seg{start: last.end, end: last.end + a.step, k: last.k + 1, phase: last.phase})
	}
}

// cutAt starts phase p at t: the open piece holding t ends there and a new
// one, in phase p, takes the rest of its interval.
func (a *aggregator) cutAt(t int64, p int) {
	a.extendTo(t)
	last := a.segs[len(a.segs)-1]
	if t <= last.start {
		last.phase = p
		return
	}
	a.segs = append(a.segs, &seg{start: t, end: last.end, k: last.k, phase: p})
	last.end = t
}

// hist returns sg's fan-out histogram, allocating it (from the free list
// when it can) on first use.
func (a *aggregator) hist(sg *seg) *hdrhistogram.Histogram {
	if sg.fan == nil {
		if n := len(a.free); n > 0 {
			sg.fan, a.free = a.free[n-1], a.free[:n-1]
		} else {
			sg.fan = result.NewLatencyHistogram()
		}
	}
	return sg.fan
}

// emit closes sg: it adds it to its phase's totals and appends it to the
// time series as an interval.
func (a *aggregator) emit(sg *seg, now time.Time) {
	t := a.totalsOf(sg.phase)
	t.c.add(sg.c)
	a.connNow += sg.up
	a.connMu.Lock()
	errs, recs := takeBefore(&a.errAt, sg.end), takeBefore(&a.recAt, sg.end)
	a.connMu.Unlock()
	iv := result.Interval{
		StartS:    time.Duration(sg.start).Seconds(),
		ElapsedS:  time.Duration(sg.end).Seconds(),
		Phase:     phaseName(sg.phase),
		Connected: a.connNow,
		Events:    sg.c.events,
		Bytes:     sg.c.bytes,
		FanoutHDR: a.empty, // for --hlog and re-rendering saved results
		// Every failure reaches failure(), so errs is complete; c.errors
		// would count a stream's read error a second time.
		Errors:     errs,
		Reconnects: recs,
	}
	if sg.fan != nil {
		t.fanout.Merge(sg.fan)
		iv.FanoutP50US = sg.fan.ValueAtQuantile(50)
		iv.FanoutP99US = sg.fan.ValueAtQuantile(99)
		iv.FanoutHDR = result.EncodeHDR(sg.fan)
		sg.fan.Reset()
		a.free = append(a.free, sg.fan)
		sg.fan = nil
	}
	if secs := time.Duration(sg.end - sg.start).Seconds(); secs > 0 {
		iv.EventsPerS = float64(sg.c.events) / secs
		iv.BytesPerS = float64(sg.c.bytes) / secs
	}
	a.series = append(a.series, iv)
	if a.cur == sg {
		a.cur = nil
	}
	if a.onTick != nil {
		a.onTick(iv, now)
	}
}
