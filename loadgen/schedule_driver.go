package loadgen

import (
	"context"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// scheduleStep is how often the driver asks its Schedule for a target. It
// bounds how bunched connection opens are (at --connect-rate 1000/s, one per
// step) and how late a steady window starts or ends; a ticker this fast
// costs a few µs of CPU per step, well under 1% of a core.
const scheduleStep = time.Millisecond

// driver applies a Schedule to a run: it starts and stops subscriber slots
// so that the number started follows the target, and it tells the runner
// when the steady state begins and ends. Slots are numbered from 0; the
// newest (highest) slots close first when the target falls, as in k6.
type driver struct {
	sched Schedule
	// maxSteady ends the run once the steady windows add up to this long;
	// 0 means the run ends only when the schedule is Done.
	maxSteady time.Duration
	// start opens slot i; stop closes it. Neither may block for long: they
	// run on the driver's goroutine.
	start, stop func(slot int)
	// pending returns how many started slots have not yet had their first
	// connection attempt answered (connected or failed).
	pending func() int64
	// answeredAt, when set, returns when the latest first answer came: a
	// steady window that waited for it begins then, not when a late step
	// notices.
	answeredAt func() time.Time
	// steady is called whenever the steady state begins (true) or ends.
	steady func(on bool, now time.Time)
	// failed, when set, returns how many sessions ended without a stream,
	// for progress displays.
	failed func() int64
	// unsent returns how many started slots have not yet written their
	// first request; holdGrace, when > 0 (publisher mode), lets the steady
	// state begin without every first answer once every request is out
	// and no answer has come for this long: a server that holds its
	// response headers until its first event answers only once
	// ssebench publishes.
	unsent    func() int64
	holdGrace time.Duration
	// allFailed, when set, tells whether every subscriber started so far
	// failed and none waits to reconnect; on a plateau of the schedule the
	// drive then ends at once rather than hold a run that measures nothing.
	allFailed func() bool
	// mark, when set, is called after every step with the step's time:
	// every phase switch up to it has been reported through steady.
	mark func(now time.Time)

	// late is how late each step ran after its tick was due, µs, inside
	// (phaseSteady) and outside the steady state: the self-check's clock
	// lateness. Only the driver's goroutine writes it; read it after run.
	late [phaseCount]*hdrhistogram.Histogram

	// target is the schedule's current N, for progress displays.
	target atomic.Int64
}

// A stepSchedule is a Schedule whose target changes only at known moments.
// The driver uses them to date the end of a steady window, or the end of the
// schedule, when it happened rather than when a late step noticed.
type stepSchedule interface {
	// changeIn returns the first moment in (from, to] at which the target
	// may change, and false when there is none.
	changeIn(from, to time.Duration) (time.Duration, bool)
}

// changeIn implements stepSchedule: stages change at their boundaries.
func (s Stages) changeIn(from, to time.Duration) (time.Duration, bool) {
	var at time.Duration
	for _, st := range s {
		at += st.Duration
		if at > from && at <= to {
			return at, true
		}
	}
	return 0, false
}

var _ stepSchedule = Stages{}

// driveResult tells how a drive ended.
type driveResult struct {
	// Steady is the total length of the steady windows.
	Steady time.Duration
	// Interrupted is true when ctx ended the drive before the schedule did.
	Interrupted bool
	// Open is true when the drive ended in a steady window, which it leaves
	// open for the caller to close.
	Open bool
	// HeldHeaders is how many subscribers still waited for their response
	// headers when the steady state began without them (holdGrace).
	HeldHeaders int64
	// End is when the drive ended: when the steady state reached maxSteady,
	// the schedule was done (or, when it was done before the last starts
	// had their first answer, the last of those answers came) or ctx
	// ended. A step that runs late (the process is saturated) does not
	// move it: with maxSteady it is the instant the steady windows added
	// up to maxSteady.
	End time.Time
}

// run drives the schedule from t0 until it is Done, the steady state has
// lasted maxSteady, or ctx ends. It leaves the slots it started open: the
// caller closes them, and the steady window if the result is Open.
func (d *driver) run(ctx context.Context, t0 time.Time) driveResult {
	tk := time.NewTicker(scheduleStep)
	defer tk.Stop()
	var (
		res    driveResult
		active int       // slots [0, active) are started
		on     bool      // in a steady window
		since  time.Time // start of the current steady window
		// holdGrace: the steady state no longer waits for first answers
		// (released), and since when pending has stood still at pend.
		released bool
		pend     int64
		still    time.Time
		// plateau: the previous step, at prevNow, asked for a hold of N > 0.
		plateau bool
		prevNow time.Time
		// doneAt: when the schedule was done; zero before.
		doneAt time.Time
	)
	for i := range d.late {
		d.late[i] = result.NewLatencyHistogram()
	}
	var due time.Time // when the tick this step runs for was due
	end := func(now time.Time) driveResult {
		if on {
			res.Steady += now.Sub(since)
			res.Open = true
		}
		res.End = now
		return res
	}
	for {
		now := time.Now()
		if !due.IsZero() {
			if l := now.Sub(due).Microseconds(); latencyInRange(l) {
				_ = d.late[bucket(boolPhase(on))].RecordValue(l)
			}
		}
		prev := prevNow // the previous step's time; zero at the first
		st := d.sched.Target(now.Sub(t0))
		d.target.Store(int64(st.N))
		for active < st.N {
			d.start(active)
			active++
		}
		for active > st.N {
			active--
			d.stop(active)
		}
		// Steady state: a plateau of the schedule, once every subscriber it
		// asks for has had its first answer, so a connection storm (or a
		// slow first handshake) never blurs the headline figures.
		if d.allFailed != nil && active > 0 && (st.Hold || st.Done) && d.allFailed() {
			return end(now)
		}
		releasedNow := false
		if d.holdGrace > 0 && !released && st.Hold && st.N > 0 && active == st.N {
			switch p := d.pending(); {
			case p == 0 || d.unsent() > 0 || p != pend:
				pend, still = p, now
			case now.Sub(still) >= d.holdGrace:
				released, releasedNow, res.HeldHeaders = true, true, p
			}
		}
		steady := st.Hold && st.N > 0 && (released || d.pending() == 0) && (on || !st.Done)
		if steady != on {
			// Date the switch when it happened, not when this step (late,
			// if the process is busy) noticed it.
			at := now
			switch {
			case releasedNow:
				// The steady state begins because holdGrace released it:
				// at this step, when publishing starts.
			case !steady && !st.Hold:
				// The plateau ended at the schedule's change.
				at = d.changed(t0, prev, now)
			case steady && !plateau:
				// A plateau began at the schedule's change ...
				at = d.changed(t0, prev, now)
			case steady && d.answeredAt != nil:
				// ... or was there at the previous step already.
				at = prev
			}
			if steady && !released && d.answeredAt != nil {
				// The steady state waited for the last first answer.
				if a := d.answeredAt(); a.After(at) && a.Before(now) {
					at = a
				}
			}
			if on {
				res.Steady += at.Sub(since)
			} else {
				since = at
			}
			on = steady
			d.steady(on, at)
		}
		plateau, prevNow = st.Hold && st.N > 0, now
		if st.Done {
			if doneAt.IsZero() {
				doneAt = d.changed(t0, prev, now)
			}
			// The schedule's last starts get their first answer before the
			// drive ends (within the connect timeout), so that "2s:200"
			// ends with 200 connected or failed, none cut off half-way:
			// then the drive ends when the last of those answers came.
			if on || d.pending() == 0 {
				at := doneAt
				if !on && d.answeredAt != nil {
					if a := d.answeredAt(); a.After(at) && !a.After(now) {
						at = a
					}
				}
				return end(at)
			}
		}
		if d.maxSteady > 0 && on && res.Steady+now.Sub(since) >= d.maxSteady {
			// End when the steady state reached maxSteady, however late
			// this step runs.
			return end(since.Add(d.maxSteady - res.Steady))
		}
		// Every switch up to now is reported. (Not before the returns
		// above: the caller may still record the end, at or before now.)
		if d.mark != nil {
			d.mark(now)
		}
		select {
		case <-ctx.Done():
			res.Interrupted = true
			return end(time.Now())
		case due = <-tk.C: // the time the tick was due
		}
	}
}

// changed returns when the schedule's target changed between the steps at
// prev and now: exact for a stepSchedule, else now.
func (d *driver) changed(t0, prev, now time.Time) time.Time {
	if ss, ok := d.sched.(stepSchedule); ok && !prev.IsZero() {
		if at, ok := ss.changeIn(prev.Sub(t0), now.Sub(t0)); ok {
			return t0.Add(at)
		}
	}
	return now
}

// boolPhase returns phaseSteady for true, phaseRamp for false.
func boolPhase(steady bool) int {
	if steady {
		return phaseSteady
	}
	return phaseRamp
}

// lateness returns the clock lateness over the steady state, or over the
// whole drive when it had none. Call it after run.
func (d *driver) lateness() *hdrhistogram.Histogram {
	if h := d.late[phaseSteady]; h != nil && h.TotalCount() > 0 {
		return h
	}
	return d.late[phaseRamp]
}
